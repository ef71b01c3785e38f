// The node-to-node ports have one owner, the datapath module; this list adds what else binds on the nodes.
import { ETCD_PORTS, HEALTH_PORT, HUBBLE_SERVER_PORT, KUBELET_PORT, TUNNEL_PORTS, WIREGUARD_PORT } from "../../cilium/datapath";
import { Problem, Rule, problem } from "./types";

/** A TCP/UDP port (range) something on the nodes already binds, with where that fact comes from. */
export interface ReservedPort {
    from: number; to: number; use: string;
    /** false: only agents bind it, so the servers' apiPort + 1 (kube-apiserver) may take it. */
    onServers?: boolean;
}

/**
 * Ports the nodes already use, which apiPort (k3s `https-listen-port`: the supervisor and API endpoint on every
 * server) must not take — nor may apiPort + 1, where k3s runs kube-apiserver itself: `defaults()` sets
 * `APIServerPort = HTTPSPort + 1` when `--apiserver-port` is unset (k3s-io/k3s pkg/daemons/control/server.go
 * @c8331835), so apiPort 10249 puts kube-apiserver on the kubelet's 10250.
 * Sources: Cilium 1.18 system requirements, firewall rules (docs.cilium.io/en/v1.18/operations/system_requirements;
 * shared/upstream/README.md); the pinned chart cilium-1.18.4.tgz (values.yaml `healthPort: 9879`, `envoy.healthPort:
 * 9878`, `hubble.metrics.port: 9965`; templates/cilium-operator/deployment.yaml probes on 9234; the agent and
 * operator run with hostNetwork); k3s inbound rules (docs.k3s.io/installation/requirements) and the agent
 * load balancer's `lb-server-port` default 6444 (k3s pkg/cli/cmds/agent.go); Kubernetes' control-plane ports
 * (kubernetes.io/docs/reference/networking/ports-and-protocols: kubelet 10250, healthz 10248, controller-manager
 * 10257, scheduler 10259; k8s.io/cloud-provider's secure port 10258); hcloud-cloud-controller-manager 1.35.0
 * (templates/deployment.yaml `hostNetwork: true`, metrics containerPort 8233).
 * The tunnel and WireGuard ports are UDP, but the node firewall and host policies are written per port number,
 * so they stay reserved too.
 */
export const RESERVED_NODE_PORTS: readonly ReservedPort[] = Object.freeze([
    { from: 22, to: 22, use: "SSH" },
    { from: ETCD_PORTS.from, to: ETCD_PORTS.to, use: "etcd client and peer" },
    { from: HEALTH_PORT, to: HEALTH_PORT, use: "Cilium health checks" },
    { from: HUBBLE_SERVER_PORT, to: HUBBLE_SERVER_PORT, use: "Hubble server" },
    { from: 4245, to: 4245, use: "Hubble Relay" },
    { from: TUNNEL_PORTS.geneve, to: TUNNEL_PORTS.geneve, use: "Cilium GENEVE tunnel (udp)" },
    { from: 6444, to: 6444, use: "k3s agent load balancer (lb-server-port)", onServers: false },
    { from: 8233, to: 8233, use: "hcloud-cloud-controller-manager metrics (host network)" },
    { from: TUNNEL_PORTS.vxlan, to: TUNNEL_PORTS.vxlan, use: "Cilium VXLAN tunnel (udp)" },
    { from: 9234, to: 9234, use: "cilium-operator health API" },
    { from: 9878, to: 9879, use: "Cilium Envoy and agent health APIs" },
    { from: 9962, to: 9965, use: "Cilium agent, operator, Envoy and Hubble metrics" },
    { from: 10248, to: 10248, use: "kubelet healthz" },
    { from: KUBELET_PORT, to: KUBELET_PORT, use: "kubelet" },
    { from: 10257, to: 10259, use: "kube-controller-manager, cloud-controller-manager and kube-scheduler" },
    { from: WIREGUARD_PORT, to: WIREGUARD_PORT, use: "Cilium WireGuard (udp)" },
]);

const rangeText = (r: ReservedPort) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`);

/** apiPort: a TCP port that nothing else on the nodes uses, and neither does apiPort + 1 (kube-apiserver). */
export const portRules: Rule = ({ values: v, ok }) => {
    const problems: Problem[] = [];
    if (!ok("apiPort")) return problems;
    // apiPort + 1 must be a port too (kube-apiserver listens there).
    if (v.apiPort < 1 || v.apiPort > 65534) {
        problems.push(problem("apiPort", v.apiPort, "accepted: a TCP port 1-65534 (k3s runs kube-apiserver on apiPort + 1)"));
        return problems;
    }
    const list = RESERVED_NODE_PORTS.map(rangeText).join(", ");
    const accepted = `accepted: a TCP port 1-65534 other than ${list}, whose successor is none of them either (default 6443)`;
    const at = (port: number, servers: boolean) => RESERVED_NODE_PORTS.find(r => port >= r.from && port <= r.to && (!servers || r.onServers !== false));
    const taken = at(v.apiPort, false);
    if (taken) problems.push(problem("apiPort", v.apiPort, `collides with ${taken.use} on the nodes; ${accepted}`));
    const apiServer = at(v.apiPort + 1, true);
    if (!taken && apiServer) {
        problems.push(problem("apiPort", v.apiPort,
            `k3s runs kube-apiserver on apiPort + 1 = ${v.apiPort + 1}, which collides with ${apiServer.use} on the servers; ${accepted}`));
    }
    return problems;
};
