/**
 * `npm run restore -- --stack <stack> --snapshot <name> [--yes]`: restores the stack's cluster from an etcd snapshot
 * along k3s' documented cluster-reset path (docs.k3s.io/cli/etcd-snapshot, "Restoring a Cluster from a Snapshot"):
 * stop k3s on every server; on the first server `k3s server --cluster-reset --cluster-reset-restore-path=<snapshot>`;
 * start it; then every other server, one at a time, moves its old etcd data aside and rejoins. Each step is
 * components/k3s/scripts/restore.sh, sent over SSH on stdin. The token is not touched: config.yaml keeps the stack's
 * original server token, which the snapshot needs. Without --yes it prints the plan and changes nothing.
 * Node addresses and the SSH key come from the stack's outputs (Pulumi Automation API, as scripts/ephemeral.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseCli, runCli, UsageError } from "../tools/cli";

export const USAGE = "npm run restore -- --stack <stack> --snapshot <snapshot name or path> [--yes] [--timeout <seconds>]";

export interface RestoreArgs {
    stack: string;
    snapshot: string;
    /** Without it: print the plan only. */
    yes: boolean;
    /** Bound of each step on the node (restore.sh enforces it). */
    timeoutSeconds: number;
}

export function parseRestoreArgs(argv: readonly string[]): RestoreArgs {
    const { values } = parseCli(argv, {
        stack: { type: "string" }, snapshot: { type: "string" }, yes: { type: "boolean" }, timeout: { type: "string" },
    }, USAGE);
    if (!values.stack) throw new UsageError("--stack is required", USAGE);
    if (!values.snapshot) throw new UsageError("--snapshot is required (list them on a server: k3s etcd-snapshot ls)", USAGE);
    if (!/^[A-Za-z0-9._/:-]+$/.test(values.snapshot)) throw new UsageError(`--snapshot ${JSON.stringify(values.snapshot)} is not a snapshot name or path`, USAGE);
    const timeout = values.timeout === undefined ? 600 : Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout < 30 || timeout > 3600) throw new UsageError(`--timeout ${values.timeout} is not a whole number of seconds in 30-3600`, USAGE);
    return { stack: values.stack, snapshot: values.snapshot, yes: values.yes === true, timeoutSeconds: timeout };
}

/** A server as the stack output `nodes` lists it. */
export interface RestoreNode {
    name: string;
    role: string;
    sshAddress: string;
    sshPort?: number;
    sshUser?: string;
}

export interface RestoreStep {
    node: RestoreNode;
    /** restore.sh arguments. */
    args: (string | number)[];
    what: string;
}

/**
 * The steps in order: stop every server (the joiners first, the first server last, so no member keeps serving a
 * datastore that is about to be replaced), reset the first server, start it, then each other server rejoins.
 */
export function restorePlan(nodes: readonly RestoreNode[], snapshot: string, timeout: number): RestoreStep[] {
    const servers = nodes.filter(n => n.role === "server");
    if (!servers.length) throw new Error("the stack output nodes lists no server: is the stack deployed?");
    const [first, ...others] = servers;
    return [
        ...[...others, first].map(node => ({ node, args: ["stop", node.name, timeout], what: `stop k3s on ${node.name}` })),
        { node: first, args: ["reset", first.name, snapshot, timeout], what: `reset ${first.name} to snapshot ${snapshot}` },
        { node: first, args: ["start", first.name, timeout], what: `start k3s on ${first.name}` },
        ...others.map(node => ({ node, args: ["rejoin", node.name, timeout], what: `${node.name} moves its old etcd data aside and rejoins` })),
    ];
}

/** How the operator reaches a node: Colima through its own CLI, Hetzner with the stack's key and pinned host keys. */
export type Access = { kind: "colima"; profile: string } | { kind: "ssh"; keyFile?: string; knownHostsFile?: string };

/** The argv that runs restore.sh (read from stdin) with `args` on `node`, as root. */
export function remoteInvocation(node: RestoreNode, access: Access, args: readonly (string | number)[]): string[] {
    const tail = ["sudo", "bash", "-s", "--", ...args.map(String)];
    if (access.kind === "colima") return ["colima", "ssh", "--profile", access.profile, "--", ...tail];
    return [
        "ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15",
        ...(access.knownHostsFile ? ["-o", `UserKnownHostsFile=${access.knownHostsFile}`, "-o", "StrictHostKeyChecking=yes"] : []),
        ...(access.keyFile ? ["-i", access.keyFile] : []),
        "-p", String(node.sshPort ?? 22), `${node.sshUser ?? "root"}@${node.sshAddress}`, ...tail,
    ];
}

export type Exec = (argv: string[], stdin: string) => { code: number; stderr: string };

/**
 * Runs the plan step by step and stops at the first failure, saying which step failed (the script's own one
 * line), what was done before it and what was not done, so nothing is left half-done unreported.
 */
export function runRestore(steps: readonly RestoreStep[], access: Access, script: string, exec: Exec, log: (line: string) => void): number {
    for (const [i, step] of steps.entries()) {
        log(`[${i + 1}/${steps.length}] ${step.what}`);
        const r = exec(remoteInvocation(step.node, access, step.args), script);
        if (r.code !== 0) {
            const reason = r.stderr.trim().split("\n").filter(Boolean).pop() ?? `exit ${r.code}`;
            log(`ERROR: step ${i + 1} failed: ${reason}`);
            log(`done: ${steps.slice(0, i).map(s => s.what).join("; ") || "nothing"}`);
            log(`not done: ${steps.slice(i).map(s => s.what).join("; ")}`);
            log("fix the cause and run the same command again: every step is idempotent");
            return 1;
        }
    }
    log("restored: the API answers on every server; run pulumi up, then npm run verify");
    return 0;
}

async function main(): Promise<number> {
    const args = parseRestoreArgs(process.argv.slice(2));
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const workDir = path.resolve(__dirname, "..");
    const stack = await LocalWorkspace.selectStack({ stackName: args.stack, workDir });
    const outputs = await stack.outputs();
    const config = await stack.getAllConfig();
    const nodes = (outputs.nodes?.value ?? []) as RestoreNode[];
    const steps = restorePlan(nodes, args.snapshot, args.timeoutSeconds);
    if (!args.yes) {
        steps.forEach((s, i) => console.log(`[${i + 1}/${steps.length}] ${s.what}`));
        console.log("plan only: add --yes to restore (the cluster's state since the snapshot is lost)");
        return 0;
    }
    const script = fs.readFileSync(path.join(workDir, "components", "k3s", "scripts", "restore.sh"), "utf8");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-cilium-restore-"));
    try {
        let access: Access;
        if ((config["k3s-cilium:provider"]?.value ?? "colima") === "colima") {
            access = { kind: "colima", profile: config["k3s-cilium:colimaProfile"]?.value ?? "k3s-cilium" };
        } else {
            const key = outputs.sshPrivateKey?.value as string | undefined;
            const known = outputs.sshKnownHosts?.value as string | undefined;
            if (key) fs.writeFileSync(path.join(dir, "key"), key, { mode: 0o600 });
            if (known) fs.writeFileSync(path.join(dir, "known_hosts"), known, { mode: 0o600 });
            access = { kind: "ssh", keyFile: key ? path.join(dir, "key") : undefined, knownHostsFile: known ? path.join(dir, "known_hosts") : undefined };
        }
        const exec: Exec = (argv, stdin) => {
            const r = spawnSync(argv[0], argv.slice(1), { input: stdin, encoding: "utf8", stdio: ["pipe", "inherit", "pipe"] });
            process.stderr.write(r.stderr ?? "");
            return { code: r.status ?? 1, stderr: r.stderr ?? "" };
        };
        return runRestore(steps, access, script, exec, line => console.log(line));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

if (require.main === module) runCli(main, "npm run restore");
