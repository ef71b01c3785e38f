import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";
import { destroySchedule, lowerBoundLimited, Task, upMakespanLimited, upSchedule, upScheduleLimited } from "../bench/calc";
import { goalFailures, modelRow, physicalLimit, pulumiDefaultParallel, Row, structuralFailures, summarizePath } from "../bench/model";
import { between, modeledRows, MODELED_HEADER, replaceBlock } from "../bench/readme";
import { parseArgs } from "../bench/run";
import { SIZES } from "../bench/sizes";
import { LATENCY } from "../bench/latency";
import { oneVerify } from "../bench/levers";
import { tasksFromGraph } from "../bench/tasks";
import { runProgram } from "./harness";
import { recommendedParallel } from "../scripts/parallel";

const t = (id: string, up: number, deps: string[] = [], extra: Partial<Task> = {}): Task =>
    ({ id, name: id, up, destroy: extra.destroy ?? 1, deps, inside: false, ...extra });

describe("bench: the schedule calculator on a hand-made graph", () => {
    //   a(2) ─→ b(5) ─→ d(1)
    //     └───→ c(3) ─┘        e(4) alone
    const graph = [t("a", 2), t("b", 5, ["a"]), t("c", 3, ["a"]), t("d", 1, ["b", "c"]), t("e", 4)];

    it("finds the makespan and the critical path with unlimited parallelism", () => {
        assert.deepStrictEqual(upSchedule(graph), { makespan: 8, criticalPath: ["a", "b", "d"] });
    });

    it("serialises with limited parallelism, and the critical path names the task that held the slot", () => {
        assert.strictEqual(upMakespanLimited(graph, 1), 15, "one at a time: the sum");
        assert.strictEqual(upMakespanLimited(graph, 2), 8);
        assert.strictEqual(upMakespanLimited(graph, 1000), upSchedule(graph).makespan);
        // p=1 in registration order: a(0-2) b(2-7) c(7-10) d(10-11) e(11-15): e waited for d's slot, d for c, c for b.
        assert.deepStrictEqual(upScheduleLimited(graph, 1).criticalPath, ["a", "b", "c ⏳slot", "d", "e ⏳slot"]);
        assert.deepStrictEqual(upScheduleLimited(graph, 1000).criticalPath, ["a", "b", "d"]);
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

    it("a task that waits for another's end (until) holds its slot and ends no earlier than that end + its own after", () => {
        // w starts with the engine but its pods need what a brings up: it ends at max(own 2, a's end + 5).
        const w = (extra: Partial<Task> = {}) => t("w", 2, [], { until: { id: "a", after: 5 }, ...extra });
        assert.deepStrictEqual(upSchedule([t("a", 10), w()]), { makespan: 15, criticalPath: ["a", "w"] });
        assert.strictEqual(upMakespanLimited([t("a", 10), w()], 2), 15, "a already running: bounded at once");
        // p=2: x and w start at 0; a waits for x's slot (5-15); w, still holding its slot, ends at 15 + 5.
        assert.deepStrictEqual(upScheduleLimited([t("x", 5), t("a", 10, ["x"]), w()], 2), { makespan: 20, criticalPath: ["x", "a", "w"] });
        assert.strictEqual(upMakespanLimited([t("a", 1), w()], 2), 6);
        assert.strictEqual(upMakespanLimited([t("a", 1), w({ up: 9 })], 2), 9, "its own time when longer");
        assert.throws(() => upScheduleLimited([w(), t("x", 5), t("a", 10, ["x"])], 1), /every slot waits: w/, "one slot, taken by the waiter: the engine would hang");
        assert.strictEqual(destroySchedule([t("a", 10), w()]).makespan, 1, "destroy ignores it");
    });

    it("refuses a cycle", () => {
        assert.throws(() => upSchedule([t("x", 1, ["y"]), t("y", 1, ["x"])]), /dependency cycle/);
    });

    it("collapses runs of slot waits on the same kind of resource in the printed path", () => {
        assert.strictEqual(summarizePath(["net", "agent-1-install ⏳slot", "agent-9-install ⏳slot", "agent-3-drain ⏳slot", "cilium"]),
            "net → agent-*-install ⏳slot ×2 → agent-3-drain ⏳slot → cilium");
    });
});

describe("bench: Pulumi's parallelism and the CLI", () => {
    it("defaults to 4 × GOMAXPROCS; PULUMI_PARALLEL (a positive integer) overrides it", () => {
        assert.deepStrictEqual([pulumiDefaultParallel(2), pulumiDefaultParallel(4)], [8, 16]);
        assert.strictEqual(pulumiDefaultParallel(2, { PULUMI_PARALLEL: "32" }), 32);
        assert.strictEqual(pulumiDefaultParallel(2, { PULUMI_PARALLEL: "0" }), 8, "not positive: the CLI ignores it");
    });

    it("accepts --parallel N and --record, refuses anything else", () => {
        assert.deepStrictEqual(parseArgs(["--parallel", "12", "--record"]), { parallel: 12, record: true, modeledOnly: false });
        assert.deepStrictEqual(parseArgs(["--modeled-only", "--record"]), { record: true, modeledOnly: true });
        assert.deepStrictEqual(parseArgs([]), { record: false, modeledOnly: false });
        assert.throws(() => parseArgs(["--parallel", "0"]), /unexpected argument "--parallel"; accepted: --parallel <positive integer>, --record, --modeled-only/);
        assert.throws(() => parseArgs(["--write"]), /unexpected argument "--write"/);
    });
});

describe("bench: goals and structural bounds", () => {
    const row = (label: string, resources: number, up8: number, path: string[] = ["x"]) => ({ label, resources, up8, up8CriticalPath: path });

    it("each failed goal names the numbers and the critical path", () => {
        const rows = [row("prod 3+2", 94, 275.1, ["network", "server-1"]), row("prod 3+97", 673, 1486.3, ["agent-1-install ⏳slot", "agent-9-install ⏳slot"])];
        const measured = [
            { label: "prod 3+47", resources: 368, evalMsMedian: 500, maxRssMiBMedian: 1, runs: 1 },
            { label: "prod 3+97", resources: 673, evalMsMedian: 1500, maxRssMiBMedian: 1, runs: 1 },
        ];
        assert.deepStrictEqual(goalFailures(rows, measured), [
            "prod 3+2 up at --parallel 8 is 275.1s (goal ≤ 150s); critical path: network → server-1",
            "prod 3+97 up at --parallel 8 is 1486.3s = × 5.4 prod 3+2 (goal ≤ × 1.3); critical path: agent-*-install ⏳slot ×2",
            "evaluation at 3+97 takes 1500 ms (goal ≤ 1000 ms)",
            "evaluation grows faster than linear: 3+47 → 3+97 time × 3 for resources × 1.83 (goal ≤ × 2.19)",
        ]);
        assert.deepStrictEqual(goalFailures([row("prod 3+2", 94, 140), row("prod 3+97", 673, 182)], [
            { label: "prod 3+47", resources: 368, evalMsMedian: 500, maxRssMiBMedian: 1, runs: 1 },
            { label: "prod 3+97", resources: 673, evalMsMedian: 950, maxRssMiBMedian: 1, runs: 1 },
        ]), []);
    });

    it("a goal below the graph's lower bound says it is unreachable by scheduling; one above it does not", () => {
        const failures = goalFailures([{ ...row("prod 3+2", 94, 247.5), floor8: 246 }, { ...row("prod 3+97", 673, 680.5), floor8: 420.2 }], []);
        assert.deepStrictEqual(failures.map(f => f.replace(/; critical path.*/, "")), [
            "prod 3+2 up at --parallel 8 is 247.5s (goal ≤ 150s; unreachable with this graph and latency model: no schedule at --parallel 8 is under 246s)",
            "prod 3+97 up at --parallel 8 is 680.5s = × 2.75 prod 3+2 (goal ≤ × 1.3; unreachable with this graph and latency model: no schedule at --parallel 8 is under 420.2s)",
        ]);
        assert.deepStrictEqual(goalFailures([{ ...row("prod 3+2", 94, 160), floor8: 140 }], []),
            ["prod 3+2 up at --parallel 8 is 160s (goal ≤ 150s); critical path: x"]);
    });

    it("the lower bound at p slots: slot seconds over p, or the critical path; first boots take no slot", () => {
        assert.strictEqual(lowerBoundLimited([t("a", 10), t("b", 10), t("c", 10), t("d", 10)], 2), 20);
        assert.strictEqual(lowerBoundLimited([t("a", 10), t("b", 10, ["a"]), t("c", 1)], 4), 20);
        assert.strictEqual(lowerBoundLimited([t("a", 10), t("boot", 100, [], { offSlot: true }), t("c", 10)], 2), 100);
        assert.strictEqual(lowerBoundLimited([t("a", 10), t("boot", 5, [], { offSlot: true }), t("c", 10)], 2), 10);
        for (const tasks of [[t("a", 3), t("b", 7, ["a"]), t("c", 4), t("d", 6, ["c"]), t("e", 5)]]) {
            for (const p of [1, 2, 3]) assert.ok(upScheduleLimited(tasks, p).makespan >= lowerBoundLimited(tasks, p), `p=${p}`);
        }
    });

    it("destroy never waits on in-cluster work except the cloud cleanup", () => {
        assert.deepStrictEqual(structuralFailures([{ label: "prod 3+97", destroyPathInside: ["k3s-cilium-cilium-rollout"] } as Row]),
            ["prod 3+97: destroy critical path has in-cluster/remote steps: k3s-cilium-cilium-rollout"]);
    });

    it("every model entry says where its number comes from", () => {
        for (const [k, step] of Object.entries(LATENCY)) assert.match(step.why, /(source|assumption):/i, k);
    });
});

describe("bench: the modeled rows of the program's real graph", function () {
    this.timeout(180000);
    let rows: Row[] = [];
    before(async () => { for (const size of SIZES) rows.push(await modelRow(size)); });

    it("README's modeled table is exactly what the graph and the model give (no timing involved)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.deepStrictEqual(between(readme, "modeled"), [...MODELED_HEADER, ...modeledRows(rows)],
            "the resource graph or the latency model changed: `npm run bench -- --modeled-only --record` rewrites the table");
    });

    it("the physical limit and the critical paths point at the real chain; destroy waits on nothing in-cluster", () => {
        assert.deepStrictEqual(structuralFailures(rows), []);
        for (const r of rows) assert.ok(r.floor8 <= r.up8 && r.floor8 >= r.up, `${r.label}: lower bound ${r.floor8} outside [${r.up}, ${r.up8}]`);
        const small = rows.find(r => r.label === "prod 3+2")!;
        assert.strictEqual(small.limit, physicalLimit(SIZES[2]));
        assert.ok(small.upCriticalPath[0] === "k3s-cilium-network", small.upCriticalPath.join(" → "));
        // The CSI chart is applied once every node is registered (its DaemonSet's node set complete when its await
        // starts): on 3+2 the last serial server join, not the Cilium chart, is what it waits for last.
        assert.deepStrictEqual(small.upCriticalPath.slice(-4), ["k3s-cilium-server-2-install", "k3s-cilium-server-3-install", "hcloud-csi", "k3s-cilium-cloud-resources-cleanup"]);
        assert.ok(!small.upCriticalPath.some(n => n.includes("-server-2-preflight")), "the servers' boot waits are off the critical path");
        assert.ok(small.destroyCriticalPath.every(n => !n.includes("-preflight") && !n.startsWith("ccnp-")));
    });

    it("--record rewrites only the marked block", () => {
        const text = "a\n<!-- bench:modeled:start -->\nold\n<!-- bench:modeled:end -->\nb";
        assert.strictEqual(replaceBlock(text, "modeled", ["x", "y"]), "a\n<!-- bench:modeled:start -->\nx\ny\n<!-- bench:modeled:end -->\nb");
        assert.throws(() => between("no markers", "measured"), /README.md has no <!-- bench:measured:start -->/);
    });
});

describe("bench: projected levers and the recommended parallelism", () => {
    // server-1 → install; agent-1 (machine) → agent-1-preflight → agent-1-install → agent-1-drain / agent-1-enforce-verify
    const g = [
        t("n-server-1", 35), t("n-api-ready", 5, ["n-server-1"]), t("n-agent-1", 35),
        t("n-agent-1-preflight", 37, ["n-agent-1"]), t("n-agent-1-install", 27, ["n-agent-1-preflight", "n-api-ready"]),
        t("n-agent-1-drain", 1, ["n-agent-1-install"]), t("n-agent-1-enforce-verify", 4, ["n-agent-1-install"]),
        t("n-agent-2", 35), t("n-agent-2-enforce-verify", 4, ["n-agent-2"]),
    ];

    it("first boot takes time but no slot: two agents booting beside a one-slot engine do not queue", () => {
        const boots = [t("m1", 35), t("m2", 35), t("m1 boot", 64, ["m1"], { offSlot: true }), t("m2 boot", 64, ["m2"], { offSlot: true }),
            t("api", 100), t("joined", 5, ["api", "m1 boot", "m2 boot"])];
        // p=1: m1 0-35, m2 35-70 (slot), api 70-170 (slot); boots 35-99 and 70-134 beside them; joined 170-175.
        assert.strictEqual(upMakespanLimited(boots, 1), 175);
        const slotted = boots.map(x => ({ ...x, offSlot: false }));
        assert.ok(upMakespanLimited(slotted, 1) > 175 + 64, "the same work holding slots queues");
    });

    it("the real prod graph: each agent's first boot is an off-slot task the joined wait waits for; its commands cost no slot time", async () => {
        const tasks = tasksFromGraph(await runProgram({ stack: "prod" }));
        const boots = tasks.filter(x => x.offSlot);
        assert.deepStrictEqual(boots.map(b => [b.name, b.up]), [["k3s-cilium-agent-1 first-boot", LATENCY.firstBootAgent.up], ["k3s-cilium-agent-2 first-boot", LATENCY.firstBootAgent.up]]);
        const joined = tasks.find(x => x.name === "k3s-cilium-agents-joined")!;
        for (const b of boots) assert.ok(joined.deps.includes(b.id), b.name);
        for (const name of ["k3s-cilium-agent-1-converge", "k3s-cilium-agent-1-drain", "k3s-cilium-agents-batch-1-upgrade-drain", "k3s-cilium-server-1-leave"]) {
            assert.strictEqual(tasks.find(x => x.name === name)!.up, LATENCY.noCreate.up, `${name}: no create, no SSH`);
        }
    });

    it("the real prod graph: the CSI chart starts after the API, its Secret, the CCM and every node registered, and ends no earlier than Cilium's chart + its pods", async () => {
        const tasks = tasksFromGraph(await runProgram({ stack: "prod" }));
        const byName = (name: string, type = "") => tasks.find(x => x.name === name && x.id.includes(type))!;
        const csi = byName("hcloud-csi", "helm.sh/v4:Chart");
        const cilium = byName("cilium", "helm.sh/v4:Chart");
        assert.deepStrictEqual(csi.until, { id: cilium.id, after: LATENCY.hcloudCsiPods.up });
        assert.strictEqual(csi.up, LATENCY.hcloudCsiApply.up + LATENCY.hcloudCsiPods.up, "the 30 s of before, split");
        assert.ok(!csi.deps.includes(cilium.id) && !csi.deps.includes(byName("k3s-cilium-cilium-rollout").id));
        assert.ok(csi.deps.includes(byName("k3s-cilium-agents-joined").id), "its await starts with every agent registered");
        assert.ok(byName("k3s-cilium-cloud-resources-cleanup").deps.includes(csi.id), "the cleanup still outlives the CSI chart");
        // The Cilium chart awaits its agents (the rollout); the rollout command only confirms.
        assert.deepStrictEqual([cilium.up, byName("k3s-cilium-cilium-rollout").up],
            [LATENCY.ciliumChart.up + LATENCY.ciliumRolloutPrefetched.up, LATENCY.ciliumRolloutCheck.up]);
    });

    it("one verify replaces the per-agent ones and waits for all their dependencies", () => {
        const out = oneVerify.apply(g);
        const one = out.filter(x => /enforce-verify/.test(x.name));
        assert.deepStrictEqual(one.map(x => [x.name, x.deps]), [["agents-enforce-verify (projected)", ["n-agent-1-install", "n-agent-2"]]]);
    });

    it("recommends one slot per machine plus 8, never below the CLI default", () => {
        assert.deepStrictEqual([recommendedParallel(5, 2), recommendedParallel(100, 2), recommendedParallel(2, 4)], [13, 108, 16]);
    });
});
