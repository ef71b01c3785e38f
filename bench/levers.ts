/**
 * PROJECTIONS, not the program: what a design change would do to the modeled schedule, as pure transforms of the
 * task graph. They let the README argue for a lever with numbers before it is built; once a lever is in the program
 * its projection goes and the real graph shows it.
 */
import { Task } from "./calc";
import { LATENCY } from "./latency";

export interface Lever {
    name: string;
    /** What changes in the program, and the modeled cost that goes away or moves. */
    why: string;
    apply(tasks: Task[]): Task[];
}

const AGENT_VERIFY = /-agent-[0-9]+-enforce-verify$/;

/** One verification command for all agents (on the first server) instead of one per agent. */
export const oneVerify: Lever = {
    name: "one enforce-verify for all agents",
    why: "the per-agent enforce-verify commands (4 s of a slot each) become one command on the first server",
    apply(tasks) {
        const gone = tasks.filter(t => AGENT_VERIFY.test(t.name));
        if (!gone.length) return tasks;
        const ids = new Set(gone.map(t => t.id));
        const one: Task = { id: "projection:agents-verify", name: "agents-enforce-verify (projected)", up: LATENCY.enforceVerify.up,
            destroy: 0, deps: [...new Set(gone.flatMap(t => t.deps))].filter(d => !ids.has(d)), inside: true };
        return [...tasks.filter(t => !ids.has(t.id)).map(t => ({ ...t, deps: [...new Set(t.deps.map(d => (ids.has(d) ? one.id : d)))] })), one];
    },
};

/**
 * The program pulls the Cilium node images once k3s runs (components/cilium/images.ts, prefetch-images.sh), which on
 * the first server overlaps only the ~24 s before the chart (bench/latency.ts ciliumRolloutPrefetched). This projects
 * the images present before the chart altogether (e.g. fetched by cloud-init before k3s starts, into k3s' airgap
 * image directory): assumption: 30 s of the 90 s rollout remain (agent start, BPF program load, operator election).
 */
export const prefetchImages: Lever = {
    name: "Cilium images present before the chart",
    why: "the rollout's image pulls happen before k3s starts; assumption: 30 s of the modeled 90 s remain",
    // The rollout is awaited inside the Cilium chart (bench/latency.ts ciliumChart): its apply + 30 s.
    apply: tasks => tasks.map(t => (t.id.endsWith("$kubernetes:helm.sh/v4:Chart::cilium") ? { ...t, up: LATENCY.ciliumChart.up + 30 } : t)),
};

// The user-data join is in the program since issue #18 (components/k3s/first-boot.ts): the real graph shows it.
export const LEVERS: readonly Lever[] = [oneVerify, prefetchImages];
