/**
 * A quick look at the SSH host key a node presents, before any remote command dials it, so an unknown key stops
 * `pulumi up` within seconds with one line naming the node, the address and the fix.
 *
 * Why here and not in the provider: pulumi-command v1.2.1 (pulumi/pulumi-command tag v1.2.1, commit 7f3eb6f,
 * provider/pkg/provider/remote/connection.go) retries EVERY dial error the same way in `dialWithRetry`, a host key
 * mismatch included (`ssh.FixedHostKey` fails the handshake; the Acceptor only counts attempts), backing off
 * 0.1 s × 1.5^n up to 5 s (pulumi/pulumi sdk/go/common/util/retry/until.go), and reports
 * "after N failed attempts: ssh: handshake failed: ssh: host key mismatch" only at `dialErrorLimit`: ~9.5 min for
 * the first command of a node (120 dials, components/shared/remote.ts), which must wait that long for a booting
 * server's sshd. Pulumi's `onError` hooks (@pulumi/pulumi 3.270 resource.d.ts `ResourceHookBinding.onError`) run
 * only after the provider has given up, and registering one fails the whole program on a CLI without error-hook
 * support (runtime/resource.js `registerErrorHook`: "The Pulumi CLI does not support error hooks"), so they neither
 * shorten the wait nor suit a program that asks only for "Pulumi CLI 3.x".
 *
 * The look is `ssh-keyscan` (OpenSSH; ssh-keyscan(1) of OpenSSH 9.2p1: `-t type` the key type to fetch, `-p port`,
 * `-T timeout` seconds). It is diagnosis only, never trust: it refuses when the node presents another ed25519 key
 * than the pinned one, and has no opinion when nothing answers in time (a server still booting: cloud-init installs
 * the pinned key before sshd accepts, components/nodes/hetzner.ts) or when ssh-keyscan is missing. Every command
 * still verifies the key itself (`connection.hostKey`). Not run in preview or where the program is evaluated without
 * touching this machine (tests, `npm run render`: K3S_CILIUM_SKIP_HOST_TOOLS).
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { SKIP_HOST_TOOLS_ENV } from "../nodes/host-tools";
import { OneLineError } from "./one-line-error";

/** How the node got its pinned key, which decides the fix the mismatch line gives. */
export type HostKeyOrigin = "hetzner" | "colima";

/** Seconds ssh-keyscan waits for a node (its default too): a booting node costs at most this, once per run. */
export const HOST_KEY_SCAN_TIMEOUT_SECONDS = 5;

/** The key type pinned everywhere (Hetzner: generated ED25519; Colima: the guest's ssh_host_ed25519_key.pub). */
const KEY_TYPE = "ssh-ed25519";

/** `ssh-ed25519 AAAA… comment` → "ssh-ed25519 AAAA…" (type and blob), or undefined when it is not such a line. */
export function keyOf(line: string): string | undefined {
    const [type, blob] = line.trim().split(/\s+/);
    return type && blob && /^[A-Za-z0-9+/]+=*$/.test(blob) ? `${type} ${blob}` : undefined;
}

/** OpenSSH's fingerprint of a public key: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
export function fingerprint(key: string): string {
    const blob = Buffer.from(key.trim().split(/\s+/)[1] ?? "", "base64");
    return "SHA256:" + crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/**
 * Pure: the ed25519 key in ssh-keyscan's output (lines "<host> <type> <base64>", "[host]:port" for another port;
 * comment lines start with "#"), or undefined when the node presented none.
 */
export function presentedKey(scanOutput: string): string | undefined {
    for (const line of scanOutput.split("\n")) {
        if (line.startsWith("#")) continue;
        const fields = line.trim().split(/\s+/);
        if (fields[1] === KEY_TYPE) return keyOf(fields.slice(1).join(" "));
    }
    return undefined;
}

export interface HostKeyTarget {
    node: string;
    host: string;
    port: number;
    origin?: HostKeyOrigin;
    /** URN of the node's machine, for `pulumi up --replace`. */
    machineUrn: string;
}

/** Pure: what to do about a node presenting another key, per origin (README "Troubleshooting"). */
export function hostKeyFix(t: HostKeyTarget): string {
    switch (t.origin) {
        case "hetzner":
            return "a server created before host keys were pinned: pulumi config set k3s-cilium:sshHostKeyAdoption true, pulumi up, " +
                "then pulumi config rm k3s-cilium:sshHostKeyAdoption; a server booted into rescue mode: " +
                `hcloud server reboot ${t.node} (Hetzner disables rescue mode after the first boot into it); ` +
                `a server rebuilt outside Pulumi: pulumi up --replace '${t.machineUrn}'; ` +
                "none of these: someone may be in the path, do not override the key";
        case "colima":
            return `something other than this stack's VM answers on ${t.host}:${t.port} (colima list); ` +
                `if the VM was recreated outside Pulumi: pulumi up --replace '${t.machineUrn}' (deletes the VM and its data, then creates it)`;
        default:
            return "check which machine answers at that address";
    }
}

/**
 * Pure: the one-line refusal when the node presents another key than the pinned one; undefined when it matches or
 * when it presented none (no opinion).
 */
export function hostKeyMismatch(t: HostKeyTarget, pinned: string, presented: string | undefined): string | undefined {
    if (presented === undefined || keyOf(pinned) === keyOf(presented)) return undefined;
    return `${t.node}: SSH host key mismatch at ${t.host}:${t.port}: it presents ${fingerprint(presented)}, this stack pinned ` +
        `${fingerprint(pinned)}; nothing was sent to it. Fix: ${hostKeyFix(t)}`;
}

/** Reads a node's presented ed25519 key; resolves undefined (no opinion) when it does not answer. */
export type HostKeyScanner = (host: string, port: number) => Promise<string | undefined>;

/** The default scanner: ssh-keyscan, bounded by its own timeout plus a margin for the process itself. */
export const sshKeyscan: HostKeyScanner = (host, port) => new Promise(resolve => {
    execFile("ssh-keyscan", ["-T", String(HOST_KEY_SCAN_TIMEOUT_SECONDS), "-t", "ed25519", "-p", String(port), host],
        { timeout: (HOST_KEY_SCAN_TIMEOUT_SECONDS + 5) * 1000 },
        (err, stdout) => resolve(err && !stdout ? undefined : presentedKey(String(stdout))));
});

let scannerOverride: HostKeyScanner | undefined;
const checks = new Map<string, Promise<void>>();

/** For tests: scan with this instead of ssh-keyscan (also under mocks); undefined restores the default. */
export function setHostKeyScanner(scanner: HostKeyScanner | undefined): void {
    scannerOverride = scanner;
    checks.clear();
}

function activeScanner(env: NodeJS.ProcessEnv): HostKeyScanner | undefined {
    if (pulumi.runtime.isDryRun()) return undefined;
    if (scannerOverride) return scannerOverride;
    return env[SKIP_HOST_TOOLS_ENV] === "1" ? undefined : sshKeyscan;
}

/**
 * Resolves to the pinned key once the node has not presented another one (once per node, address and key per
 * process); rejects with the one-line refusal otherwise.
 */
export function checkedHostKey(t: HostKeyTarget, pinned: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const scanner = activeScanner(env);
    if (!scanner) return Promise.resolve(pinned);
    const key = `${t.host}|${t.port}|${keyOf(pinned)}`;
    let check = checks.get(key);
    if (!check) {
        check = scanner(t.host, t.port).then(presented => {
            const problem = hostKeyMismatch(t, pinned, presented);
            if (problem) throw new OneLineError(problem);
        });
        checks.set(key, check);
    }
    return check.then(() => pinned);
}
