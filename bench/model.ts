/**
 * The modeled part of the bench: deterministic rows computed in-process from the program's real resource graph and
 * the declared latency model (bench/latency.ts). No timing, so `npm test` can hold the README to these rows.
 */
import { runProgram } from "../tools/evaluate";
import { destroySchedule, lowerBoundLimited, round, Task, upSchedule, upScheduleLimited } from "./calc";
import { LATENCY } from "./latency";
import { Size, sizeOverrides } from "./sizes";
import { tasksFromGraph } from "./tasks";

/** Pure: a critical path for humans — consecutive slot waits on the same kind of resource collapse to one entry. */
export function summarizePath(path: string[]): string {
    const out: { key: string; text: string; n: number }[] = [];
    for (const step of path) {
        const slot = step.endsWith(" ⏳slot");
        const key = slot ? step.replace(/-[0-9]+(-| )/, "-*$1") : step;
        const last = out[out.length - 1];
        if (slot && last?.key === key) last.n++;
        else out.push({ key, text: step, n: 1 });
    }
    return out.map(e => (e.n > 1 ? `${e.key} ×${e.n}` : e.text)).join(" → ");
}

/**
 * Pulumi's default `--parallel` is 4 × GOMAXPROCS (pulumi/pulumi pkg/cmd/pulumi/operations/up.go `defaultParallel`:
 * `int32(runtime.GOMAXPROCS(0)) * 4`; CHANGELOG 3.100.0 "Default parallel operations to a reasonable limit" #15016;
 * GOMAXPROCS follows cgroup CPU limits since 3.155.0, #18815, via go.uber.org/automaxprocs in
 * pkg/cmd/pulumi/main.go; `PULUMI_PARALLEL` sets it since 3.154.0, #18782). Before 3.100 it was unbounded.
 */
export function pulumiDefaultParallel(cpus: number, env: Record<string, string | undefined> = {}): number {
    const fromEnv = Number(env.PULUMI_PARALLEL);
    return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 4 * cpus;
}

/** The default on the runners the goals name: a 2-core CI runner (8) and a 4-core one (16). */
export const PARALLEL_2_CORE = pulumiDefaultParallel(2);
export const PARALLEL_4_CORE = pulumiDefaultParallel(4);

/**
 * The chain no program could avoid: one machine's create → boot → preflight → config → k3s install → API ready →
 * (Gateway API → Cilium → rollout → CRD gate → policy tiers) or, with HA, the serial etcd joins — whichever is longer.
 */
export function physicalLimit(size: Size): number {
    const L = LATENCY;
    const machine = size.stack === "local" ? L.colimaVm.up : L.network.up + L.subnet.up + L.server.up;
    const node = L.boot.up + L.preflight.up + L.config.up + L.installFirstServer.up + L.apiReady.up;
    // Hetzner servers pull the Cilium node images once k3s runs (components/k3s/node-steps.ts prefetch).
    const rollout = size.stack === "prod" ? L.ciliumRolloutPrefetched.up : L.ciliumRollout.up;
    // The Cilium chart awaits its agents (the rollout); the rollout command after it only confirms.
    const cilium = L.kubeconfig.up + L.gatewayApiCrd.up + L.ciliumChart.up + rollout + L.ciliumRolloutCheck.up + L.crdGate.up + 3 * L.policy.up;
    const etcd = (size.servers - 1) * L.joinServer.up;
    // The hcloud CSI chart is applied beside Cilium's, but its pods start (and pull) only once Cilium made their node
    // Ready: the CSI await ends no earlier than the Cilium chart's await + the CSI pods; its apply is off this chain.
    const storage = size.stack === "prod" ? L.kubeconfig.up + L.gatewayApiCrd.up + L.ciliumChart.up + rollout + L.hcloudCsiPods.up : 0;
    return round(machine + node + Math.max(cilium, etcd, storage));
}

export interface Row {
    label: string;
    resources: number;
    /** Unbounded parallelism: Pulumi before 3.100, or `--parallel 0` ("explicit unlimited" in the CLI's tests). */
    up: number;
    /** `--parallel 8`: the default on a 2-core runner. */
    up8: number;
    /** `--parallel 16`: the default on a 4-core runner. */
    up16: number;
    /** No schedule of this graph at `--parallel 8` is faster (calc.ts lowerBoundLimited). */
    floor8: number;
    limit: number;
    ratio: number;
    destroy: number;
    upCriticalPath: string[];
    up8CriticalPath: string[];
    destroyCriticalPath: string[];
    destroyPathInside: string[];
}

export async function modelRow(size: Size): Promise<Row> {
    const g = await runProgram({ stack: size.stack, overrides: sizeOverrides(size), platform: "linux" });
    const tasks: Task[] = tasksFromGraph(g);
    const up = upSchedule(tasks);
    const up8 = upScheduleLimited(tasks, PARALLEL_2_CORE);
    const destroy = destroySchedule(tasks);
    const byName = new Map(tasks.map(t => [t.name, t]));
    const limit = physicalLimit(size);
    return {
        label: size.label, resources: tasks.length,
        up: up.makespan, up8: up8.makespan, up16: upScheduleLimited(tasks, PARALLEL_4_CORE).makespan,
        floor8: lowerBoundLimited(tasks, PARALLEL_2_CORE),
        limit, ratio: round(up.makespan / limit),
        destroy: destroy.makespan, upCriticalPath: up.criticalPath, up8CriticalPath: up8.criticalPath,
        destroyCriticalPath: destroy.criticalPath,
        // The one in-cluster step destroy must wait for: Hetzner deleting the load balancers and volumes the
        // in-cluster controllers created, before the network can go (components/hetzner-cloud).
        destroyPathInside: destroy.criticalPath.filter(n => byName.get(n)?.inside && !n.endsWith("-cloud-resources-cleanup")),
    };
}

/**
 * Program evaluation under mocks (bench/evaluate.ts), medians. `evalMsMedian` is the goal's number: one evaluation
 * inside a process that has loaded the program's modules (as Pulumi's language host loads them once). The fresh
 * process's own costs are kept beside it so that nobody reads the in-process number as a cold start.
 */
export interface Measured {
    label: string; resources: number;
    /** In-process evaluation (warm runs), wall ms and CPU ms. */
    evalMsMedian: number; evalCpuMsMedian?: number;
    /** Fresh process: start-up and module load, the first evaluation after it, and both together. */
    loadMsMedian?: number; firstEvalMsMedian?: number; coldMsMedian?: number;
    maxRssMiBMedian: number;
    /** Fresh processes, and warm evaluations in each. */
    runs: number; warmRuns?: number;
}

/** Issue #18's goals. */
export const GOALS = Object.freeze({
    /** prod 3+2 ready (policies applied) at the 2-core default parallelism, seconds. */
    smallUpSeconds: 150,
    /** prod 3+97 at parallelism 8 at most this × prod 3+2. */
    largeOverSmall: 1.3,
    /** Program evaluation at 3+97, median ms. */
    evalMs: 1000,
    /** Evaluation time may grow at most this × the resource growth (3+47 → 3+97), i.e. linear plus noise. */
    evalGrowthOverResources: 1.2,
});

/** Structural properties of the design (hold today; a regression names its cause). */
export function structuralFailures(rows: Row[]): string[] {
    const failures: string[] = [];
    for (const r of rows) {
        if (r.destroyPathInside.length) failures.push(`${r.label}: destroy critical path has in-cluster/remote steps: ${r.destroyPathInside.join(", ")}`);
    }
    return failures;
}

/** Pure: the note a failed goal gets when no schedule of the graph can meet it (its lower bound is above the goal). */
function beyond(floor: number | undefined, goalSeconds: number): string {
    return floor !== undefined && floor > goalSeconds
        ? `; unreachable with this graph and latency model: no schedule at --parallel 8 is under ${floor}s`
        : "";
}

/** The goals of issue #18, each failure naming the numbers and the critical path that explains it. */
export function goalFailures(rows: (Pick<Row, "label" | "resources" | "up8" | "up8CriticalPath"> & Partial<Pick<Row, "floor8">>)[], measured: Measured[]): string[] {
    const failures: string[] = [];
    const small = rows.find(r => r.label === "prod 3+2");
    const big = rows.find(r => r.label === "prod 3+97");
    const path = (r: { up8CriticalPath: string[] }) => summarizePath(r.up8CriticalPath);
    if (small && small.up8 > GOALS.smallUpSeconds) {
        failures.push(`prod 3+2 up at --parallel 8 is ${small.up8}s (goal ≤ ${GOALS.smallUpSeconds}s${beyond(small.floor8, GOALS.smallUpSeconds)}); critical path: ${path(small)}`);
    }
    if (small && big && big.up8 > GOALS.largeOverSmall * small.up8) {
        failures.push(`prod 3+97 up at --parallel 8 is ${big.up8}s = × ${round(big.up8 / small.up8)} prod 3+2 (goal ≤ × ${GOALS.largeOverSmall}${beyond(big.floor8, round(GOALS.largeOverSmall * small.up8))}); critical path: ${path(big)}`);
    }
    const m97 = measured.find(m => m.label === "prod 3+97");
    const m47 = measured.find(m => m.label === "prod 3+47");
    if (m97 && m97.evalMsMedian > GOALS.evalMs) failures.push(`evaluation at 3+97 takes ${m97.evalMsMedian} ms (goal ≤ ${GOALS.evalMs} ms)`);
    if (m97 && m47) {
        const time = m97.evalMsMedian / m47.evalMsMedian;
        const size = m97.resources / m47.resources;
        if (time > GOALS.evalGrowthOverResources * size) {
            failures.push(`evaluation grows faster than linear: 3+47 → 3+97 time × ${round(time)} for resources × ${round(size)} (goal ≤ × ${round(GOALS.evalGrowthOverResources * size)})`);
        }
    }
    return failures;
}
