/**
 * Day-2 lifecycle: refusals computed from the previous `up`'s `lifecycleState` (read back through a self
 * StackReference) against the config, and what the program does with them.
 */
import * as assert from "assert";
import { ClusterConfig, validateConfig } from "../components/config";
import { firstServerJoins, LifecycleState, lifecycleProblems, lifecycleStateOf, parseLifecycleState, quorum } from "../components/k3s/lifecycle";
import { resolve, runProgram, stackConfig } from "./harness";

function prodConfig(overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig("prod", overrides), { stack: "prod", hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}
/** What an earlier `up` of prod with these overrides exported. */
const deployed = (overrides: Record<string, unknown> = {}): LifecycleState => lifecycleStateOf(prodConfig(overrides));

describe("lifecycle: refusals from the previous state (pure)", () => {
    const cases: { why: string; before: Record<string, unknown>; after: Record<string, unknown>; key?: string; current?: unknown; requested?: unknown; steps?: RegExp }[] = [
        { why: "no change", before: {}, after: {} },
        { why: "3 → 5 servers: one odd step, joins are serial", before: {}, after: { controlPlaneCount: 5 } },
        { why: "3 → 1 servers: one odd step, members leave one at a time", before: {}, after: { controlPlaneCount: 1 } },
        { why: "5 → 1 servers: four members leave in one up", before: { controlPlaneCount: 5 }, after: { controlPlaneCount: 1 },
            key: "controlPlaneCount", current: 5, requested: 1, steps: /1\) pulumi config set k3s-cilium:controlPlaneCount 3 && pulumi up .* 2\) pulumi config set k3s-cilium:controlPlaneCount 1 && pulumi up/ },
        { why: "1 → 5 servers", before: { controlPlaneCount: 1 }, after: { controlPlaneCount: 5 },
            key: "controlPlaneCount", current: 1, requested: 5, steps: /1\) pulumi config set k3s-cilium:controlPlaneCount 3 .* 2\) pulumi config set k3s-cilium:controlPlaneCount 5/ },
        { why: "agents scale freely", before: {}, after: { workerCount: 7 } },
        { why: "image change replaces every node", before: {}, after: { serverImage: "debian-13" },
            key: "serverImage", current: "ubuntu-24.04", requested: "debian-13", steps: /1\) pulumi config set k3s-cilium:serverImage ubuntu-24.04 .*hcloud server rebuild/ },
        { why: "location change replaces everything", before: {}, after: { hcloudLocation: "nbg1" },
            key: "hcloudLocation", current: "fsn1", requested: "nbg1", steps: /new stack in nbg1/ },
        { why: "server type change powers all servers off", before: {}, after: { controlPlaneServerType: "cx43" },
            key: "controlPlaneServerType", current: "cx33", requested: "cx43", steps: /one server at a time: .*hcloud server change-type <node> cx43/ },
        { why: "agent type change powers all agents off", before: {}, after: { workerServerType: "cx33" },
            key: "workerServerType", current: "cx23", requested: "cx33", steps: /one agent at a time/ },
        { why: "a single server may change type (nothing else to keep quorum anyway)", before: { controlPlaneCount: 1, workerCount: 0, operatorReplicas: 1 }, after: { controlPlaneCount: 1, workerCount: 0, operatorReplicas: 1, controlPlaneServerType: "cx43" } },
        { why: "rename replaces everything", before: {}, after: { clusterName: "other" },
            key: "clusterName", current: "k3s-cilium", requested: "other", steps: /new stack/ },
    ];
    for (const c of cases) {
        it(`${c.why}: ${c.key ? "refused" : "accepted"}`, () => {
            const problems = lifecycleProblems(deployed(c.before), prodConfig(c.after));
            if (!c.key) { assert.deepStrictEqual(problems, []); return; }
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            const p = problems[0];
            assert.ok(p.startsWith(`k3s-cilium:${c.key}: current ${JSON.stringify(c.current)}, requested ${JSON.stringify(c.requested)}: refused: `), p);
            assert.match(p, /Safe sequence: 1\) /);
            assert.match(p, c.steps!);
        });
    }

    it("new agents in the same up as a k3s version change: refused (they would install the new version before the servers)", () => {
        const prev = { ...deployed({}), k3sVersion: "v1.32.9+k3s1" };
        const [p, ...rest] = lifecycleProblems(prev, prodConfig({ workerCount: 4 }));
        assert.deepStrictEqual(rest, []);
        assert.ok(p.startsWith("k3s-cilium:workerCount: current 2, requested 4: refused: 2 new agent(s) (k3s-cilium-agent-3, k3s-cilium-agent-4) would install v1.33.5+k3s1 at first boot while the servers still run v1.32.9+k3s1"), p);
        assert.match(p, /Safe sequence: 1\) pulumi config set k3s-cilium:workerCount 2 && pulumi up .* 2\) pulumi config set k3s-cilium:workerCount 4 && pulumi up/);
        // The same upgrade without new agents, or removing agents during it, or adding them without an upgrade: accepted.
        assert.deepStrictEqual(lifecycleProblems(prev, prodConfig({})), []);
        assert.deepStrictEqual(lifecycleProblems(prev, prodConfig({ workerCount: 1 })), []);
        assert.deepStrictEqual(lifecycleProblems(deployed({}), prodConfig({ workerCount: 4 })), []);
    });

    it("every problem at once", () => {
        const problems = lifecycleProblems(deployed({ controlPlaneCount: 7 }), prodConfig({ controlPlaneCount: 1, serverImage: "debian-13", workerServerType: "cx33" }));
        assert.deepStrictEqual(problems.map(p => p.split(":")[1]), ["controlPlaneCount", "serverImage", "workerServerType"]);
    });

    it("a new stack (no previous state) or an unknown shape has nothing to protect", () => {
        assert.deepStrictEqual(lifecycleProblems(undefined, prodConfig({ serverImage: "debian-13" })), []);
        assert.strictEqual(parseLifecycleState({ schema: 2, servers: [] }), undefined);
        assert.strictEqual(parseLifecycleState("x"), undefined);
        assert.deepStrictEqual(parseLifecycleState(JSON.parse(JSON.stringify(deployed()))), deployed());
    });

    it("quorum is a majority", () => {
        assert.deepStrictEqual([1, 2, 3, 4, 5, 7].map(quorum), [1, 2, 2, 3, 3, 4]);
    });

    it("server-1 joins instead of bootstrapping once other servers it keeps were deployed", () => {
        assert.strictEqual(firstServerJoins(undefined, prodConfig()), false, "new stack: server-1 bootstraps");
        assert.strictEqual(firstServerJoins(deployed(), prodConfig()), true, "live 3-server cluster: server-1 joins");
        assert.strictEqual(firstServerJoins(deployed({ controlPlaneCount: 1 }), prodConfig()), false, "1 → 3: server-1 is the cluster");
        assert.strictEqual(firstServerJoins(deployed(), prodConfig({ controlPlaneCount: 1 })), false, "3 → 1: server-1 stays alone");
    });
});

describe("lifecycle: the program reads its previous state and refuses before any machine exists", () => {
    it("a new stack exports lifecycleState with the names, counts and Hetzner inputs it deployed", async () => {
        const g = await runProgram({ stack: "prod" });
        const { value, secret } = await resolve(g.outputs.lifecycleState as any);
        assert.deepStrictEqual(value, deployed());
        assert.deepStrictEqual((value as LifecycleState).servers, ["k3s-cilium-server-1", "k3s-cilium-server-2", "k3s-cilium-server-3"]);
        assert.strictEqual(secret, false);
    });

    it("an unchanged config on a live stack is accepted", async () => {
        const g = await runProgram({ stack: "prod", previousOutputs: { lifecycleState: deployed() } });
        assert.ok(g.ofType("hcloud:index/server:Server").length === 5);
    });

    it("a refused change stops the run with the refusal, and no Hetzner resource is registered", async () => {
        const g = await runProgram({ stack: "prod", overrides: { serverImage: "debian-13" }, previousOutputs: { lifecycleState: deployed() } });
        // The stack output and every gated registration fail with the refusal; under the engine it fails the update.
        await assert.rejects(resolve(g.outputs.lifecycleState as any),
            (e: Error) => /k3s-cilium:serverImage: current "ubuntu-24.04", requested "debian-13": refused/.test(e.message));
        const hcloud = g.resources.filter(r => r.type.startsWith("hcloud:index/"));
        assert.deepStrictEqual(hcloud.map(r => r.name), [], "the gate comes before every cloud resource");
        assert.ok(!g.resources.some(r => r.type === "command:remote:Command"), "and so before every command on a node");
    });
});
