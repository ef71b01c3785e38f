import { ClusterConfig } from "../config";
import { nodeToNodePorts } from "../cilium/datapath";
import { contentHash } from "../shared/script";

/**
 * Commit-confirmed enforcement, as pure decisions. The chain on the graph is
 * policies → evidence gate → arm (every server) → CiliumNodeConfig → restart → verify → confirm (every server);
 * components/policies/index.ts turns it into resources, the scripts under scripts/ do the work.
 */

/** Traffic the cluster depends on, as the evidence gate matches it (one `proto|from|to|what|fix` argument each). */
export interface CriticalTraffic {
    protocol: "tcp" | "udp" | "icmp";
    from: number;
    to: number;
    what: string;
    /** The change that would allow it, printed next to the flows. */
    fix: string;
}

/**
 * What enforcement must never drop: SSH and the API from the allow-lists (and the API load balancer's health
 * checks, which arrive on the API port), the node-to-node datapath (tunnel, health, Hubble, WireGuard, etcd,
 * kubelet: the list the host policies allow, nodeToNodePorts in components/cilium/datapath.ts), and DNS.
 */
export function criticalTraffic(config: ClusterConfig): CriticalTraffic[] {
    const api = config.apiPort;
    const rules: CriticalTraffic[] = [
        { protocol: "tcp", from: 22, to: 22, what: "SSH", fix: "add the source CIDR to k3s-cilium:sshAllowList (policy host-allow-ssh)" },
        { protocol: "tcp", from: api, to: api, what: "Kubernetes API or API load-balancer health check", fix: "add the source CIDR to k3s-cilium:apiAllowList (policy host-allow-kube-api; the load balancer's private address is allowed already)" },
    ];
    for (const r of nodeToNodePorts(config)) {
        if (r.protocol === "icmp") {
            rules.push({ protocol: "icmp", from: 0, to: 0, what: r.description, fix: "ICMP echo from the cluster (policy host-allow-cluster-datapath)" });
            continue;
        }
        const [from, to] = r.port!.split("-").map(Number);
        if (r.kind === "kube-api") continue; // the API rule above
        const policy = r.kind === "etcd" ? "host-allow-etcd" : "host-allow-cluster-datapath";
        rules.push({ protocol: r.protocol, from, to: to ?? from, what: r.description, fix: `allow it from the cluster's nodes (policy ${policy})` });
    }
    for (const protocol of ["udp", "tcp"] as const) {
        rules.push({ protocol, from: 53, to: 53, what: "DNS", fix: "every endpoint may reach kube-dns (policy ep-default: ingress from cluster, egress to all)" });
    }
    return rules;
}

/** The gate's rule arguments: `proto|from|to|what|fix` (audit-gate.sh splits on "|"). */
export function criticalTrafficArgs(config: ClusterConfig): string[] {
    return criticalTraffic(config).map(r => {
        const text = [r.what, r.fix];
        if (text.some(t => t.includes("|") || t.includes("\n"))) throw new Error(`gate rule text must not contain | or a newline: ${text}`);
        return [r.protocol, r.from, r.to, ...text].join("|");
    });
}

/** Names the scripts and the operator share (journalctl -u …, kubectl get ciliumnodeconfig …). */
export const ENFORCEMENT = {
    /** The transient systemd timer (and service) that rolls enforcement back unless confirmed. */
    rollbackUnit: "k3s-cilium-enforce-rollback",
    /** Written by the rollback; sorts after "policy-enforcement", so it wins (see index.ts). */
    rollbackNodeConfig: "policy-enforcement-rollback",
    stateDir: "/var/lib/k3s-cilium/enforcement",
    /** The probe pod that resolves DNS and reaches the API from inside the cluster. */
    probeImage: "busybox:1.36.1",
    /** Agents restarted at once: enough to be quick on 100 nodes, few enough to keep most of the datapath up. */
    restartBatch: 5,
} as const;

/** Every bounded wait of the chain, in seconds, and the timer that must outlast them all. */
export interface EnforcementTimings {
    gate: number;
    /** One batch of agent restarts: pod gone, new pod Ready, its mode read. */
    restartPerBatch: number;
    restart: number;
    verify: number;
    /** From arming to the rollback: longer than everything between arm and confirm. */
    rollbackAfter: number;
}

export function enforcementTimings(nodeCount: number): EnforcementTimings {
    const gate = 120;
    const restartPerBatch = 180;
    const restart = restartPerBatch * Math.ceil(nodeCount / ENFORCEMENT.restartBatch);
    const verify = 240;
    // arm → (CiliumNodeConfig) → restart → verify → confirm, plus SSH dials and Pulumi's own scheduling.
    const rollbackAfter = restart + verify + 300;
    return { gate, restartPerBatch, restart, verify, rollbackAfter };
}

/**
 * The triggers every command of the enforcement chain carries (gate → arm → restart → verify → confirm): a change of
 * any of them re-runs the whole chain in order. The Cilium version is one of them so that a Cilium upgrade (or going
 * back one minor) is followed by the checks from outside — SSH on every node, the API, DNS from a pod, nodes Ready —
 * after the chart, the rollout wait and the CRD gate ran again (issue #15: "reachability re-run on every version
 * change"). In audit mode the re-run restarts no agent: converge-agents.sh only restarts agents whose running
 * PolicyAuditMode differs from the desired one.
 */
/*
 * The hash the chain carries (enforcementChainHash) covers the policy set, every script of the chain and the arm's
 * deadline, which grows with the node count: changed alone, the arm's inputs would update the arm alone, which arms a
 * dead-man's switch that no confirm stops, so the cluster would fall back to audit `rollbackAfter` seconds later; a
 * changed converge or confirm script alone would run without an armed switch, refuse, and fail `pulumi up`.
 */
export function enforcementChainTriggers(config: ClusterConfig, policySetHash: string): (string | number | boolean)[] {
    const c = config.cilium;
    // The attempt number is the explicit "run it again": after a rollback nothing else may have changed.
    return [String(c.policyAuditMode), policySetHash, c.enforcement.evidenceWindow, c.enforcement.acceptAuditedFlows,
        c.enforcement.attempt, config.versions.cilium];
}

/** Every script the chain's commands run (rollback.sh travels on the arm's stdin), in components/policies/scripts. */
export const ENFORCEMENT_SCRIPTS = [
    "audit-gate.sh", "arm-rollback.sh", "rollback.sh", "converge-agents.sh", "verify-enforcement.sh", "confirm-enforcement.sh",
] as const;

/**
 * The hash the chain's triggers carry (enforcementChainTriggers' second element): the policy set, every script of the
 * chain (by name and sha256) and the timer's deadline. Changed alone, any of them would update one command alone.
 */
export function enforcementChainHash(policySetHash: string, scripts: readonly { name: string; sha256: string }[], rollbackAfter: number): string {
    return contentHash([policySetHash, [...scripts].sort((a, b) => a.name.localeCompare(b.name)), rollbackAfter]);
}
