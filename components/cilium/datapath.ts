/**
 * The ONE owner of the Cilium datapath: routing mode, tunnel protocol and UDP port, the kernel option the tunnel
 * needs, encryption, and the ports nodes need from each other. Every stage reads it: the Helm values
 * (values.ts), the kernel preflight (components/k3s), the datapath guard (index.ts) and the host policies
 * (components/policies/baseline.ts). `ciliumValues` cannot override any of it (rules.ts).
 */
import type { ClusterConfig, RoutingMode, TunnelProtocol } from "../config";
import type { HelmValues } from "./values";

/**
 * Cilium's tunnel ports: chart 1.18.4 values.yaml `tunnelPort` "@default -- Port 8472 for VXLAN, Port 6081 for
 * Geneve"; Cilium 1.18 docs, operations/system_requirements "Firewall Rules". The program sets `tunnelPort`
 * explicitly so the chart and the host policies cannot disagree.
 */
export const TUNNEL_PORTS: Readonly<Record<TunnelProtocol, number>> = Object.freeze({ geneve: 6081, vxlan: 8472 });
/** Cilium docs, system requirements "Firewall Rules": WireGuard 51871/udp, health 4240/tcp, Hubble server 4244/tcp. */
export const WIREGUARD_PORT = 51871;
export const HEALTH_PORT = 4240;
export const HUBBLE_SERVER_PORT = 4244;
/** kubelet's API (Kubernetes "Ports and Protocols"), and etcd client + peer (k3s embedded etcd). */
export const KUBELET_PORT = 10250;
export const ETCD_PORTS = { from: 2379, to: 2380 } as const;

export interface Datapath {
    readonly routingMode: RoutingMode;
    /** Absent in native routing. */
    readonly tunnel?: { readonly protocol: TunnelProtocol; readonly port: number };
    /** Tunnel driver the kernel preflight requires (CONFIG_GENEVE / CONFIG_VXLAN), or none. */
    readonly kernelTunnel: TunnelProtocol | "none";
    readonly wireguard: boolean;
    /** What the datapath guard records on the first server ("tunnel/geneve", "native"); a change is refused. */
    readonly mode: string;
}

/** Pure: the datapath the config implies. */
export function datapath(config: ClusterConfig): Datapath {
    const c = config.cilium;
    if (c.routingMode === "native") {
        return { routingMode: "native", kernelTunnel: "none", wireguard: c.wireguard, mode: "native" };
    }
    const tunnel = { protocol: c.tunnelProtocol, port: TUNNEL_PORTS[c.tunnelProtocol] };
    return { routingMode: "tunnel", tunnel, kernelTunnel: tunnel.protocol, wireguard: c.wireguard, mode: `tunnel/${tunnel.protocol}` };
}

/** Tunnel protocol the kernel preflight must find (the preflight's third argument). */
export function tunnelRequirement(config: ClusterConfig): Datapath["kernelTunnel"] {
    return datapath(config).kernelTunnel;
}

/** Pure: the chart values of the datapath (chart 1.18.4 values.yaml keys). */
export function datapathHelmValues(config: ClusterConfig): HelmValues {
    const dp = datapath(config);
    return {
        routingMode: dp.routingMode,
        ...(dp.tunnel
            ? { tunnelProtocol: dp.tunnel.protocol, tunnelPort: dp.tunnel.port }
            : { ipv4NativeRoutingCIDR: config.network.podCidr, autoDirectNodeRoutes: true }),
        encryption: dp.wireguard ? { enabled: true, type: "wireguard" } : { enabled: false },
    };
}

/** What a node-to-node rule is: host policies select rules by this, never by port number. */
export type NodePortKind = "tunnel" | "health" | "health-icmp" | "hubble" | "wireguard" | "kube-api" | "etcd" | "kubelet";

export interface NodeToNodePort {
    readonly kind: NodePortKind;
    readonly description: string;
    readonly protocol: "tcp" | "udp" | "icmp";
    /** Port or range ("2379-2380"); absent for ICMP. */
    readonly port?: string;
    /** "nodes": every node; "servers": the k3s servers. */
    readonly from: "nodes" | "servers";
    /** Which nodes accept it. */
    readonly to: "nodes" | "servers";
    /**
     * Needed by a node that is still joining: it runs no Cilium yet, so the others see it as `world`, not
     * `remote-node`, and only a CIDR rule lets it in (issue #14).
     */
    readonly whileJoining: boolean;
}

/**
 * Pure: what nodes need from each other over the private network. Hetzner Cloud Firewalls filter public
 * interfaces only (Hetzner firewall FAQ), so this list is what Cilium's host firewall policies must allow.
 * etcd is listed whatever the server count: a cluster grown from one server must not block the joining ones.
 */
export function nodeToNodePorts(config: ClusterConfig): NodeToNodePort[] {
    const dp = datapath(config);
    const out: NodeToNodePort[] = [];
    const rule = (kind: NodePortKind, description: string, protocol: NodeToNodePort["protocol"], port: number | string | undefined,
        from: NodeToNodePort["from"], to: NodeToNodePort["to"], whileJoining: boolean) =>
        out.push({ kind, description, protocol, ...(port === undefined ? {} : { port: String(port) }), from, to, whileJoining });
    if (dp.tunnel) rule("tunnel", `Cilium ${dp.tunnel.protocol === "geneve" ? "GENEVE" : "VXLAN"} tunnel`, "udp", dp.tunnel.port, "nodes", "nodes", true);
    rule("health", "Cilium health checks", "tcp", HEALTH_PORT, "nodes", "nodes", false);
    rule("health-icmp", "Cilium health ICMP echo", "icmp", undefined, "nodes", "nodes", false);
    if (config.cilium.hubble.enabled) rule("hubble", "Hubble server (relay → agents)", "tcp", HUBBLE_SERVER_PORT, "nodes", "nodes", false);
    if (dp.wireguard) rule("wireguard", "WireGuard transparent encryption", "udp", WIREGUARD_PORT, "nodes", "nodes", false);
    rule("kube-api", "Kubernetes API and k3s supervisor (nodes join here)", "tcp", config.apiPort, "nodes", "servers", true);
    rule("etcd", "etcd client and peer traffic", "tcp", `${ETCD_PORTS.from}-${ETCD_PORTS.to}`, "servers", "servers", true);
    rule("kubelet", "kubelet API", "tcp", KUBELET_PORT, "nodes", "nodes", true);
    return out;
}

/**
 * The range joining nodes come from: the node subnet on Hetzner. Colima is one VM (nobody joins), and its
 * subnet holds the laptop's side of Lima's network, so nothing is opened there.
 */
export function joiningNodesCidr(config: ClusterConfig): string | undefined {
    return config.provider === "hetzner" ? config.network.nodeSubnetCidr : undefined;
}
