import * as assert from "assert";
import { agentBatches, agentBatchSize, isK3sUpgrade } from "../components/k3s/agent-upgrade";
import { lifecycleStateOf } from "../components/k3s/lifecycle";
import { validateConfig } from "../components/config";
import { runProgram, stackConfig } from "./harness";
import { sandbox, scriptPath } from "./shell";

const drain = scriptPath("k3s", "upgrade-drain.sh");
const uncordon = scriptPath("k3s", "uncordon.sh");
/** k3s stub: kubelet versions from $STUB_DIR/<node> (absent file = not registered); logs every other call. */
const K3S = `
if [ "$2" = get ]; then [ -f "$STUB_DIR/$4" ] || exit 1; cat "$STUB_DIR/$4"; exit 0; fi
log "k3s $*"; [ -f "$STUB_DIR/fail-$2" ] && exit 1; exit 0`;

function prod(overrides: Record<string, unknown> = {}) {
    const r = validateConfig(stackConfig("prod", overrides), { stack: "prod", hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

describe("agents during a k3s upgrade: batches (pure)", () => {
    it("a quarter of the agents at a time, at least one", () => {
        assert.deepStrictEqual([1, 3, 4, 10, 97].map(agentBatchSize), [1, 1, 1, 2, 24]);
        assert.deepStrictEqual(agentBatches(["a", "b", "c", "d", "e"], 2), [["a", "b"], ["c", "d"], ["e"]]);
        assert.deepStrictEqual([isK3sUpgrade(undefined, "v1"), isK3sUpgrade("v1", "v1"), isK3sUpgrade("v0", "v1")], [false, false, true]);
    });
});

describe("agents during a k3s upgrade: graph", () => {
    const batchOf = (g: Awaited<ReturnType<typeof runProgram>>, i: number) =>
        [g.get(`k3s-cilium-agents-batch-${i}-upgrade-drain`), g.get(`k3s-cilium-agents-batch-${i}-uncordon`)];

    it("every agent's converge waits for its batch's drain (after the servers' gate) and is followed by the batch's uncordon", async () => {
        const g = await runProgram({ stack: "prod", overrides: { workerCount: 4 } });
        const gate = g.get("k3s-cilium-servers-at-version");
        const joined = g.get("k3s-cilium-agents-joined");
        for (let i = 1; i <= 4; i++) {
            const [d, u] = batchOf(g, i);
            const converge = g.get(`k3s-cilium-agent-${i}-converge`);
            assert.ok(g.dependsOn(d, gate) && g.dependsOn(converge, d) && g.dependsOn(u, converge), `batch ${i}`);
            assert.match(d.inputs.update, / upgrade-drain\.sh v1\.33\.5\+k3s1 300 k3s-cilium-agent-\d$/, "a version change re-runs it");
            assert.match(u.inputs.update, / uncordon\.sh v1\.33\.5\+k3s1 300 k3s-cilium-agent-\d$/);
            // A first install: nothing is registered to drain or uncordon, so creating them opens no SSH session.
            assert.deepStrictEqual([d.inputs.create, u.inputs.create], [undefined, undefined], `batch ${i}`);
            assert.ok(g.dependsOn(joined, u), "the joined wait confirms the version after every batch's uncordon");
        }
        // A first install (no previous state): batches do not wait for each other.
        assert.ok(!g.dependsOn(batchOf(g, 2)[0], batchOf(g, 1)[1]), "first install: agents join at once");
    });

    it("during an upgrade, each batch's drain waits for the previous batch's uncordon", async () => {
        const previous = { ...lifecycleStateOf(prod({ workerCount: 4 })), k3sVersion: "v1.32.9+k3s1" };
        const g = await runProgram({ stack: "prod", overrides: { workerCount: 4 }, previousOutputs: { lifecycleState: previous } });
        for (let i = 2; i <= 4; i++) {
            assert.ok(g.dependsOn(batchOf(g, i)[0], batchOf(g, i - 1)[1]), `batch ${i} after batch ${i - 1}`);
        }
        for (let i = 1; i <= 4; i++) {
            // A batch created during a version change (agents moved between batches) runs its scripts on create too.
            for (const c of batchOf(g, i)) assert.strictEqual(c.inputs.create, c.inputs.update, c.name);
        }
        assert.ok(g.dependsOn(g.get("k3s-cilium-agent-4-converge"), g.get("k3s-cilium-agent-1-converge")), "so at most one batch is down at a time");
    });
});

describe("scripts: upgrade-drain.sh and uncordon.sh", () => {
    it("drain: cordons and drains only agents at another version; skips unregistered and current ones", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        require("fs").writeFileSync(`${sb.dir}/old`, "v1.32.9+k3s1");
        require("fs").writeFileSync(`${sb.dir}/new`, "v1.33.5+k3s1");
        const r = sb.run(drain, ["v1.33.5+k3s1", 60, "old", "new", "absent"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), ["k3s kubectl cordon old", "k3s kubectl drain old --ignore-daemonsets --delete-emptydir-data --timeout=60s"]);
        assert.match(r.stdout, /^new: upgrade-drain: kubelet already at v1\.33\.5\+k3s1; nothing to drain$/m);
        assert.match(r.stdout, /^absent: upgrade-drain: not registered yet; nothing to drain$/m);
    });

    it("drain: a failed cordon or drain is one line, stops the batch, and k3s is not touched", () => {
        for (const step of ["cordon", "drain"]) {
            const sb = sandbox();
            sb.stub("k3s", K3S);
            const fs = require("fs");
            fs.writeFileSync(`${sb.dir}/a1`, "v1.32.9+k3s1");
            fs.writeFileSync(`${sb.dir}/a2`, "v1.32.9+k3s1");
            fs.writeFileSync(`${sb.dir}/fail-${step}`, "");
            const r = sb.run(drain, ["v1.33.5+k3s1", 60, "a1", "a2"]);
            assert.strictEqual(r.code, 1);
            assert.strictEqual(r.stderr.split("\n").filter(Boolean).length, 1, r.stderr);
            assert.match(r.stderr, step === "cordon" ? /^a1: upgrade-drain: ERROR: could not cordon it; k3s on the batch was not touched/
                : /^a1: upgrade-drain: ERROR: drain did not finish within 60s; it stays cordoned at v1\.32\.9\+k3s1 .*undo: k3s kubectl uncordon a1\)/);
            assert.ok(!sb.calls().some(c => c.includes("a2")), "the rest of the batch is left alone");
        }
    });

    it("uncordon: waits for the new kubelet version, then uncordons; bounded with one line when it never comes", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        require("fs").writeFileSync(`${sb.dir}/a1`, "v1.33.5+k3s1");
        assert.strictEqual(sb.run(uncordon, ["v1.33.5+k3s1", 30, "a1"]).code, 0);
        assert.deepStrictEqual(sb.calls(), ["k3s kubectl uncordon a1"]);
        const stale = sandbox();
        stale.stub("k3s", K3S);
        require("fs").writeFileSync(`${stale.dir}/a1`, "v1.32.9+k3s1");
        const r = stale.run(uncordon, ["v1.33.5+k3s1", 1, "a1"], { env: { INTERVAL: "1" } });
        assert.deepStrictEqual([r.code, r.stderr], [1, "a1: uncordon: ERROR: kubelet reports 'v1.32.9+k3s1', not v1.33.5+k3s1, after 1s; it stays cordoned, and so does the rest of its batch (see: journalctl -u k3s-agent on it)\n"]);
        assert.deepStrictEqual(stale.calls(), []);
    });

    it("uncordon: an agent that is not registered (new, joining from its first boot, never cordoned) is skipped, not waited for", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        require("fs").writeFileSync(`${sb.dir}/a1`, "v1.33.5+k3s1");
        const r = sb.run(uncordon, ["v1.33.5+k3s1", 30, "new", "a1"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /^new: uncordon: not registered \(a new agent joining from its first boot\); nothing to uncordon$/m);
        assert.deepStrictEqual(sb.calls(), ["k3s kubectl uncordon a1"]);
    });
});
