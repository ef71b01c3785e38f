/** One measurement in a fresh process: evaluates the program under mocks and prints JSON {evalMs, maxRssMiB, resources}. */
import { performance } from "perf_hooks";
import { runProgram } from "../test/harness";

const [stack, servers, agents] = [process.argv[2] as "local" | "prod", Number(process.argv[3]), Number(process.argv[4])];
const overrides = stack === "prod"
    ? { controlPlaneCount: servers, workerCount: agents, operatorReplicas: Math.min(2, servers + agents) }
    : {};
const t0 = performance.now();
runProgram({ stack, overrides, platform: "linux", record: false, entry: process.argv[5] ?? "index.ts" }).then(g => {
    const evalMs = performance.now() - t0;
    console.log(JSON.stringify({ evalMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, resources: g.resources.length }));
}).catch(e => { console.error(e); process.exit(1); });
