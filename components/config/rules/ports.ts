import { Problem, Rule, problem } from "./types";

/**
 * Ports the nodes already use, which apiPort (the API server's and k3s supervisor's TCP port on every server)
 * must not take. Sources: Cilium 1.18 documentation, system requirements, firewall rules (docs.cilium.io/en/v1.18/
 * operations/system_requirements; summarised in shared/upstream/README.md) and k3s' inbound rules
 * (docs.k3s.io/installation/requirements, "Inbound Rules for K3s Nodes").
 * The tunnel and WireGuard ports are UDP, but the node firewall and host policies are written per port number,
 * so they stay reserved too.
 */
export const RESERVED_NODE_PORTS: readonly { from: number; to: number; use: string }[] = Object.freeze([
    { from: 22, to: 22, use: "SSH" },
    { from: 2379, to: 2380, use: "etcd client and peer" },
    { from: 4240, to: 4240, use: "Cilium health checks" },
    { from: 4244, to: 4244, use: "Hubble server" },
    { from: 4245, to: 4245, use: "Hubble Relay" },
    { from: 6081, to: 6081, use: "Cilium GENEVE tunnel (udp)" },
    { from: 8472, to: 8472, use: "Cilium VXLAN tunnel (udp)" },
    { from: 9962, to: 9964, use: "Cilium agent, operator and Envoy metrics" },
    { from: 10250, to: 10250, use: "kubelet" },
    { from: 51871, to: 51871, use: "Cilium WireGuard (udp)" },
]);

/** apiPort: a TCP port that nothing else on the nodes uses. */
export const portRules: Rule = ({ values: v, ok }) => {
    const problems: Problem[] = [];
    if (!ok("apiPort")) return problems;
    if (v.apiPort < 1 || v.apiPort > 65535) {
        problems.push(problem("apiPort", v.apiPort, "accepted: a TCP port 1-65535"));
        return problems;
    }
    const taken = RESERVED_NODE_PORTS.find(r => v.apiPort >= r.from && v.apiPort <= r.to);
    if (taken) {
        const list = RESERVED_NODE_PORTS.map(r => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(", ");
        problems.push(problem("apiPort", v.apiPort, `collides with ${taken.use} on the nodes; accepted: a TCP port 1-65535 other than ${list} (default 6443)`));
    }
    return problems;
};
