import { ClusterConfig } from "../config";

export type Protocol = "tcp" | "udp" | "icmp";

/** One inbound rule of the Hetzner Cloud Firewall (public interfaces). */
export interface PublicRule {
    description: string;
    protocol: Protocol;
    /** Port or range ("2379-2380"); absent for ICMP. */
    port?: string;
    sourceIps: string[];
}

export interface FirewallRules {
    /** Applied as the hcloud.Firewall on every server. */
    public: PublicRule[];
    /*
     * Hetzner Cloud Firewalls filter public interfaces only (Hetzner firewall FAQ), and nodes talk over the
     * private network, so node-to-node ports are not here: components/cilium/datapath.ts owns that list and the
     * host policies allow it.
     */
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

    return { public: publicRules };
}
