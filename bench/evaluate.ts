/**
 * One fresh process that evaluates the program as `pulumi up` runs it (plain node on bin/index.js with
 * source-map-support registered; Pulumi's language host loads the program's modules once per process), under mocks
 * with nothing recorded. Prints one JSON line, each time as wall ms and CPU ms (process.cpuUsage, user + system:
 * less sensitive than wall time to other work on a shared machine):
 *   load   process start → the entry's static imports loaded (node, the SDKs, the providers, components/)
 *   first  the first evaluation after that (cold JIT; includes what the SDKs load lazily, e.g. helm.v4)
 *   warm   further evaluations in the same process, each a complete run of the program (setMocks, then index.js)
 * It also reports its own process.execArgv (the bench checks them against Pulumi.yaml's nodeargs).
 * Usage: node [Pulumi.yaml nodeargs] -r source-map-support/register evaluate.js "<size>" [entry, default bin/index.js] [warm runs, default 2]
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { performance } from "perf_hooks";
import { evaluateProgram, ROOT } from "../tools/evaluate";
import { sizeByLabel, sizeOverrides } from "./sizes";

/** Pure: the modules a compiled (CommonJS) entry requires, in order: tsc emits one require per static import. */
export function staticImports(source: string): string[] {
    return [...source.matchAll(/\brequire\("([^"]+)"\)/g)].map(m => m[1]);
}

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

async function main(): Promise<void> {
    const [label, entry = "bin/index.js", warmRuns = "2"] = process.argv.slice(2);
    const size = sizeByLabel(label);
    const entryPath = path.join(ROOT, entry);
    const load = createRequire(entryPath);
    for (const m of staticImports(fs.readFileSync(entryPath, "utf8"))) load(m);
    // performance.now() counts from process start, so node's own start-up is part of the load time.
    const loaded = { ms: performance.now(), cpuMs: cpuMs() };
    const opts = { stack: size.stack, overrides: sizeOverrides(size), platform: "linux" as const, record: false, entry };
    const timed = async () => {
        const t = performance.now(), c = cpuMs();
        await evaluateProgram(opts);
        return { ms: performance.now() - t, cpuMs: cpuMs() - c };
    };
    const first = await timed();
    const warm = [];
    for (let i = 0; i < Number(warmRuns); i++) warm.push(await timed());
    console.log(JSON.stringify({ load: loaded, first, warm, maxRssMiB: process.resourceUsage().maxRSS / 1024, execArgv: process.execArgv }));
}

if (require.main === module) main().catch(e => { console.error(e); process.exit(1); });
