import { ClusterConfig } from "../config";
import { planNodes } from "./plan";

export type Protocol = "tcp" | "udp" | "icmp";

/** One inbound rule of the Hetzner Cloud Firewall (public interfaces). */
export interface PublicRule {
    description: string;
    protocol: Protocol;
    /** Port or range ("2379-2380"); absent for ICMP. */
    port?: string;
    sourceIps: string[];
}

/** One node-to-node rule of Cilium's datapath, from the cluster's own node addresses only. */
export interface NodeToNodeRule {
    description: string;
    protocol: Protocol;
    port?: string;
    /** "nodes": every node; "servers": the k3s servers. */
    from: "nodes" | "servers";
    /** Which nodes accept it. */
    to: "nodes" | "servers";
    sourceIps: string[];
}

export interface FirewallRules {
    /** Applied as the hcloud.Firewall on every server. */
    public: PublicRule[];
    /**
     * Hetzner Cloud Firewalls filter public interfaces only, and nodes talk over the private network
     * (node-ip), so these never go into the hcloud firewall: they are what Cilium's host firewall must allow
     * between nodes (the host baseline policies are built from them).
     */
    nodeToNode: NodeToNodeRule[];
}

/** Pure: the firewall the config implies. Nothing is open to the world beyond what the allow-lists say. */
export function firewallRules(config: ClusterConfig): FirewallRules {
    const { sshAllowList, apiAllowList } = config.access;
    const union = [...new Set([...sshAllowList, ...apiAllowList])];
    const publicRules: PublicRule[] = [
        { description: "SSH from the SSH allow-list", protocol: "tcp", port: "22", sourceIps: [...sshAllowList] },
        { description: "Kubernetes API from the API allow-list", protocol: "tcp", port: String(config.apiPort), sourceIps: [...apiAllowList] },
        { description: "ICMP echo from the allow-lists", protocol: "icmp", sourceIps: union },
    ].filter(r => r.sourceIps.length > 0) as PublicRule[];

    const planned = planNodes(config);
    const nodes = planned.map(n => `${n.privateAddress}/32`);
    const servers = planned.filter(n => n.role === "server").map(n => `${n.privateAddress}/32`);
    const rule = (description: string, protocol: Protocol, port: string | undefined, from: "nodes" | "servers", to: "nodes" | "servers"): NodeToNodeRule =>
        ({ description, protocol, ...(port ? { port } : {}), from, to, sourceIps: from === "nodes" ? nodes : servers });
    const c = config.cilium;
    const nodeToNode: NodeToNodeRule[] = [];
    if (c.routingMode === "tunnel") {
        nodeToNode.push(c.tunnelProtocol === "geneve"
            ? rule("Cilium GENEVE tunnel", "udp", "6081", "nodes", "nodes")
            : rule("Cilium VXLAN tunnel", "udp", "8472", "nodes", "nodes"));
    }
    nodeToNode.push(rule("Cilium health checks", "tcp", "4240", "nodes", "nodes"));
    nodeToNode.push(rule("Cilium health ICMP echo", "icmp", undefined, "nodes", "nodes"));
    if (c.hubble.enabled) nodeToNode.push(rule("Hubble server (relay → agents)", "tcp", "4244", "nodes", "nodes"));
    if (c.wireguard) nodeToNode.push(rule("WireGuard transparent encryption", "udp", "51871", "nodes", "nodes"));
    nodeToNode.push(rule("Kubernetes API and k3s supervisor (agents join here)", "tcp", String(config.apiPort), "nodes", "servers"));
    if (config.nodes.controlPlaneCount > 1) nodeToNode.push(rule("etcd between servers", "tcp", "2379-2380", "servers", "servers"));
    nodeToNode.push(rule("kubelet", "tcp", "10250", "nodes", "nodes"));
    return { public: publicRules, nodeToNode };
}
