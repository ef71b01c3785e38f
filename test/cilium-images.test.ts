/**
 * The Cilium node images nodes pull while k3s comes up (components/cilium/images.ts): held equal to the images the
 * real pinned chart's per-node DaemonSets run with the program's values, and prefetch-images.sh under bash.
 */
import * as assert from "assert";
import { runProgram, stackConfig } from "./harness";
import { renderCilium } from "./chart";
import { CILIUM_NODE_IMAGES, nodeImages } from "../components/cilium/images";
import { validateConfig } from "../components/config";
import { PINNED_CILIUM_CHARTS } from "../components/config/versions";
import { sandbox, scriptPath } from "./shell";

const SCRIPT = scriptPath("k3s", "prefetch-images.sh");

describe("cilium node images: what every node prefetches is what the chart's DaemonSets run", function () {
    this.timeout(180000);

    it("prod: the cilium and cilium-envoy DaemonSets of the rendered 1.18.4 chart use exactly the pinned references", async () => {
        const g = await runProgram({ stack: "prod" });
        const objects = await renderCilium(g.get("cilium", "kubernetes:helm.sh/v4:Chart").inputs.values);
        const daemonSets = objects.filter(o => o.kind === "DaemonSet");
        assert.deepStrictEqual(daemonSets.map(d => d.metadata.name).sort(), ["cilium", "cilium-envoy"], "every per-node workload is covered");
        const images = new Set(daemonSets.flatMap(d => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers])
            .map((c: { image: string }) => c.image));
        assert.deepStrictEqual([...images].sort(), [...CILIUM_NODE_IMAGES["1.18.4"]].sort());
    });

    it("every pinned chart version has its node image list (a version pinned without one would silently prefetch nothing)", () => {
        assert.deepStrictEqual(Object.keys(CILIUM_NODE_IMAGES).sort(), Object.keys(PINNED_CILIUM_CHARTS).sort(),
            "pin the new version's cilium and cilium-envoy references (as its chart renders them) in components/cilium/images.ts");
    });

    it("nothing is prefetched when ciliumValues sets an image (the chart would run another reference)", () => {
        const config = (overrides: Record<string, unknown>) => {
            const r = validateConfig(stackConfig("prod", overrides), { stack: "prod", hcloudTokenSet: true });
            if (!r.ok) throw new Error(r.errors.join("\n"));
            return r.config;
        };
        assert.deepStrictEqual(nodeImages(config({})), CILIUM_NODE_IMAGES["1.18.4"]);
        assert.deepStrictEqual(nodeImages(config({ ciliumValues: { envoy: { image: { override: "mirror/envoy:x" } } } })), []);
    });
});

describe("prefetch-images.sh", () => {
    // k3s crictl: `info` answers once $STUB_DIR/up exists; `pull` logs, and fails for an image named "bad".
    const K3S = `if [ "$2" = info ]; then [ -f "$STUB_DIR/up" ]; exit; fi
log "k3s $*"; [ "$3" != bad ]`;

    it("foreground: pulls every image once the runtime answers; a failed pull is one line and not a failure", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        require("fs").writeFileSync(`${sb.dir}/up`, "");
        const r = sb.run(SCRIPT, ["n1", "foreground", 30, "img-a@sha256:1", "bad"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), ["k3s crictl pull img-a@sha256:1", "k3s crictl pull bad"]);
        assert.strictEqual(r.stdout, "n1: prefetch: pulled img-a@sha256:1\nn1: prefetch: could not pull bad (exit 1); the kubelet pulls it when the pod starts\n");
    });

    it("foreground: a runtime that never answers ends at the bound, pulls nothing, and does not fail", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        const r = sb.run(SCRIPT, ["n1", "foreground", 0, "img-a@sha256:1"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), []);
        assert.match(r.stdout, /did not answer within 0s; nothing pulled/);
    });

    it("background: hands the same script (as sent) to a transient systemd unit and returns; the unit pulls", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        require("fs").writeFileSync(`${sb.dir}/up`, "");
        // systemd-run <4 options> <command...>: record the options, then run the command as the unit would.
        sb.stub("systemd-run", `log "systemd-run $1 $2 $3 $4 $5"; shift 5; "$@" >> "$STUB_DIR/unit.log"`);
        const r = sb.run(SCRIPT, ["n1", "background", 30, "img-a@sha256:1"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout, "n1: prefetch: pulling 1 image(s) in the background (journalctl -u k3s-cilium-prefetch)\n");
        assert.deepStrictEqual(sb.calls(), ["systemd-run --collect --no-block --quiet --unit k3s-cilium-prefetch", "k3s crictl pull img-a@sha256:1"]);
        assert.strictEqual(require("fs").readFileSync(`${sb.dir}/unit.log`, "utf8"), "n1: prefetch: pulled img-a@sha256:1\n");
    });

    it("background: a unit that cannot start (one still running) is one line, not a failure", () => {
        const sb = sandbox();
        sb.stub("systemd-run", "exit 1");
        const r = sb.run(SCRIPT, ["n1", "background", 30, "img-a@sha256:1"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /could not start k3s-cilium-prefetch \(one may still be running/);
    });
});
