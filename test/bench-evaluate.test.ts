import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { staticImports } from "../bench/evaluate";
import { nodeArgsOf, projectNodeArgs } from "../bench/node-args";
import { evaluatorNodeOptions, linearity, measure, summarize } from "../bench/run";
import { SIZES } from "../bench/sizes";
import { ROOT } from "./harness";
import { tempDir } from "./temp";

const report = (load: number, first: number, warm: number[], rss = 100) => ({
    load: { ms: load, cpuMs: load / 2 }, first: { ms: first, cpuMs: first / 2 }, warm: warm.map(ms => ({ ms, cpuMs: ms - 1 })), maxRssMiB: rss,
});

describe("bench: evaluation measurement", () => {
    it("keeps the in-process median apart from the fresh process's load and first evaluation", () => {
        const s = summarize("prod 3+97", [report(300, 2000, [900, 950]), report(320, 2100, [1000, 990]), report(310, 2400, [880, 1200])]);
        assert.deepStrictEqual(s, {
            label: "prod 3+97", evalMsMedian: 990, evalCpuMsMedian: 989, loadMsMedian: 310, firstEvalMsMedian: 2100,
            coldMsMedian: 2420, maxRssMiBMedian: 100, runs: 3, warmRuns: 2,
        });
    });

    it("reports the marginal cost per added resource and node between prod sizes, wall and CPU", () => {
        assert.deepStrictEqual(linearity([
            { label: "local", resources: 40, evalMsMedian: 100, evalCpuMsMedian: 90 },
            { label: "prod 3+47", resources: 381, evalMsMedian: 1000, evalCpuMsMedian: 900 },
            { label: "prod 3+97", resources: 686, evalMsMedian: 1610, evalCpuMsMedian: 1510 },
        ]).slice(1), ["  prod 3+47 → prod 3+97: 2 (2) ms/resource, 12.2 (12.2) ms/node"]);
    });

    it("preloads exactly the modules the compiled entry requires", () => {
        const js = "\"use strict\";\nrequire(\"./components/shared/node-guard\");\nconst pulumi = require(\"@pulumi/pulumi\");\nconst x = require(\"./components/k3s\");\n";
        assert.deepStrictEqual(staticImports(js), ["./components/shared/node-guard", "@pulumi/pulumi", "./components/k3s"]);
    });
});

describe("bench: the measured process runs with Pulumi.yaml's nodeargs", () => {
    const pulumiYaml = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");

    it("takes the words of Pulumi.yaml's runtime.options.nodeargs, first, then source-map-support as Pulumi's runner registers it", () => {
        const nodeargs: string = YAML.parse(pulumiYaml).runtime.options.nodeargs;
        assert.ok(nodeargs.length > 0, "Pulumi.yaml sets nodeargs");
        const options = evaluatorNodeOptions(projectNodeArgs());
        assert.deepStrictEqual(options, [...nodeargs.trim().split(/\s+/), "-r", "source-map-support/register"]);
        const performance = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").split("## Performance")[1].split("\n## ")[0];
        for (const arg of projectNodeArgs()) assert.ok(performance.includes(`\`${arg}\``), `README "Performance" explains ${arg} (its time and memory)`);
    });

    it("splits plain words, refuses what shlex would read differently or Pulumi refuses", () => {
        const yaml = (nodeargs: string) => `name: x\nruntime:\n  name: nodejs\n  options:\n    nodeargs: ${nodeargs}\n`;
        assert.deepStrictEqual(nodeArgsOf(yaml("\"  --a=1   --b \"")), ["--a=1", "--b"]);
        assert.deepStrictEqual(nodeArgsOf("name: x\nruntime: nodejs\n"), []);
        assert.throws(() => nodeArgsOf(yaml("\"--title='a b'\"")), /runtime\.options\.nodeargs: .*plain words separated by spaces/);
        assert.throws(() => nodeArgsOf(yaml("[--a]")), /runtime\.options\.nodeargs: \["--a"\] is not a string/);
    });

    it("measure() starts each process with those options, and refuses one that ran with other options", () => {
        // A stand-in evaluator that reports what bench/evaluate.ts reports, its own execArgv included.
        const dir = tempDir("bench-eval-");
        const stub = (execArgv: string) => {
            const file = path.join(dir, `stub-${execArgv === "process.execArgv" ? "honest" : "other"}.js`);
            fs.writeFileSync(file, `console.log(JSON.stringify({ load: { ms: 1, cpuMs: 1 }, first: { ms: 2, cpuMs: 2 }, warm: [{ ms: Number(process.argv[4]) * 100, cpuMs: 3 }], maxRssMiB: 10, execArgv: ${execArgv} }));\n`);
            return file;
        };
        const size = SIZES.find(s => s.label === "prod 3+97")!;
        const m = measure(size, 1, 7, projectNodeArgs(), stub("process.execArgv"));
        assert.strictEqual(m.evalMsMedian, 700, "the stub ran with the warm-run count as its third argument");
        assert.throws(() => measure(size, 1, 7, projectNodeArgs(), stub("[\"-r\", \"source-map-support/register\"]")),
            (e: Error) => e.message.includes(`ran with node options ["-r","source-map-support/register"], not ${JSON.stringify(evaluatorNodeOptions(projectNodeArgs()))}`));
    });
});
