/**
 * Third-party files the program has fetched at deploy time (Cilium chart archive, Gateway API CRDs), checked
 * against the SHA-256 pinned in components/config/versions.ts before anything uses them.
 *
 * How it is used: the program downloads each file itself (or reads it from a mirror) and compares digests; only
 * bytes that match are written, content-addressed, to `./.cache/artifacts/<sha256>-<file>` (git-ignored), and only
 * then does the resource's input resolve to that relative path (helm.v4.Chart `chart`, yaml.v2.ConfigFile `file`).
 * So the kubernetes provider applies exactly the verified bytes and fetches nothing itself:
 * - The provider process runs in the program's working directory (pulumi/pulumi sdk/go/common/resource/plugin/
 *   plugin.go `execPlugin`: `cmd.Dir = pwd`; the Pulumi.yaml directory, as this project sets no `main`), and so does
 *   the program: the same relative path names the same file for both, and the input is the same string on every
 *   machine and run (no diff).
 * - ConfigFile reads a non-URL `file` with os.ReadFile (pulumi/pulumi-kubernetes@9497796 provider/pkg/provider/
 *   yaml/v2/yaml.go `Parse`); a URL (with a scheme) would be fetched with http.Get instead.
 * - helm.v4.Chart gives `chart` to Helm's LocateChart (pulumi-kubernetes provider/pkg/helm/tool.go `runInstall`,
 *   helm.sh/helm/v3 v3.20.2 pkg/action/install.go): with no repository URL an existing path is used as is, and a
 *   path starting with "." that does not exist is an error, never a download. Hence no `repositoryOpts` and no
 *   `version` (not consulted for a local archive) on the chart.
 * A mismatch fails the preview or update with one line naming the artifact, the expected and the actual digest,
 * before anything is written. Each run downloads and checks again and rewrites the file (atomically).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { OneLineError } from "./one-line-error";

export interface PinnedArtifact {
    /** What it is, for the error line: "Cilium chart 1.18.4", "Gateway API v1.2.0 standard/…_gateways.yaml". */
    readonly name: string;
    readonly url: string;
    readonly sha256: string;
    /** Where a mirror holds it (same layout as ../shared/upstream), e.g. "cilium/1.18.4/cilium-1.18.4.tgz". */
    readonly mirrorPath: string;
}

/**
 * A directory laid out like ../shared/upstream to read artifacts from instead of their URLs (air-gapped runs,
 * tests). The file is checked against the pinned digest all the same.
 */
export const ARTIFACT_MIRROR_ENV = "K3S_CILIUM_ARTIFACT_MIRROR";

export function sha256(bytes: Uint8Array): string {
    return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** Pure: the one-line refusal for a digest mismatch, or undefined when the bytes are the pinned ones. */
export function digestMismatch(a: PinnedArtifact, actual: string): string | undefined {
    return actual === a.sha256 ? undefined
        : `${a.name} (${a.url}): SHA-256 ${actual}, expected ${a.sha256} (pinned in components/config/versions.ts); refusing to use it. ` +
          `Fix: a mirror ($${ARTIFACT_MIRROR_ENV}) or proxy serving another file: repair it; the official file really changed: ` +
          `check its provenance, then update the pin in components/config/versions.ts (and ../shared/upstream/SHA256SUMS in CI)`;
}

async function download(a: PinnedArtifact, mirror: string | undefined): Promise<Uint8Array> {
    if (mirror) {
        const file = path.join(mirror, a.mirrorPath);
        try {
            return fs.readFileSync(file);
        } catch (e) {
            throw new Error(`${a.name}: not in $${ARTIFACT_MIRROR_ENV} (${file}: ${(e as Error).message})`);
        }
    }
    const res = await fetch(a.url).catch((e: Error) => { throw new Error(`${a.name}: downloading ${a.url} failed: ${e.message}`); });
    if (!res.ok) throw new Error(`${a.name}: downloading ${a.url}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
}

const verified = new Map<string, Promise<Uint8Array>>();

/** Downloads (or reads from the mirror) and checks an artifact once per process; rejects with the one-line refusal. */
function verifiedBytes(a: PinnedArtifact, mirror: string | undefined): Promise<Uint8Array> {
    const key = `${mirror ?? ""}|${a.url}|${a.sha256}`;
    let p = verified.get(key);
    if (!p) {
        p = download(a, mirror).then(bytes => {
            const problem = digestMismatch(a, sha256(bytes));
            if (problem) throw new OneLineError(problem);
            return bytes;
        });
        verified.set(key, p);
    }
    return p;
}

/** Where verified artifacts are written, relative to the program's (and the provider's) working directory. */
export const ARTIFACT_CACHE_DIR = ".cache/artifacts";

/** Pure: the content-addressed relative path the provider reads an artifact from, e.g. `./.cache/artifacts/<sha256>-cilium-1.18.4.tgz`. */
export function artifactPath(a: PinnedArtifact): string {
    return `./${ARTIFACT_CACHE_DIR}/${a.sha256}-${path.posix.basename(a.mirrorPath)}`;
}

const written = new Map<string, Promise<string>>();

/**
 * Checks the artifact, then writes exactly those bytes to its content-addressed path under `baseDir` (write to a
 * temporary file, then rename: a reader never sees half a file) and resolves to the relative path (artifactPath).
 * Nothing is written for bytes that do not match.
 */
export function verifiedArtifactFile(a: PinnedArtifact, opts: { mirror?: string; baseDir?: string } = {}): Promise<string> {
    const mirror = "mirror" in opts ? opts.mirror : process.env[ARTIFACT_MIRROR_ENV];
    const rel = artifactPath(a);
    const file = path.resolve(opts.baseDir ?? process.cwd(), rel);
    const key = `${mirror ?? ""}|${file}`;
    let p = written.get(key);
    if (!p) {
        p = verifiedBytes(a, mirror).then(bytes => {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, bytes);
            fs.renameSync(tmp, file);
            return rel;
        });
        written.set(key, p);
    }
    return p;
}
