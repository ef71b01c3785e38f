/**
 * npm run bench — time-to-ready and time-to-destroy from the program's real resource graph under a declared
 * latency model (bench/latency.ts), plus the real cost of evaluating the program. Prints a table, writes
 * bench/results.json, and exits non-zero if an acceptance bound fails.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "../tools/evaluate";
import { destroySchedule, round, Task, upMakespanLimited, upSchedule } from "./calc";
import { LATENCY } from "./latency";
import { Size, sizeOverrides, SIZES } from "./sizes";
import { tasksFromGraph } from "./tasks";

/** Pulumi's default --parallel is unbounded (2147483647); 10 is shown for comparison with older defaults. */
export const PULUMI_DEFAULT_PARALLEL = 2147483647;

/**
 * The chain no program could avoid: one machine's create → boot → preflight → config → k3s install → API ready →
 * (Gateway API → Cilium → rollout → CRD gate → policy tiers) or, with HA, the serial etcd joins — whichever is longer.
 */
export function physicalLimit(size: Size): number {
    const L = LATENCY;
    const machine = size.stack === "local" ? L.colimaVm.up : L.network.up + L.subnet.up + L.server.up;
    const node = L.boot.up + L.preflight.up + L.config.up + L.installFirstServer.up + L.apiReady.up;
    const cilium = L.kubeconfig.up + L.gatewayApiCrd.up + L.ciliumChart.up + L.ciliumRollout.up + L.crdGate.up + 3 * L.policy.up;
    const etcd = (size.servers - 1) * L.joinServer.up;
    // The hcloud CSI controller is an ordinary Deployment: it runs only once Cilium made the nodes Ready.
    const storage = size.stack === "prod" ? L.kubeconfig.up + L.gatewayApiCrd.up + L.ciliumChart.up + L.ciliumRollout.up + L.hcloudCsiChart.up : 0;
    return round(machine + node + Math.max(cilium, etcd, storage));
}

export interface Row {
    label: string;
    resources: number;
    up: number;
    upDefaultParallel: number;
    upParallel10: number;
    limit: number;
    ratio: number;
    destroy: number;
    upCriticalPath: string[];
    destroyCriticalPath: string[];
    destroyPathInside: string[];
}

export async function modelRow(size: Size): Promise<Row> {
    const g = await runProgram({ stack: size.stack, overrides: sizeOverrides(size), platform: "linux" });
    const tasks: Task[] = tasksFromGraph(g);
    const up = upSchedule(tasks);
    const destroy = destroySchedule(tasks);
    const byName = new Map(tasks.map(t => [t.name, t]));
    const limit = physicalLimit(size);
    return {
        label: size.label, resources: tasks.length,
        up: up.makespan, upDefaultParallel: upMakespanLimited(tasks, PULUMI_DEFAULT_PARALLEL), upParallel10: upMakespanLimited(tasks, 10),
        limit, ratio: round(up.makespan / limit),
        destroy: destroy.makespan, upCriticalPath: up.criticalPath, destroyCriticalPath: destroy.criticalPath,
        // The one in-cluster step destroy must wait for: Hetzner deleting the load balancers and volumes the
        // in-cluster controllers created, before the network can go (components/hetzner-cloud).
        destroyPathInside: destroy.criticalPath.filter(n => byName.get(n)?.inside && !n.endsWith("-cloud-resources-cleanup")),
    };
}

export interface Measured { label: string; evalMsMedian: number; maxRssMiBMedian: number; runs: number }

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/**
 * Times the program as `pulumi up` runs it: plain node on the shipped bin/index.js with source-map-support
 * registered (Pulumi's runner does that), in a fresh process without ts-node. The evaluator (tools/) is compiled too
 * (tsconfig.bench.json) so that no TypeScript hook sits in the measured process.
 */
export function measure(size: Size, runs: number): Measured {
    const root = path.resolve(__dirname, "..");
    const evaluate = path.join(root, ".cache", "bench-build", "bench", "evaluate.js");
    const evals: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
        const r = spawnSync(process.execPath, ["-r", "source-map-support/register", evaluate, size.label, "bin/index.js"],
            { encoding: "utf8", cwd: root });
        if (r.status !== 0) throw new Error(`evaluating ${size.label} failed: ${r.stderr}`);
        const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
        evals.push(out.evalMs);
        rss.push(out.maxRssMiB);
    }
    return { label: size.label, evalMsMedian: round(median(evals)), maxRssMiBMedian: round(median(rss)), runs };
}

/** The README "Performance" table rows (modeled, then measured); test/bench.test.ts holds the README to them. */
export function performanceTableRows(rows: Pick<Row, "label" | "resources" | "up" | "upParallel10" | "limit" | "ratio" | "destroy">[], measured: Measured[]): string[] {
    return [
        ...rows.map(r => `| ${r.label} | ${r.resources} | ${r.up} | ${r.upParallel10} | ${r.limit} | ${r.ratio} | ${r.destroy} |`),
        ...measured.map(m => `| ${m.label} | ${Math.round(m.evalMsMedian)} | ${Math.round(m.maxRssMiBMedian)} |`),
    ];
}

export function checks(rows: Row[], measured: Measured[]): string[] {
    const get = (l: string) => rows.find(r => r.label === l)!;
    const failures: string[] = [];
    const big = get("prod 3+97");
    const small = get("prod 3+2");
    if (big.up > 1.15 * small.up) failures.push(`up at 3+97 (${big.up}s) > 1.15 × up at 3+2 (${small.up}s)`);
    if (small.ratio > 1.05) failures.push(`up at 3+2 is ${small.ratio} × the physical limit (> 1.05)`);
    for (const r of rows) {
        if (r.destroyPathInside.length) failures.push(`${r.label}: destroy critical path has in-cluster/remote steps: ${r.destroyPathInside.join(", ")}`);
    }
    const m97 = measured.find(m => m.label === "prod 3+97");
    const m47 = measured.find(m => m.label === "prod 3+47");
    if (m97 && m97.evalMsMedian >= 2000) failures.push(`evaluation at 3+97 takes ${m97.evalMsMedian} ms (>= 2000)`);
    if (m97 && m47) {
        // 3+47 → 3+97 doubles the agents (resources ×~1.9): linear growth allows ×2 plus noise.
        const ratio = m97.evalMsMedian / m47.evalMsMedian;
        if (ratio > 2.3) failures.push(`evaluation grows faster than linear: 3+47 → 3+97 × ${round(ratio)}`);
    }
    return failures;
}

if (require.main === module) {
    (async () => {
        // Nine runs: on a shared 2-core VM single runs vary by ±15 %, and the median of nine moves far less than of five.
        const runs = Number(process.env.BENCH_RUNS ?? 9);
        const rows: Row[] = [];
        for (const size of SIZES) rows.push(await modelRow(size));
        const measured = SIZES.map(s => measure(s, runs));
        const fmt = (n: number) => String(n).padStart(8);
        console.log("MODELED (bench/latency.ts) — seconds");
        console.log("size        resources   up(∞)  up(def)   up(10)    limit  up/limit  destroy");
        for (const r of rows) {
            console.log(`${r.label.padEnd(10)}${fmt(r.resources)}${fmt(r.up)}${fmt(r.upDefaultParallel)}${fmt(r.upParallel10)}${fmt(r.limit)}${fmt(r.ratio)}${fmt(r.destroy)}`);
        }
        console.log(`\nMEASURED — program evaluation under mocks, median of ${runs} fresh processes`);
        console.log("size        eval ms   peak RSS MiB");
        for (const m of measured) console.log(`${m.label.padEnd(10)}${fmt(m.evalMsMedian)}${fmt(m.maxRssMiBMedian).padStart(14)}`);
        const m47 = measured.find(m => m.label === "prod 3+47")!;
        const m97 = measured.find(m => m.label === "prod 3+97")!;
        console.log(`\nevaluation growth 3+47 → 3+97: × ${round(m97.evalMsMedian / m47.evalMsMedian)} (resources × ${round(rows[5].resources / rows[4].resources)})`);
        console.log(`up critical path (3+2): ${rows[2].upCriticalPath.join(" → ")}`);
        console.log(`destroy critical path (3+2): ${rows[2].destroyCriticalPath.join(" → ")}`);
        console.log(`\nREADME "Performance" rows:\n${performanceTableRows(rows, measured).join("\n")}`);
        const failures = checks(rows, measured);
        fs.writeFileSync(path.join(__dirname, "results.json"), `${JSON.stringify({ model: LATENCY, rows, measured, failures }, null, 2)}\n`);
        if (failures.length) {
            console.error(`\nFAILED:\n- ${failures.join("\n- ")}`);
            process.exit(1);
        }
        console.log("\nall acceptance bounds hold; wrote bench/results.json");
    })().catch(e => { console.error(e); process.exit(1); });
}
