import * as assert from "assert";
import { ClusterConfig, validateConfig } from "../components/config";
import { lifecycleStateOf } from "../components/k3s/lifecycle";
import { ciliumUpgradeProblems, k3sUpgradeProblems, minorSteps, upgradeProblems } from "../components/k3s/upgrade";
import { resolve, runProgram, stackConfig } from "./harness";

function validProd(): ClusterConfig {
    const r = validateConfig(stackConfig("prod"), { stack: "prod", hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

describe("upgrades: one minor per up (pure)", () => {
    const k3sCases: [string | undefined, string, RegExp | undefined][] = [
        [undefined, "v1.33.5+k3s1", undefined],                     // new stack: nothing deployed, nothing refused
        ["v1.33.5+k3s1", "v1.33.5+k3s1", undefined],
        ["v1.33.1+k3s1", "v1.33.5+k3s1", undefined],                // patch
        ["v1.32.9+k3s1", "v1.33.5+k3s1", undefined],                // one minor
        ["v1.33.5+k3s1", "v1.33.1+k3s1", undefined],                // patch back within the minor
        ["v1.31.4+k3s1", "v1.33.5+k3s1", /^k3s-cilium:k3sVersion: current v1\.31\.4\+k3s1, requested v1\.33\.5\+k3s1: refused: it skips Kubernetes minor\(s\) 1\.32;.*Safe sequence: 1\) set k3s-cilium:k3sVersion to a v1\.32\.x\+k3sN release and run pulumi up 2\) set k3s-cilium:k3sVersion to a v1\.33\.x\+k3sN release and run pulumi up$/],
        ["v1.33.5+k3s1", "v1.32.9+k3s1", /^k3s-cilium:k3sVersion: current v1\.33\.5\+k3s1, requested v1\.32\.9\+k3s1: refused: .*no downgrade path.*npm run restore/],
    ];
    for (const [prev, next, expected] of k3sCases) {
        it(`k3s ${prev ?? "(none)"} → ${next}: ${expected ? "refused" : "accepted"}`, () => {
            const problems = k3sUpgradeProblems(prev, next);
            if (!expected) assert.deepStrictEqual(problems, []);
            else { assert.strictEqual(problems.length, 1); assert.match(problems[0], expected); }
        });
    }

    const ciliumCases: [string | undefined, string, RegExp | undefined][] = [
        ["1.18.4", "1.18.4", undefined],
        ["1.17.9", "1.18.4", undefined],
        ["1.18.4", "1.17.9", undefined],                           // Cilium's documented rollback: one minor back
        ["1.16.3", "1.18.4", /^k3s-cilium:ciliumVersion: current 1\.16\.3, requested 1\.18\.4: refused: .*Safe sequence: 1\) set k3s-cilium:ciliumVersion to a 1\.17\.x release .* 2\) set k3s-cilium:ciliumVersion to a 1\.18\.x release/],
        ["1.19.1", "1.17.9", /current 1\.19\.1, requested 1\.17\.9: refused: .*1\) set k3s-cilium:ciliumVersion to a 1\.18\.x release .* 2\) set k3s-cilium:ciliumVersion to a 1\.17\.x release/],
    ];
    for (const [prev, next, expected] of ciliumCases) {
        it(`Cilium ${prev} → ${next}: ${expected ? "refused" : "accepted"}`, () => {
            const problems = ciliumUpgradeProblems(prev, next);
            if (!expected) assert.deepStrictEqual(problems, []);
            else { assert.strictEqual(problems.length, 1); assert.match(problems[0], expected); }
        });
    }

    it("lists every refusal at once and none for a stack without a previous state", () => {
        assert.deepStrictEqual(upgradeProblems(undefined, { k3sVersion: "v1.33.5+k3s1", ciliumVersion: "1.18.4" }), []);
        const both = upgradeProblems({ k3sVersion: "v1.30.1+k3s1", ciliumVersion: "1.16.0" }, { k3sVersion: "v1.33.5+k3s1", ciliumVersion: "1.18.4" });
        assert.deepStrictEqual(both.map(p => p.split(":").slice(0, 2).join(":")), ["k3s-cilium:k3sVersion", "k3s-cilium:ciliumVersion"]);
        assert.deepStrictEqual(upgradeProblems({}, { k3sVersion: "v1.33.5+k3s1", ciliumVersion: "1.18.4" }), [], "unknown previous versions refuse nothing");
    });

    it("minorSteps walks both ways", () => {
        assert.deepStrictEqual(minorSteps({ major: 1, minor: 30 }, { major: 1, minor: 33 }), ["1.31", "1.32", "1.33"]);
        assert.deepStrictEqual(minorSteps({ major: 1, minor: 19 }, { major: 1, minor: 17 }), ["1.18", "1.17"]);
    });
});

describe("upgrades: refused on the graph, from the previous up's lifecycleState", () => {
    it("a k3s minor skip stops the run before any machine or node command, naming key, versions and sequence", async () => {
        const previous = { ...lifecycleStateOf(validProd()), k3sVersion: "v1.31.4+k3s1" };
        const g = await runProgram({ stack: "prod", previousOutputs: { lifecycleState: previous } });
        await assert.rejects(resolve(g.outputs.lifecycleState as any), (e: Error) =>
            /k3s-cilium:k3sVersion: current v1\.31\.4\+k3s1, requested v1\.33\.5\+k3s1: refused: it skips Kubernetes minor\(s\) 1\.32;.*1\) set k3s-cilium:k3sVersion to a v1\.32\.x\+k3sN release/.test(e.message));
        assert.ok(!g.resources.some(r => r.type === "command:remote:Command" || r.type.startsWith("hcloud:index/")));
    });

    it("one minor up is accepted, and the new state records the versions for the next up", async () => {
        const previous = { ...lifecycleStateOf(validProd()), k3sVersion: "v1.32.9+k3s1", ciliumVersion: "1.17.9" };
        const g = await runProgram({ stack: "prod", previousOutputs: { lifecycleState: previous } });
        const { value } = await resolve(g.outputs.lifecycleState as any) as { value: { k3sVersion: string; ciliumVersion: string } };
        assert.deepStrictEqual([value.k3sVersion, value.ciliumVersion], ["v1.33.5+k3s1", "1.18.4"]);
    });
});
