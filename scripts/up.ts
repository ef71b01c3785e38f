/**
 * npm run up -- --stack <stack> [-- <pulumi up flags>]
 *
 * `pulumi up` with the prerequisites checked first, each missing one named with how to get it (all at once): the
 * Pulumi CLI, a Node.js the program accepts (inside `npm run`, node_modules/.bin/node from `npm ci` is first on
 * PATH, so Pulumi's language host finds that one), and for Colima stacks colima and QEMU. It also says, before
 * Pulumi asks, that the local file backend wants the passphrase that encrypts the stack's secrets.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { findOnPath } from "../components/nodes/ssh-config";
import { nodeVersionProblem, requiredNode } from "../components/shared/node-version";
import { parseCli, runCli, UsageError } from "../tools/cli";
import { recommendedParallel } from "./parallel";
import { listStacks, ROOT, stackConfig } from "../tools/stack-file";

export const PULUMI_INSTALL_HINT = "install it: `curl -fsSL https://get.pulumi.com | sh` (Linux, macOS) or `brew install pulumi/tap/pulumi` " +
    "(macOS), then open a new shell (https://www.pulumi.com/docs/install/)";

/** What the checks look at; the real ones read this machine, the tests pass their own. */
export interface UpHost {
    env: NodeJS.ProcessEnv;
    /** stdin is a terminal (Pulumi can prompt for the passphrase). */
    interactive: boolean;
    exists(file: string): boolean;
    /** `node --version` of a node binary, or undefined when it does not run. */
    nodeVersion(file: string): string | undefined;
    /** colima/QEMU problems for the stack's validated config (components/nodes hostToolProblems). */
    hostTools(): string[];
}

/**
 * The passphrase Pulumi's passphrase secrets provider needs: PULUMI_CONFIG_PASSPHRASE if set (even empty), else the
 * file in PULUMI_CONFIG_PASSPHRASE_FILE (pulumi/pulumi pkg/secrets/passphrase/manager.go getConfigPassphrase,
 * commit ec7e8c0d30106aab5441c8302fe297401a5599cd); without either, Pulumi prompts, or fails when it cannot.
 */
function passphraseSet(env: NodeJS.ProcessEnv): boolean {
    return "PULUMI_CONFIG_PASSPHRASE" in env || "PULUMI_CONFIG_PASSPHRASE_FILE" in env;
}

/** Problems that stop `npm run up`, and notes printed before Pulumi runs. Pure given the host. */
export function upChecks(host: UpHost, required: string): { problems: string[]; notes: string[] } {
    const problems: string[] = [];
    const notes: string[] = [];
    if (!findOnPath("pulumi", host.env.PATH, host.exists)) problems.push(`the Pulumi CLI is not on PATH: ${PULUMI_INSTALL_HINT}`);
    const node = findOnPath("node", host.env.PATH, host.exists);
    const version = node && host.nodeVersion(node);
    if (!node || !version) problems.push(`no working node on PATH: run \`npm ci\` (it installs Node.js 22 in node_modules/.bin), or install Node.js ${required}`);
    else {
        const tooOld = nodeVersionProblem({ version, execPath: node }, required);
        if (tooOld) problems.push(tooOld);
    }
    problems.push(...host.hostTools());
    const fileBackend = !host.env.PULUMI_BACKEND_URL || host.env.PULUMI_BACKEND_URL.startsWith("file://");
    if (fileBackend && !passphraseSet(host.env)) {
        const how = "export PULUMI_CONFIG_PASSPHRASE_FILE=<file holding it> (or PULUMI_CONFIG_PASSPHRASE), " +
            "or use another secrets provider (pulumi stack init --secrets-provider …)";
        if (host.interactive) {
            notes.push(`Pulumi will ask for the passphrase that encrypts this stack's secrets (local file backend); keep it safe — without it the stack's secrets are lost. To skip the prompt: ${how}`);
        } else {
            problems.push(`no passphrase for the stack's secrets and no terminal to ask for it: ${how}`);
        }
    }
    return { problems, notes };
}

export const USAGE = "npm run up -- --stack <stack> [-- <pulumi up flags>]";

export function upArgs(argv: readonly string[], stacks: readonly string[]): { stack: string; pulumiArgs: string[] } {
    const split = argv.indexOf("--");
    const own = split < 0 ? argv : argv.slice(0, split);
    const { values } = parseCli(own, { stack: { type: "string" } }, USAGE);
    if (!values.stack) throw new UsageError("--stack is required", USAGE);
    if (!stacks.includes(values.stack)) throw new UsageError(`--stack ${JSON.stringify(values.stack)}: no Pulumi.${values.stack}.yaml in the project; accepted: ${stacks.join(", ")}`, USAGE);
    return { stack: values.stack, pulumiArgs: split < 0 ? [] : argv.slice(split + 1) };
}

/**
 * `--parallel` for the stack's machine count (scripts/parallel.ts, README "Performance"), unless the caller chose:
 * a `--parallel`/`-p` flag of their own (pulumi/pulumi pkg/cmd/pulumi/operations/up.go: `-p, --parallel`), or
 * PULUMI_PARALLEL, which the CLI reads when no flag is given (since 3.154.0, #18782). Without it, Pulumi's default
 * of 4 × cores queues a large cluster's machine creates behind each other (3+97: 681 s at 8 slots, 250 s at 105).
 * Pure; `nodes` undefined (config not valid: the program reports it) leaves the arguments as they are.
 */
export function withParallel(pulumiArgs: readonly string[], env: NodeJS.ProcessEnv, nodes: number | undefined, cpus: number): { args: string[]; note?: string } {
    const chosen = pulumiArgs.some(a => /^(--parallel|-p)(=|$)|^-p[0-9]+$/.test(a)) || env.PULUMI_PARALLEL !== undefined;
    if (chosen || nodes === undefined) return { args: [...pulumiArgs] };
    const parallel = recommendedParallel(nodes, cpus);
    return {
        args: [...pulumiArgs, "--parallel", String(parallel)],
        note: `--parallel ${parallel} (${nodes} machines + 8, at least Pulumi's default 4 × ${cpus} cores): every machine create and SSH command holds a slot while it waits; pass --parallel yourself (after --) or set PULUMI_PARALLEL to choose`,
    };
}

/** colima/QEMU problems for a Colima stack and the machine count, when its config is valid (otherwise the program reports the config). */
async function stackFacts(stack: string): Promise<{ tools: string[]; nodes?: number }> {
    const { validateConfig } = await import("../components/config");
    const { hostToolProblems } = await import("../components/nodes/host-tools");
    const r = validateConfig(stackConfig(stack), { stack, hcloudTokenSet: true });
    return r.ok
        ? { tools: hostToolProblems(r.config, process.env.PATH, executable), nodes: r.config.nodes.controlPlaneCount + r.config.nodes.workerCount }
        : { tools: [] };
}

function executable(file: string): boolean {
    try { fs.accessSync(file, fs.constants.X_OK); return fs.statSync(file).isFile(); } catch { return false; }
}

if (require.main === module) {
    runCli(async () => {
        const args = upArgs(process.argv.slice(2), listStacks(ROOT));
        const { tools, nodes } = await stackFacts(args.stack);
        const { problems, notes } = upChecks({
            env: process.env, interactive: process.stdin.isTTY === true, exists: executable, hostTools: () => tools,
            nodeVersion: f => { const r = spawnSync(f, ["--version"], { encoding: "utf8" }); return r.status === 0 ? r.stdout.trim() : undefined; },
        }, requiredNode(ROOT));
        for (const p of problems) console.error(`npm run up: ${p}`);
        if (problems.length) return 1;
        const parallel = withParallel(args.pulumiArgs, process.env, nodes, os.availableParallelism());
        for (const n of [...notes, ...(parallel.note ? [parallel.note] : [])]) console.log(`npm run up: ${n}`);
        const r = spawnSync("pulumi", ["up", "--stack", args.stack, ...parallel.args], { stdio: "inherit", cwd: ROOT });
        return r.status ?? 1;
    }, "npm run up");
}
