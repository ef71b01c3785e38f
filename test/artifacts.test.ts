/** Deploy-time artifacts (Cilium chart archive, Gateway API CRDs): pinned by SHA-256, checked by the program before use. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PINNED_CILIUM_CHARTS, PINNED_GATEWAY_API_CRDS } from "../components/config";
import { ciliumChartArtifact } from "../components/cilium";
import { gatewayApiCrds } from "../components/gateway-api";
import { ARTIFACT_MIRROR_ENV, artifactPath, digestMismatch, PinnedArtifact, sha256, verifiedArtifactFile } from "../components/shared/artifacts";
import { lastRecording, runProgram, SHARED_UPSTREAM, stackConfig } from "../tools/evaluate";

/** shared/upstream/SHA256SUMS: path → digest (the official files' digests, see its README). */
function upstreamSums(): Map<string, string> {
    const text = fs.readFileSync(path.join(SHARED_UPSTREAM, "SHA256SUMS"), "utf8");
    return new Map(text.trim().split("\n").map(l => l.split(/\s+/)).map(([h, p]) => [p.replace(/^\.\//, ""), h]));
}

describe("artifacts: pinned digests, checked before use", function () {
    this.timeout(120000);

    it("the provider gets exactly the verified bytes: each chart/CRD input is a local file holding the official file (both stacks)", async () => {
        const sums = upstreamSums();
        for (const stack of ["local", "prod"] as const) {
            const g = await runProgram({ stack });
            const chart = g.get("cilium", "kubernetes:helm.sh/v4:Chart");
            const fetched: PinnedArtifact[] = [ciliumChartArtifact(stackConfig(stack)["k3s-cilium:ciliumVersion"] as string)];
            assert.strictEqual(chart.inputs.repositoryOpts, undefined, "no repository: Helm must not look the chart up (a local path is used as is only without one)");
            const inputs = [chart.inputs.chart as string, ...g.ofType("kubernetes:yaml/v2:ConfigFile").map(r => r.inputs.file as string)];
            fetched.push(...gatewayApiCrds("v1.2.0").map(c => c.artifact));
            assert.deepStrictEqual(inputs, fetched.map(artifactPath), "content-addressed relative paths, in order");
            for (const [i, a] of fetched.entries()) {
                assert.match(inputs[i], /^\.\/\.cache\/artifacts\/[0-9a-f]{64}-[^/]+$/, "a relative path under the git-ignored cache: the same string on every machine");
                assert.strictEqual(a.sha256, sums.get(a.mirrorPath), `${a.name}: pinned digest vs SHA256SUMS`);
                assert.strictEqual(sha256(fs.readFileSync(inputs[i])), a.sha256, `${a.name}: the file the provider reads is the official one`);
            }
        }
    });

    it("every pin in components/config/versions.ts equals SHA256SUMS", () => {
        const sums = upstreamSums();
        for (const [v, files] of Object.entries(PINNED_GATEWAY_API_CRDS)) {
            for (const [file, digest] of Object.entries(files)) assert.strictEqual(digest, sums.get(`gateway-api/${v}/${file}`), `${v} ${file}`);
        }
        for (const [v, { sha256 }] of Object.entries(PINNED_CILIUM_CHARTS)) assert.strictEqual(sha256, sums.get(`cilium/${v}/cilium-${v}.tgz`), v);
    });

    describe("a file that does not match is refused with one line: artifact, actual and expected digest", () => {
        let mirror: string;
        before(() => {
            mirror = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-cilium-mirror-"));
            for (const crd of gatewayApiCrds("v1.2.0")) {
                fs.mkdirSync(path.dirname(path.join(mirror, crd.artifact.mirrorPath)), { recursive: true });
                fs.copyFileSync(path.join(SHARED_UPSTREAM, crd.artifact.mirrorPath), path.join(mirror, crd.artifact.mirrorPath));
            }
            fs.appendFileSync(path.join(mirror, "gateway-api/v1.2.0/standard/gateway.networking.k8s.io_httproutes.yaml"), "# tampered\n");
        });
        after(() => fs.rmSync(mirror, { recursive: true, force: true }));

        it("verifiedArtifactFile writes the untouched file and nothing for the changed one", async () => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-cilium-artifacts-"));
            try {
                const crds = gatewayApiCrds("v1.2.0");
                const gateways = crds.find(c => c.plural === "gateways")!.artifact;
                assert.strictEqual(await verifiedArtifactFile(gateways, { mirror, baseDir: out }), artifactPath(gateways));
                assert.deepStrictEqual(fs.readFileSync(path.join(out, artifactPath(gateways))), fs.readFileSync(path.join(mirror, gateways.mirrorPath)));
                const http = crds.find(c => c.plural === "httproutes")!.artifact;
                await assert.rejects(verifiedArtifactFile(http, { mirror, baseDir: out }), (e: Error) => {
                    assert.match(e.message, /^Gateway API v1\.2\.0 standard\/gateway\.networking\.k8s\.io_httproutes\.yaml \(https:\/\/raw\.githubusercontent\.com\/kubernetes-sigs\/gateway-api\/v1\.2\.0\/config\/crd\/standard\/gateway\.networking\.k8s\.io_httproutes\.yaml\): SHA-256 [0-9a-f]{64}, expected f8aff76af966cadfbf505776a5fb9f54f9ea3dccf3783c51468318e30d779416 \(pinned in components\/config\/versions\.ts\); refusing to use it\. Fix: a mirror \(\$K3S_CILIUM_ARTIFACT_MIRROR\) or proxy serving another file: repair it; the official file really changed: check its provenance, then update the pin in components\/config\/versions\.ts \(and \.\.\/shared\/upstream\/SHA256SUMS in CI\)$/);
                    assert.ok(!e.message.includes("\n"), "one line");
                    return true;
                });
                assert.deepStrictEqual(fs.readdirSync(path.join(out, ".cache/artifacts")), [path.basename(artifactPath(gateways))], "nothing else written");
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        });

        it("the program refuses before the provider gets the URL (the input's error fails the run)", async () => {
            // The chart archive, untouched, so only the CRD is refused.
            const chart = ciliumChartArtifact("1.18.4").mirrorPath;
            fs.mkdirSync(path.dirname(path.join(mirror, chart)), { recursive: true });
            fs.copyFileSync(path.join(SHARED_UPSTREAM, chart), path.join(mirror, chart));
            const saved = process.env[ARTIFACT_MIRROR_ENV];
            const failures: string[] = [];
            // Pulumi's Node runtime ends the program on an input that fails to resolve (an unhandled rejection with
            // this message); under mocks it surfaces as exactly that rejection.
            // What Pulumi's runner prints for a RunError: its message alone, no stack (cmd/run/run.js uncaughtHandler).
            const listener = (e: unknown) => { failures.push(pulumi.RunError.isInstance(e) ? e.message : `not a RunError: ${String(e)}`); };
            process.on("unhandledRejection", listener);
            process.env[ARTIFACT_MIRROR_ENV] = mirror;
            try {
                await runProgram({ stack: "local", overrides: { clusterName: "tampered-mirror" } }).catch(() => undefined);
                await new Promise(r => setTimeout(r, 200));
            } finally {
                if (saved === undefined) delete process.env[ARTIFACT_MIRROR_ENV]; else process.env[ARTIFACT_MIRROR_ENV] = saved;
                process.off("unhandledRejection", listener);
            }
            assert.ok(failures.length > 0, "the run must fail");
            const http = gatewayApiCrds("v1.2.0").find(c => c.plural === "httproutes")!.artifact;
            const line = digestMismatch(http, sha256(fs.readFileSync(path.join(mirror, http.mirrorPath))));
            assert.match(line!, /^Gateway API v1\.2\.0 standard\/gateway\.networking\.k8s\.io_httproutes\.yaml .*expected f8aff76a/);
            assert.deepStrictEqual([...new Set(failures)], [line], "exactly the one line (no serializer prefixes)");
            const registered = lastRecording().filter(r => r.name === "gateway-api-httproutes");
            assert.ok(registered.every(r => r.inputs.file === undefined), "the provider never received a path for the refused file");
        });
    });

    it("digestMismatch is silent on the pinned digest; an unpinned version has no digest to match", () => {
        const a = ciliumChartArtifact("1.18.4");
        assert.strictEqual(digestMismatch(a, a.sha256), undefined);
        assert.strictEqual(ciliumChartArtifact("1.17.0").sha256, "");
        assert.ok(gatewayApiCrds("v1.1.0").every(c => c.artifact.sha256 === ""));
    });
});
