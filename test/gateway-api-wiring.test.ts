import * as assert from "assert";
import { fromStackOutputs, runChecks } from "../scripts/verify";
import { runProgram } from "./harness";
import { gatewayApiVersionFor } from "../components/config/versions";

describe("wiring: gatewayApi", () => {
    const CRD = "kubernetes:yaml/v2:ConfigFile";
    const CHART = "kubernetes:helm.sh/v4:Chart";

    it("gatewayApi: true applies the CRDs before the Cilium chart", async () => {
        const g = await runProgram({ stack: "local", platform: "linux" });
        const crds = g.ofType(CRD);
        assert.strictEqual(crds.length, 6);
        const chart = g.get("cilium", CHART);
        for (const crd of crds) assert.ok(g.dependsOn(chart, crd), `the chart does not wait for ${crd.name}`);
        assert.strictEqual(chart.inputs.values.gatewayAPI.enabled, true);
        const versions = g.outputs.versions as Record<string, string>;
        assert.strictEqual(versions.gatewayApi, gatewayApiVersionFor(versions.cilium));
    });

    it("gatewayApi: false installs no Gateway API CRDs (the key's description), and the outputs say so", async () => {
        const g = await runProgram({ stack: "local", platform: "linux", overrides: { gatewayApi: false } });
        assert.deepStrictEqual(g.ofType(CRD).map(r => r.name), []);
        assert.deepStrictEqual(g.resources.filter(r => r.type.startsWith("k3s-cilium:gateway-api")).map(r => r.name), []);
        assert.strictEqual(g.get("cilium", CHART).inputs.values.gatewayAPI.enabled, false);
        assert.ok(!("gatewayApi" in (g.outputs.versions as object)), "versions.gatewayApi names a version that is not installed");
    });

    it("npm run verify checks the CRDs only for a stack that installs them", () => {
        const calls: string[] = [];
        const exec = (_cmd: string, args: string[]) => { calls.push(args.join(" ")); return { code: 1, stdout: "", stderr: "down" }; };
        const expect = fromStackOutputs({ kubeconfig: "x", versions: { k3s: "v1.33.5+k3s1", cilium: "1.18.4" } }).expect;
        assert.strictEqual(expect.gatewayApi, false);
        const names = runChecks(exec, "/nonexistent", expect).map(r => r.name);
        assert.ok(!names.includes("Gateway API CRDs") && !calls.includes("get crd -o json"), names.join(", "));
        const withCrds = fromStackOutputs({ kubeconfig: "x", versions: { gatewayApi: "v1.2.0" } }).expect;
        assert.ok(runChecks(exec, "/nonexistent", withCrds).some(r => r.name === "Gateway API CRDs"));
    });
});
