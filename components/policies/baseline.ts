import { ClusterConfig } from "../config";
import { joiningNodesCidr, NodePortKind, NodeToNodePort, nodeToNodePorts } from "../cilium/datapath";
import { loadBalancerPrivateAddress, usesLoadBalancer } from "../nodes";
import { metadataDenyPolicies } from "./metadata";

/** Label k3s puts on server nodes (kubeadm uses "" instead of "true"). */
export const K3S_CONTROL_PLANE_LABEL = { key: "node-role.kubernetes.io/control-plane", value: "true" } as const;
/** Pod labels of hubble-relay as rendered by the Cilium 1.18 chart (templates/hubble-relay/deployment.yaml). */
export const HUBBLE_RELAY_LABELS = { "k8s-app": "hubble-relay" } as const;
/** Pods with this label accept ingress from the world (opt-in policy). */
export const WORLD_INGRESS_LABEL = { key: "ingress.k3s-cilium.io/world", value: "true" } as const;

/** Apply tiers, in order. Each tier depends on every policy of the tier before it. */
export type PolicyTier = "host-access" | "endpoint-defaults" | "components";
export const TIERS: readonly PolicyTier[] = ["host-access", "endpoint-defaults", "components"];

export interface BaselinePolicy {
    name: string;
    tier: PolicyTier;
    /** Why the policy exists (README and the policy's description). */
    purpose: string;
    spec: Record<string, unknown>;
}

type PortProtocol = { port: string; protocol: "TCP" | "UDP" | "SCTP" | "ANY" };
const ports = (...p: PortProtocol[]) => [{ ports: p }];
const ICMP_ECHO = [{ fields: [{ type: 8, family: "IPv4" }, { type: 128, family: "IPv6" }] }];
const ALL_NODES = { matchLabels: {} };

/**
 * The baseline CiliumClusterwideNetworkPolicies, in apply order. Host policies (which can lock you out of every
 * node) exist only when Cilium's host firewall is on; their ports come from `nodeToNodePorts(config)`
 * (components/cilium/datapath.ts), selected by what each rule is, never by port number.
 */
export function baselinePolicies(config: ClusterConfig): BaselinePolicy[] {
    const c = config.cilium;
    const policies: BaselinePolicy[] = [{
        name: "allow-control-plane-connectivity",
        tier: "host-access",
        purpose: "kube-apiserver keeps reaching the control-plane nodes across cilium-agent restarts (conntrack reset, cilium#19367)",
        spec: {
            nodeSelector: { matchLabels: { [K3S_CONTROL_PLANE_LABEL.key]: K3S_CONTROL_PLANE_LABEL.value } },
            ingress: [{ fromEntities: ["kube-apiserver"] }],
        },
    }];

    if (c.hostFirewall) policies.push(...hostPolicies(config));

    policies.push({
        name: "ep-default",
        tier: "endpoint-defaults",
        purpose: "every pod accepts traffic from the cluster and Cilium ingress, ICMP echo from anywhere, and may send anywhere",
        spec: {
            endpointSelector: {},
            ingress: [
                { fromEntities: ["cluster", "ingress"] },
                { fromEntities: ["all"], icmps: ICMP_ECHO },
            ],
            egress: [{ toEntities: ["all"] }],
        },
    });
    // Endpoint-wide like ep-default, in its tier: the deny wins over its egress to all (components/policies/metadata.ts).
    policies.push(...metadataDenyPolicies(config));

    if (c.hubble.relay) {
        policies.push({
            name: "allow-hubble-relay-to-agents",
            tier: "components",
            purpose: "hubble-relay reads flows from the Hubble server of every agent (4244/tcp)",
            spec: {
                endpointSelector: {
                    matchLabels: { ...HUBBLE_RELAY_LABELS, "k8s:io.kubernetes.pod.namespace": "kube-system" },
                },
                egress: [{ toEntities: ["remote-node", "host"], toPorts: ports({ port: "4244", protocol: "TCP" }) }],
            },
        });
    }
    if (c.worldIngressPolicy) {
        policies.push({
            name: "allow-world-ingress-labelled",
            tier: "components",
            purpose: `pods labelled ${WORLD_INGRESS_LABEL.key}=${WORLD_INGRESS_LABEL.value} accept ingress from the world`,
            spec: {
                endpointSelector: { matchLabels: { [WORLD_INGRESS_LABEL.key]: WORLD_INGRESS_LABEL.value } },
                ingress: [{ fromEntities: ["world"] }],
            },
        });
    }
    return policies.map(p => ({ ...p, spec: { description: p.purpose, ...p.spec } }));
}

const CONTROL_PLANE_NODES = { matchLabels: { [K3S_CONTROL_PLANE_LABEL.key]: K3S_CONTROL_PLANE_LABEL.value } };

/** Cilium writes a range as port + endPort ("2379-2380" → port "2379", endPort 2380). */
function toPorts(rules: readonly NodeToNodePort[]) {
    return [{
        ports: rules.map(r => {
            const [from, to] = r.port!.split("-");
            return { port: from, ...(to ? { endPort: Number(to) } : {}), protocol: r.protocol.toUpperCase() };
        }),
    }];
}

/** "GENEVE 6081/udp, kubelet 10250/tcp": what a rule list allows, for policy descriptions. */
function describe(rules: readonly NodeToNodePort[]): string {
    return rules.map(r => `${r.description} ${r.port}/${r.protocol}`).join(", ");
}

/**
 * The host (node) policies. Each node-to-node rule is picked by its kind. Nodes running Cilium are `cluster`
 * (remote-node/host) to each other; a node still joining runs no Cilium yet and is `world`, so the rules it
 * needs (tunnel, API, etcd, kubelet) are also allowed from the node subnet (Hetzner; Colima has one node).
 * CIDR rules do not select nodes running Cilium unless the agent runs with `policy-cidr-match-mode: nodes`
 * (Cilium docs policy/language "Selecting nodes with CIDR / ipBlock", cilium/cilium#28421; before it "only the
 * remote-node and host entities could select nodes", cilium/cilium-cli#1988), so the subnet rule adds nothing for them.
 */
function hostPolicies(config: ClusterConfig): BaselinePolicy[] {
    const { sshAllowList, apiAllowList } = config.access;
    const all = nodeToNodePorts(config);
    const pick = (...kinds: NodePortKind[]) => all.filter(r => kinds.includes(r.kind) && r.protocol !== "icmp");
    const joining = joiningNodesCidr(config);
    const whileJoining = (rules: NodeToNodePort[]) => joining ? rules.filter(r => r.whileJoining) : [];
    const joiningText = (rules: NodeToNodePort[]) => whileJoining(rules).length
        ? `; ${describe(whileJoining(rules))} also from the node subnet ${joining} (nodes still joining, without Cilium yet)` : "";

    const api = pick("kube-api");
    const apiFrom = [...apiAllowList, ...(usesLoadBalancer(config) ? [`${loadBalancerPrivateAddress(config)}/32`] : [])];
    const datapath = pick("tunnel", "health", "hubble", "wireguard", "kubelet");
    const etcd = pick("etcd");
    const fromJoining = (rules: NodeToNodePort[]) => whileJoining(rules).length ? [{ fromCIDR: [joining!], toPorts: toPorts(whileJoining(rules)) }] : [];
    const icmpFrom = [...new Set([...sshAllowList, ...apiAllowList])];
    return [{
        name: "host-allow-ssh",
        tier: "host-access",
        purpose: "SSH 22/tcp to every node from the SSH allow-list",
        spec: {
            nodeSelector: ALL_NODES,
            ingress: sshAllowList.length ? [{ fromCIDR: [...sshAllowList], toPorts: ports({ port: "22", protocol: "TCP" }) }] : [],
            egress: [{ toEntities: ["all"] }],
        },
    }, {
        name: "host-allow-kube-api",
        tier: "host-access",
        purpose: `the Kubernetes API ${api[0].port}/tcp on servers from the API allow-list, the API load balancer and the cluster${joiningText(api)}`,
        spec: {
            nodeSelector: CONTROL_PLANE_NODES,
            ingress: [
                ...(apiFrom.length ? [{ fromCIDR: apiFrom, toPorts: toPorts(api) }] : []),
                { fromEntities: ["cluster"], toPorts: toPorts(api) },
                ...fromJoining(api),
            ],
        },
    }, {
        name: "host-allow-cluster-datapath",
        tier: "host-access",
        purpose: `what nodes need from each other: ${describe(datapath)} and ICMP echo from the cluster${joiningText(datapath)}`,
        spec: {
            nodeSelector: ALL_NODES,
            ingress: [
                { fromEntities: ["cluster"], toPorts: toPorts(datapath) },
                { fromEntities: ["cluster"], icmps: ICMP_ECHO },
                ...(icmpFrom.length ? [{ fromCIDR: icmpFrom, icmps: ICMP_ECHO }] : []),
                ...fromJoining(datapath),
            ],
        },
    }, {
        name: "host-allow-etcd",
        tier: "host-access",
        // Cilium identities do not tell servers from agents: remote-node is every node running Cilium.
        purpose: `${describe(etcd)} on the k3s servers only, from every node running Cilium (remote-node)${joiningText(etcd)}`,
        spec: {
            nodeSelector: CONTROL_PLANE_NODES,
            ingress: [{ fromEntities: ["remote-node"], toPorts: toPorts(etcd) }, ...fromJoining(etcd)],
        },
    }];
}

/** The names the invariant is about: without these, enforcement can lock people out. */
export function lockoutGuardNames(config: ClusterConfig): string[] {
    return ["allow-control-plane-connectivity", ...(config.cilium.hostFirewall ? ["host-allow-ssh", "host-allow-kube-api"] : [])];
}

/**
 * Checks a policy set against what enforcement needs. Empty = fine. `always` mode denies anything no policy
 * allows, for pods and (with the host firewall) nodes: DNS and the host rules must be present.
 */
export function enforcementProblems(config: ClusterConfig, policies: readonly BaselinePolicy[]): string[] {
    const names = new Set(policies.map(p => p.name));
    const problems = lockoutGuardNames(config).filter(n => !names.has(n)).map(n => `policy ${n} is missing`);
    if (config.cilium.policyEnforcementMode === "always") {
        const dnsAllowed = policies.some(p => {
            const sel = p.spec.endpointSelector as Record<string, unknown> | undefined;
            const egress = (p.spec.egress ?? []) as { toEntities?: string[] }[];
            return sel && Object.keys(sel).length === 0 && egress.some(e => e.toEntities?.some(x => x === "all" || x === "cluster"));
        });
        if (!dnsAllowed) problems.push("policyEnforcementMode always needs an egress rule for every endpoint that allows DNS (ep-default)");
    }
    return problems;
}

/** The policy's position in apply order, for render file names: 01-<name>.yaml … */
export function orderedFileNames(policies: readonly BaselinePolicy[]): string[] {
    return policies.map((p, i) => `${String(i + 1).padStart(2, "0")}-${p.name}.yaml`);
}
