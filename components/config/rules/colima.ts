import { Problem, Rule, problem } from "./types";

/**
 * Smallest Colima VM that runs k3s (embedded etcd) plus Cilium, Hubble and the program's own checks.
 * - cpus 2: k3s requirements recommend 2 cores for a single-node cluster (docs.k3s.io/installation/requirements,
 *   "CPU and Memory"); the Cilium agent and operator run on the same VM.
 * - memoryGiB 2: k3s' resource profiling measured 1606 MB for a server with a workload and embedded etcd
 *   (docs.k3s.io/reference/resource-profiling), before Cilium's agent and operator.
 * - diskGiB 20: the program's floor, not an upstream figure: the k3s, Cilium and Hubble images plus kubelet's
 *   default hard eviction at imagefs.available < 15% (kubernetes.io, "Node-pressure Eviction").
 */
export const COLIMA_MINIMUMS = Object.freeze({ colimaCpus: 2, colimaMemoryGiB: 2, colimaDiskGiB: 20 } as const);

/** colimaProfile and the Colima VM size. */
export const colimaRules: Rule = ({ values: v, ok, facts, ctx }) => {
    const problems: Problem[] = [];
    if (ok("colimaProfile") && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(v.colimaProfile)) {
        problems.push(problem("colimaProfile", v.colimaProfile, "accepted: letters, digits, '.', '_' and '-' (a Colima profile name)"));
    }
    for (const key of ["colimaCpus", "colimaMemoryGiB", "colimaDiskGiB"] as const) {
        if (!ok(key)) continue;
        if (v[key] <= 0) {
            problems.push(problem(key, v[key], "accepted: a positive whole number"));
        } else if (!facts.hetzner && v[key] < COLIMA_MINIMUMS[key]) {
            problems.push(problem(key, v[key], `below what k3s + Cilium need (README "Config reference"); accepted: ${COLIMA_MINIMUMS[key]} or more`));
        }
    }
    // The VM cannot have more than the host (Colima passes cpus/memory to Lima's VM as given).
    const host = facts.colima ? ctx.host : undefined;
    if (host && ok("colimaCpus") && v.colimaCpus > host.cpus) {
        problems.push(problem("colimaCpus", v.colimaCpus, `this machine has ${host.cpus} CPUs; accepted: ${COLIMA_MINIMUMS.colimaCpus} to ${host.cpus}`));
    }
    if (host && ok("colimaMemoryGiB") && v.colimaMemoryGiB >= host.memoryGiB) {
        problems.push(problem("colimaMemoryGiB", v.colimaMemoryGiB,
            `this machine has ${host.memoryGiB} GiB and needs some for itself; accepted: ${COLIMA_MINIMUMS.colimaMemoryGiB} to ${Math.max(host.memoryGiB - 1, COLIMA_MINIMUMS.colimaMemoryGiB)}`));
    }
    return problems;
};
