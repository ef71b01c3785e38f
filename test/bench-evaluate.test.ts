import * as assert from "assert";
import { staticImports } from "../bench/evaluate";
import { linearity, summarize } from "../bench/run";

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
