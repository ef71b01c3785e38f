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
 * than the pinned one, and has no opinion when ssh-keyscan is missing or the node never answers. Every command still
 * verifies the key itself (`connection.hostKey`). Not run in preview or where the program is evaluated without
 * touching this machine (tests, `npm run render`: K3S_CILIUM_SKIP_HOST_TOOLS).
 *
 * A NEW server is still booting when its first command is due (cloud-init installs the pinned key before sshd
 * accepts, components/nodes/hetzner.ts), so one look would see nothing and a wrong key there (cloud-init failed,
 * someone in the path) would again surface only after the provider's ~9.5 min of dials. So a node whose machine is
 * powered on (`SshConnection.poweredOn`: Hetzner status "running") is looked at again every
 * HOST_KEY_PROBE_INTERVAL_SECONDS until it answers or the budget passes (`nextProbeStep`); the budget is
 * HOST_KEY_WAIT_SECONDS (components/shared/remote.ts), the time a booting server's sshd gets to answer.
 * Costs: a node that answers costs nothing extra (the first command then connects at once instead of dialing through
 * the same boot), so on day 2, when every node answers at once, an `up` takes no longer. A node that never answers
 * (powered on but hung, or SSH filtered from this machine) costs at most the budget, once per run, then falls back
 * to no verdict (its commands then dial as before). A machine known to be off is not waited for (Hetzner status
 * other than "running"; Colima: never, its host key was read over `colima ssh` after the start, so sshd answered
 * already, and a stopped VM does not start by waiting).
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { SKIP_HOST_TOOLS_ENV } from "../nodes/host-tools";
import { OneLineError } from "./one-line-error";

/** How the node got its pinned key, which decides the fix the mismatch line gives. */
export type HostKeyOrigin = "hetzner" | "colima";

/** Seconds ssh-keyscan waits for a node per look (its default too). */
export const HOST_KEY_SCAN_TIMEOUT_SECONDS = 5;

/** Seconds between two looks at a powered-on node that has not answered yet. */
export const HOST_KEY_PROBE_INTERVAL_SECONDS = 3;

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
    /** The machine is powered on, so no answer may be a boot in progress: wait for it (within the budget). */
    poweredOn?: boolean;
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

/** What a scanner returns when it cannot look at all (ssh-keyscan missing): no opinion, and no point in retrying. */
export const SCANNER_MISSING = Symbol("ssh-keyscan missing");

/** Reads a node's presented ed25519 key; undefined when it does not answer (yet), SCANNER_MISSING when it cannot look. */
export type HostKeyScanner = (host: string, port: number) => Promise<string | undefined | typeof SCANNER_MISSING>;

/** Longest one look takes: ssh-keyscan's own timeout plus a margin for the process itself. */
export const HOST_KEY_ATTEMPT_SECONDS = HOST_KEY_SCAN_TIMEOUT_SECONDS + 5;

/** The default scanner: ssh-keyscan, bounded by HOST_KEY_ATTEMPT_SECONDS. */
export const sshKeyscan: HostKeyScanner = (host, port) => new Promise(resolve => {
    execFile("ssh-keyscan", ["-T", String(HOST_KEY_SCAN_TIMEOUT_SECONDS), "-t", "ed25519", "-p", String(port), host],
        { timeout: HOST_KEY_ATTEMPT_SECONDS * 1000 },
        (err, stdout) => resolve((err as NodeJS.ErrnoException | null)?.code === "ENOENT" ? SCANNER_MISSING
            : err && !stdout ? undefined : presentedKey(String(stdout))));
});

/** How long a powered-on node that has not answered is looked at again. */
export interface ProbePolicy {
    /** Seconds from the first look after which no new look starts. */
    budgetSeconds: number;
    intervalSeconds: number;
    /** Longest one look takes (ssh-keyscan's timeout and the process margin): a look never starts past the budget. */
    attemptSeconds: number;
}

/** The policy for a budget, with the default interval and ssh-keyscan's bound per look. */
export function probePolicy(budgetSeconds: number): ProbePolicy {
    return { budgetSeconds, intervalSeconds: HOST_KEY_PROBE_INTERVAL_SECONDS, attemptSeconds: HOST_KEY_ATTEMPT_SECONDS };
}

export type ProbeStep = { action: "judge" } | { action: "retry"; afterSeconds: number } | { action: "no-verdict" };

/**
 * Pure: after a look, judge the presented key, look again after the interval, or give up with no verdict. Looks
 * again only at a powered-on machine, with a scanner, and when the next look would still end within the budget.
 */
export function nextProbeStep(
    look: { result: string | undefined | typeof SCANNER_MISSING; poweredOn: boolean; elapsedSeconds: number }, p: ProbePolicy,
): ProbeStep {
    if (typeof look.result === "string") return { action: "judge" };
    if (look.result === SCANNER_MISSING || !look.poweredOn) return { action: "no-verdict" };
    if (look.elapsedSeconds + p.intervalSeconds + p.attemptSeconds > p.budgetSeconds) return { action: "no-verdict" };
    return { action: "retry", afterSeconds: p.intervalSeconds };
}

export interface ProbeClock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

const realClock: ProbeClock = { now: () => Date.now(), sleep: ms => new Promise(r => setTimeout(r, ms)) };

/** Looks at the node until nextProbeStep says stop: the presented key, or undefined (no verdict). */
export async function probeHostKey(
    scanner: HostKeyScanner, t: HostKeyTarget, p: ProbePolicy, clock: ProbeClock = realClock, onWait: (line: string) => void = () => undefined,
): Promise<string | undefined> {
    const start = clock.now();
    for (let looks = 1; ; looks++) {
        const result = await scanner(t.host, t.port);
        const step = nextProbeStep({ result, poweredOn: t.poweredOn === true, elapsedSeconds: (clock.now() - start) / 1000 }, p);
        if (step.action === "judge") return result as string;
        if (step.action === "no-verdict") return undefined;
        if (looks === 1) onWait(`${t.node}: no SSH answer at ${t.host}:${t.port} yet (booting?): looking for its host key every ${p.intervalSeconds} s for up to ${p.budgetSeconds} s`);
        await clock.sleep(step.afterSeconds * 1000);
    }
}

let scannerOverride: { scanner: HostKeyScanner; policy?: Partial<ProbePolicy> } | undefined;
const checks = new Map<string, Promise<void>>();

/** For tests: scan with this (also under mocks) and these timings instead of ssh-keyscan; undefined restores the default. */
export function setHostKeyScanner(scanner: HostKeyScanner | undefined, policy?: Partial<ProbePolicy>): void {
    scannerOverride = scanner && { scanner, policy };
    checks.clear();
}

function activeScanner(env: NodeJS.ProcessEnv): HostKeyScanner | undefined {
    if (pulumi.runtime.isDryRun()) return undefined;
    if (scannerOverride) return scannerOverride.scanner;
    return env[SKIP_HOST_TOOLS_ENV] === "1" ? undefined : sshKeyscan;
}

/**
 * Resolves to the pinned key once the node has not presented another one (once per node, address and key per
 * process; a powered-on node that does not answer yet is waited for up to `waitSeconds`); rejects with the one-line
 * refusal otherwise.
 */
export function checkedHostKey(t: HostKeyTarget, pinned: string, waitSeconds: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const scanner = activeScanner(env);
    if (!scanner) return Promise.resolve(pinned);
    const key = `${t.host}|${t.port}|${keyOf(pinned)}`;
    let check = checks.get(key);
    if (!check) {
        const policy = { ...probePolicy(waitSeconds), ...scannerOverride?.policy };
        check = probeHostKey(scanner, t, policy, realClock, line => pulumi.log.info(line)).then(presented => {
            const problem = hostKeyMismatch(t, pinned, presented);
            if (problem) throw new OneLineError(problem);
        });
        checks.set(key, check);
    }
    return check.then(() => pinned);
}
