/** One measurement in a fresh process: evaluates the program under mocks and prints JSON {evalMs, maxRssMiB} (resources: 0, nothing is recorded while timing). */
import { performance } from "perf_hooks";
import { runProgram } from "../tools/evaluate";
import { sizeByLabel, sizeOverrides } from "./sizes";

const size = sizeByLabel(process.argv[2]);
const t0 = performance.now();
runProgram({ stack: size.stack, overrides: sizeOverrides(size), platform: "linux", record: false, entry: process.argv[3] ?? "index.ts" }).then(g => {
    const evalMs = performance.now() - t0;
    console.log(JSON.stringify({ evalMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, resources: g.resources.length }));
}).catch(e => { console.error(e); process.exit(1); });
