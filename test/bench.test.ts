import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";
import { destroySchedule, Task, upMakespanLimited, upSchedule } from "../bench/calc";
import { checks, modelRow, performanceTableRows, physicalLimit } from "../bench/run";
import { SIZES } from "../bench/sizes";
import { LATENCY } from "../bench/latency";

const t = (id: string, up: number, deps: string[] = [], extra: Partial<Task> = {}): Task =>
    ({ id, name: id, up, destroy: extra.destroy ?? 1, deps, inside: false, ...extra });

describe("bench: the schedule calculator on a hand-made graph", () => {
    //   a(2) ─→ b(5) ─→ d(1)
    //     └───→ c(3) ─┘        e(4) alone
    const graph = [t("a", 2), t("b", 5, ["a"]), t("c", 3, ["a"]), t("d", 1, ["b", "c"]), t("e", 4)];

    it("finds the makespan and the critical path with unlimited parallelism", () => {
        assert.deepStrictEqual(upSchedule(graph), { makespan: 8, criticalPath: ["a", "b", "d"] });
    });

    it("serialises with limited parallelism", () => {
        assert.strictEqual(upMakespanLimited(graph, 1), 15, "one at a time: the sum");
        assert.strictEqual(upMakespanLimited(graph, 2), 8);
        assert.strictEqual(upMakespanLimited(graph, 1000), upSchedule(graph).makespan);
    });

    it("destroys in reverse order, and a deletedWith target deleted in the same run makes a resource free", () => {
        const machine = t("machine", 30, [], { destroy: 10 });
        const cmd = t("cmd", 5, ["machine"], { destroy: 7, deletedWithTarget: "machine", inside: true });
        const net = t("net", 3, [], { destroy: 2 });
        const server = t("server", 1, ["net"], { destroy: 4 });
        const s = destroySchedule([machine, cmd, net, server]);
        assert.deepStrictEqual(s, { makespan: 10, criticalPath: ["machine"] }, "cmd costs 0, machine 10 > server 4 + net 2");
        const withoutDeletedWith = destroySchedule([machine, { ...cmd, deletedWithTarget: undefined }, net, server]);
        assert.deepStrictEqual(withoutDeletedWith, { makespan: 17, criticalPath: ["cmd", "machine"] });
    });

    it("refuses a cycle", () => {
        assert.throws(() => upSchedule([t("x", 1, ["y"]), t("y", 1, ["x"])]), /dependency cycle/);
    });
});

describe("bench: modeled bounds on the program's real graph", function () {
    this.timeout(120000);
    it("up at 3+97 ≤ 1.15 × 3+2; 3+2 ≤ 1.05 × the physical limit; destroy never waits on in-cluster work", async () => {
        const rows = [];
        for (const size of SIZES.filter(s => ["prod 3+2", "prod 3+97", "local"].includes(s.label))) rows.push(await modelRow(size));
        assert.deepStrictEqual(checks(rows, []), []);
        const small = rows.find(r => r.label === "prod 3+2")!;
        assert.strictEqual(small.limit, physicalLimit(SIZES[2]));
        assert.ok(small.upCriticalPath[0] === "k3s-cilium-network" && small.upCriticalPath.includes("k3s-cilium-cilium-rollout"));
        assert.ok(!small.upCriticalPath.some(n => n.includes("-server-2-")), "the serial server joins are off the critical path");
        assert.ok(small.destroyCriticalPath.every(n => !n.includes("-preflight") && !n.startsWith("ccnp-")));
    });

    it("the checks catch a regression: agents queued behind the server joins", () => {
        const rows = [
            { label: "prod 3+2", up: 255, ratio: 1.2, destroyPathInside: [] },
            { label: "prod 3+97", up: 400, ratio: 1.6, destroyPathInside: ["k3s-cilium-cilium-rollout"] },
        ] as any;
        assert.deepStrictEqual(checks(rows, [{ label: "prod 3+97", evalMsMedian: 2500, maxRssMiBMedian: 1, runs: 1 }]), [
            "up at 3+97 (400s) > 1.15 × up at 3+2 (255s)",
            "up at 3+2 is 1.2 × the physical limit (> 1.05)",
            "prod 3+97: destroy critical path has in-cluster/remote steps: k3s-cilium-cilium-rollout",
            "evaluation at 3+97 takes 2500 ms (>= 2000)",
        ]);
    });

    it("every model entry says where its number comes from", () => {
        for (const [k, step] of Object.entries(LATENCY)) assert.ok(step.why.length > 10, k);
    });
});

describe("bench: README Performance tables", () => {
    it("show exactly the numbers in bench/results.json (`npm run bench` prints the rows to copy)", () => {
        const results = JSON.parse(fs.readFileSync(path.join(ROOT, "bench", "results.json"), "utf8"));
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Performance"), readme.indexOf("## Troubleshooting"));
        const rows = section.split("\n").filter(l => /^\| (local|prod [0-9+]+) \|/.test(l));
        assert.deepStrictEqual(rows, performanceTableRows(results.rows, results.measured));
        assert.deepStrictEqual(results.failures, [], "the committed results pass their own bounds");
    });
});
