/**
 * Third-party files the program has fetched at deploy time (Cilium chart archive, Gateway API CRDs), checked
 * against the SHA-256 pinned in components/config/versions.ts before anything uses them.
 *
 * How it is used: the program downloads each file itself and compares digests; only a file that matches lets the
 * resource that uses it resolve its input (the chart's `version`, a CRD's `file` URL). A mismatch fails the
 * preview or update with one line naming the artifact, the expected and the actual digest. What remains: the
 * kubernetes provider then fetches the same URL again itself, so a file swapped between the two fetches (seconds)
 * would not be caught; the pinned URLs are versioned release files, and each run re-checks them.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

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
        : `${a.name} (${a.url}): SHA-256 ${actual}, expected ${a.sha256} (pinned in components/config/versions.ts); refusing to use it`;
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

const verified = new Map<string, Promise<void>>();

/** Downloads (or reads from the mirror) and checks an artifact once per process; rejects with the one-line refusal. */
export function verifyArtifact(a: PinnedArtifact, mirror = process.env[ARTIFACT_MIRROR_ENV]): Promise<void> {
    const key = `${mirror ?? ""}|${a.url}|${a.sha256}`;
    let p = verified.get(key);
    if (!p) {
        p = download(a, mirror).then(bytes => {
            const problem = digestMismatch(a, sha256(bytes));
            if (problem) throw new Error(problem);
        });
        verified.set(key, p);
    }
    return p;
}
