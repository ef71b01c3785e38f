/**
 * npm run bench [-- --parallel N] [--record] [--modeled-only] — time-to-ready and time-to-destroy from the program's real resource
 * graph under a declared latency model (bench/latency.ts) at Pulumi's real default parallelism, plus the measured
 * cost of evaluating the program. Prints tables and critical paths, writes .cache/bench/results.json (git-ignored),
 * rewrites the README tables only with --record, and exits non-zero when a goal of issue #18 fails. --modeled-only
 * skips the (slow, noisy) evaluation timing: with --record it rewrites only the modeled table, e.g. after a change
 * to the resource graph that `npm test` reports.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { round, Task, upSchedule, upScheduleLimited } from "./calc";
import { LEVERS } from "./levers";
import { LATENCY } from "./latency";
import { goalFailures, Measured, modelRow, PARALLEL_2_CORE, PARALLEL_4_CORE, pulumiDefaultParallel, Row, structuralFailures, summarizePath } from "./model";
import { measuredRows, MEASURED_HEADER, modeledRows, MODELED_HEADER, replaceBlock } from "./readme";
import { Size, sizeOverrides, SIZES } from "./sizes";
import { tasksFromGraph } from "./tasks";
import { projectNodeArgs } from "./node-args";
import { runProgram } from "../tools/evaluate";
import { recommendedParallel } from "../scripts/parallel";

const ROOT = path.resolve(__dirname, "..");
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** One fresh process's report (bench/evaluate.ts): wall and CPU ms of module load, first and warm evaluations. */
interface ProcessReport { load: { ms: number; cpuMs: number }; first: { ms: number; cpuMs: number }; warm: { ms: number; cpuMs: number }[]; maxRssMiB: number; execArgv?: string[] }

/** Pure: medians over the fresh processes (load, first, cold = load + first) and over all their warm runs. */
export function summarize(label: string, reports: ProcessReport[]): Omit<Measured, "resources"> {
    const warm = reports.flatMap(r => r.warm);
    const m = (xs: number[]) => round(median(xs));
    return {
        label, evalMsMedian: m(warm.map(w => w.ms)), evalCpuMsMedian: m(warm.map(w => w.cpuMs)),
        loadMsMedian: m(reports.map(r => r.load.ms)), firstEvalMsMedian: m(reports.map(r => r.first.ms)),
        coldMsMedian: m(reports.map(r => r.load.ms + r.first.ms)), maxRssMiBMedian: m(reports.map(r => r.maxRssMiB)),
        runs: reports.length, warmRuns: reports[0]?.warm.length ?? 0,
    };
}

/**
 * Pure: the node options of a measured process — Pulumi.yaml's nodeargs first (the language host puts them before
 * its run script), then source-map-support, which that run script registers (@pulumi/pulumi cmd/run/index.ts).
 */
export function evaluatorNodeOptions(nodeArgs: string[]): string[] {
    return [...nodeArgs, "-r", "source-map-support/register"];
}

/**
 * Times the program as `pulumi up` runs it: plain node on the shipped bin/index.js, with Pulumi.yaml's nodeargs
 * and source-map-support registered (Pulumi's runner does that), in fresh processes without ts-node; the evaluator
 * (tools/) is compiled too (tsconfig.bench.json) so that no TypeScript hook sits in the measured process. Each
 * process loads the program's modules once, evaluates it once (cold), then `warm` more times (in-process: the
 * goal's number). Each reports its own process.execArgv, which must be exactly those options.
 */
export function measure(size: Size, runs: number, warm: number, nodeArgs: string[] = projectNodeArgs(),
    evaluate = path.join(ROOT, ".cache", "bench-build", "bench", "evaluate.js")): Omit<Measured, "resources"> {
    const options = evaluatorNodeOptions(nodeArgs);
    const reports: ProcessReport[] = [];
    for (let i = 0; i < runs; i++) {
        const r = spawnSync(process.execPath, [...options, evaluate, size.label, "bin/index.js", String(warm)], { encoding: "utf8", cwd: ROOT });
        if (r.status !== 0) throw new Error(`evaluating ${size.label} failed: ${r.stderr}`);
        const report: ProcessReport = JSON.parse(r.stdout.trim().split("\n").pop()!);
        if (JSON.stringify(report.execArgv) !== JSON.stringify(options)) {
            throw new Error(`evaluating ${size.label}: the process ran with node options ${JSON.stringify(report.execArgv)}, not ${JSON.stringify(options)} (Pulumi.yaml nodeargs + source-map-support)`);
        }
        reports.push(report);
    }
    return summarize(size.label, reports);
}

/** Pure: `--parallel N`, `--record`, `--modeled-only` from argv; anything else is refused with what is accepted. */
export function parseArgs(argv: string[]): { parallel?: number; record: boolean; modeledOnly: boolean } {
    const out: { parallel?: number; record: boolean; modeledOnly: boolean } = { record: false, modeledOnly: false };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--record") out.record = true;
        else if (argv[i] === "--modeled-only") out.modeledOnly = true;
        else if (argv[i] === "--parallel" && /^[1-9][0-9]*$/.test(argv[i + 1] ?? "")) out.parallel = Number(argv[++i]);
        else throw new Error(`npm run bench: unexpected argument "${argv[i]}"; accepted: --parallel <positive integer>, --record, --modeled-only`);
    }
    return out;
}

async function tasksOf(size: Size): Promise<Task[]> {
    return tasksFromGraph(await runProgram({ stack: size.stack, overrides: sizeOverrides(size), platform: "linux" }));
}

/** Pure: the levers of bench/levers.ts applied one after another, each row up at ∞ / 8 / 16 / the recommended slots. */
export function projections(tasks: Task[], nodes: number): { lever: string; up: number; up8: number; up16: number; upRecommended: number }[] {
    const rows = [];
    let current = tasks;
    for (const lever of [{ name: "now", apply: (t: Task[]) => t }, ...LEVERS]) {
        current = lever.apply(current);
        rows.push({
            lever: lever.name, up: upSchedule(current).makespan, up8: upScheduleLimited(current, PARALLEL_2_CORE).makespan,
            up16: upScheduleLimited(current, PARALLEL_4_CORE).makespan, upRecommended: upScheduleLimited(current, recommendedParallel(nodes, 2)).makespan,
        });
    }
    return rows;
}

function printProjections(label: string, rows: ReturnType<typeof projections>, nodes: number) {
    const fmt = (n: number | string) => String(n).padStart(9);
    console.log(`\nPROJECTED levers (bench/levers.ts, not in the program yet), ${label}, cumulative — seconds`);
    console.log(`${"lever".padEnd(40)}    up(∞)    up(8)   up(16)${fmt(`up(${recommendedParallel(nodes, 2)})`)}`);
    for (const r of rows) console.log(`${r.lever.padEnd(40)}${fmt(r.up)}${fmt(r.up8)}${fmt(r.up16)}${fmt(r.upRecommended)}`);
}

function printMeasured(measured: Measured[], runs: number) {
    const fmt = (n: number | string | undefined, w = 9) => String(n ?? "–").padStart(w);
    console.log(`\nMEASURED — program evaluation under mocks (bench/evaluate.ts), ${runs} fresh processes × (1 cold + ${measured[0].warmRuns} in-process) evaluations, medians; node ${evaluatorNodeOptions(projectNodeArgs()).join(" ")}`);
    console.log("           resources  ── in-process ─────────────  ── fresh process ───────────────────  peak RSS");
    console.log("size                    eval ms   CPU ms  ms/res    load ms  1st eval ms  total ms      MiB");
    for (const m of measured) {
        console.log(`${m.label.padEnd(10)}${fmt(m.resources)}${fmt(m.evalMsMedian, 11)}${fmt(m.evalCpuMsMedian)}${fmt(round(m.evalMsMedian / m.resources), 8)}` +
            `${fmt(m.loadMsMedian, 11)}${fmt(m.firstEvalMsMedian, 13)}${fmt(m.coldMsMedian, 10)}${fmt(m.maxRssMiBMedian, 9)}`);
    }
    for (const line of linearity(measured)) console.log(line);
}

/** Pure: the marginal cost between consecutive prod sizes (in-process wall and CPU), per resource and per node. */
export function linearity(measured: Pick<Measured, "label" | "resources" | "evalMsMedian" | "evalCpuMsMedian">[]): string[] {
    const nodes = (label: string) => { const m = /^prod (\d+)(?:\+(\d+))?$/.exec(label); return m ? Number(m[1]) + Number(m[2] ?? 0) : undefined; };
    const prod = measured.filter(m => nodes(m.label) !== undefined);
    const out = ["linearity (in-process, between consecutive sizes): ms per added resource / per added node, wall (CPU)"];
    for (let i = 1; i < prod.length; i++) {
        const a = prod[i - 1], b = prod[i];
        const dr = b.resources - a.resources, dn = nodes(b.label)! - nodes(a.label)!;
        const dw = b.evalMsMedian - a.evalMsMedian, dc = (b.evalCpuMsMedian ?? NaN) - (a.evalCpuMsMedian ?? NaN);
        out.push(`  ${a.label} → ${b.label}: ${round(dw / dr)} (${round(dc / dr)}) ms/resource, ${round(dw / dn)} (${round(dc / dn)}) ms/node`);
    }
    return out;
}

function print(rows: Row[], measured: Measured[], extra: { p: number; ups: number[] }, runs: number) {
    const fmt = (n: number | string) => String(n).padStart(9);
    console.log("MODELED (bench/latency.ts) — seconds; Pulumi's default --parallel is 4 × GOMAXPROCS (8 on 2 cores, 16 on 4)");
    console.log(`size       resources    up(∞)    up(8)   up(16)${fmt(`up(${extra.p})`)}    limit floor(8)  destroy`);
    rows.forEach((r, i) => console.log(`${r.label.padEnd(10)}${fmt(r.resources)}${fmt(r.up)}${fmt(r.up8)}${fmt(r.up16)}${fmt(extra.ups[i])}${fmt(r.limit)}${fmt(r.floor8)}${fmt(r.destroy)}`));
    console.log("floor(8): no schedule of this graph at --parallel 8 is faster: max(engine-slot seconds / 8, up(∞)) (bench/calc.ts lowerBoundLimited)");
    if (measured.length) printMeasured(measured, runs);
    const get = (l: string) => rows.find(r => r.label === l)!;
    console.log(`\nup critical path, unbounded (3+2): ${get("prod 3+2").upCriticalPath.join(" → ")}`);
    console.log(`up critical path, --parallel 8 (3+2): ${summarizePath(get("prod 3+2").up8CriticalPath)}`);
    console.log(`up critical path, --parallel 8 (3+97): ${summarizePath(get("prod 3+97").up8CriticalPath)}`);
    console.log(`destroy critical path (3+2): ${get("prod 3+2").destroyCriticalPath.join(" → ")}`);
}

if (require.main === module) {
    (async () => {
        const args = parseArgs(process.argv.slice(2));
        // Nine runs: on a shared 2-core VM single runs vary by ±15 %, and the median of nine moves far less than of five.
        const runs = Number(process.env.BENCH_RUNS ?? 9);
        // Two warm evaluations per process: 18 in-process samples per size, and the bench stays within minutes.
        const warm = Number(process.env.BENCH_WARM_RUNS ?? 2);
        // This machine's own default (os.availableParallelism ignores cgroup quotas; the CLI honours them since 3.155).
        const p = args.parallel ?? pulumiDefaultParallel(os.availableParallelism(), process.env);
        const rows: Row[] = [];
        const ups: number[] = [];
        const projected: { size: Size; rows: ReturnType<typeof projections> }[] = [];
        for (const size of SIZES) {
            rows.push(await modelRow(size));
            const tasks = await tasksOf(size);
            ups.push(upScheduleLimited(tasks, p).makespan);
            if (["prod 3+2", "prod 3+97"].includes(size.label)) projected.push({ size, rows: projections(tasks, size.servers + size.agents) });
        }
        // The timed process records nothing (that is what it times), so the resource count comes from the modeled row.
        const measured = args.modeledOnly ? [] : SIZES.map((s, i) => ({ ...measure(s, runs, warm), resources: rows[i].resources }));
        print(rows, measured, { p, ups }, runs);
        for (const pr of projected) printProjections(pr.size.label, pr.rows, pr.size.servers + pr.size.agents);
        const failures = [...structuralFailures(rows), ...goalFailures(rows, measured)];
        const out = path.join(ROOT, ".cache", "bench", "results.json");
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, `${JSON.stringify({ model: LATENCY, parallel: p, rows, projected, measured, failures }, null, 2)}\n`);
        if (args.record) {
            const readmePath = path.join(ROOT, "README.md");
            let readme = fs.readFileSync(readmePath, "utf8");
            readme = replaceBlock(readme, "modeled", [...MODELED_HEADER, ...modeledRows(rows)]);
            if (!args.modeledOnly) readme = replaceBlock(readme, "measured", [...MEASURED_HEADER, ...measuredRows(measured)]);
            fs.writeFileSync(readmePath, readme);
            console.log(`\nrecorded the ${args.modeledOnly ? "modeled table" : "modeled and measured tables"} in README.md (Performance)`);
        }
        console.log(`\nwrote ${path.relative(ROOT, out)}`);
        if (failures.length) {
            console.error(`\nFAILED:\n- ${failures.join("\n- ")}`);
            process.exit(1);
        }
        console.log("all goals hold");
    })().catch(e => { console.error(e); process.exit(1); });
}
