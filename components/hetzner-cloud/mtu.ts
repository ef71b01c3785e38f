/**
 * The MTU Cilium is given, computed from the interface its tunnel runs over, instead of left to auto-detection.
 *
 * Cilium's `MTU` Helm value is the *underlying device* MTU; from it Cilium derives the pod route MTU by subtracting
 * its own overheads (cilium/cilium pkg/mtu/mtu.go, `Configuration.Calculate` / `getRouteMTU`, read at commit
 * 0965216b: route MTU = device − TunnelOverhead with encapsulation, − WireguardOverhead with WireGuard, − both with
 * both). Auto-detection takes the minimum MTU of the devices Cilium selected (pkg/mtu/manager.go `Updater`, commit
 * 134a3279): correct only while the private interface is among them. Setting the value pins it to the interface the
 * tunnel really uses, whatever device selection does.
 */
import { ClusterConfig } from "../config";

/**
 * Hetzner Cloud: private network interfaces have MTU 1450, public interfaces 1500 (docs.hetzner.com/cloud/networks/
 * technical-concepts/architecture, "the MTU of Hetzner cloud servers is different in private and public interfaces").
 */
export const HETZNER_PRIVATE_INTERFACE_MTU = 1450;
export const HETZNER_PUBLIC_INTERFACE_MTU = 1500;

/**
 * cilium/cilium pkg/mtu/mtu.go: `TunnelOverhead = 50` (outer IPv4 20 + UDP 8 + VXLAN/GENEVE header 8 + inner
 * Ethernet 14). Cilium uses the same constant for VXLAN and GENEVE; the only GENEVE extra, `DsrTunnelOverhead = 12`,
 * applies to DSR with GENEVE dispatch (loadBalancer.dsrDispatch=geneve), which this program never enables.
 */
export const TUNNEL_OVERHEAD = 50;
/** cilium/cilium pkg/mtu/mtu.go: `WireguardOverhead = 80` (WireGuard message header 32 + outer IPv6 40 + UDP 8). */
export const WIREGUARD_OVERHEAD = 80;

export interface MtuInput {
    /** MTU of the interface carrying node-to-node traffic (the one holding the node-ip). */
    underlayMtu: number;
    routingMode: "tunnel" | "native";
    wireguard: boolean;
}

export interface MtuPlan {
    /** What Cilium's `MTU` value gets: the underlying device's MTU. */
    deviceMtu: number;
    tunnelOverhead: number;
    wireguardOverhead: number;
    /** The MTU of pod routes Cilium derives from it (what a pod's eth0 shows). */
    podMtu: number;
}

/** Pure: the MTU table (underlay, tunnel, WireGuard) → device and pod MTU, as Cilium computes the latter. */
export function mtuPlan(input: MtuInput): MtuPlan {
    const tunnelOverhead = input.routingMode === "tunnel" ? TUNNEL_OVERHEAD : 0;
    const wireguardOverhead = input.wireguard ? WIREGUARD_OVERHEAD : 0;
    return {
        deviceMtu: input.underlayMtu,
        tunnelOverhead,
        wireguardOverhead,
        podMtu: input.underlayMtu - tunnelOverhead - wireguardOverhead,
    };
}

/**
 * The plan for a cluster, or undefined where the underlay MTU is not known from a documented fact (Colima: Lima's
 * network is left to Cilium's auto-detection). On Hetzner the node-ip (k3s `node-ip`, Cilium's tunnel endpoint) is
 * the private address, so the tunnel runs over the private interface: 1450.
 */
export function ciliumMtu(config: ClusterConfig): MtuPlan | undefined {
    if (config.provider !== "hetzner") return undefined;
    return mtuPlan({
        underlayMtu: HETZNER_PRIVATE_INTERFACE_MTU,
        routingMode: config.cilium.routingMode,
        wireguard: config.cilium.wireguard,
    });
}
