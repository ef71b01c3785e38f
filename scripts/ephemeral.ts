/**
 * npm run ephemeral -- up|verify|destroy --name <n> [--keep] [--verify] [--allow <cidr>[,<cidr>]]
 *
 * Short-lived test clusters on the Pulumi Automation API: stack `eph-<n>`, the prod config scaled down (1 server +
 * 1 agent, cheapest server type, its own network CIDR). Output streams live. When `up` (or the verification after
 * it) fails, the stack is destroyed and removed (try/finally) unless --keep. Uses the Pulumi CLI on PATH; never
 * downloads one.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findOnPath } from "../components/nodes/ssh-config";
import { PROJECT } from "../components/config/keys";
import { hetznerLeftovers } from "./leftovers";
import { recommendedParallel } from "./parallel";
import { stackConfig } from "../tools/stack-file";
import { parseCli, runCli, UsageError } from "../tools/cli";

export interface EphemeralStack {
    setAllConfig(config: Record<string, { value: string; secret?: boolean }>): Promise<void>;
    up(opts: { onOutput: (out: string) => void; parallel?: number }): Promise<unknown>;
    destroy(opts: { onOutput: (out: string) => void; parallel?: number }): Promise<unknown>;
    outputs(): Promise<Record<string, { value: unknown }>>;
}

export interface EphemeralWorkspace {
    createOrSelectStack(name: string): Promise<EphemeralStack>;
    /** undefined when the stack does not exist. */
    selectStack(name: string): Promise<EphemeralStack | undefined>;
    removeStack(name: string): Promise<void>;
}

export interface EphemeralArgs {
    action: "up" | "verify" | "destroy";
    name: string;
    keep: boolean;
    verify: boolean;
    allow: string[];
}

export interface EphemeralDeps {
    workspace: () => Promise<EphemeralWorkspace>;
    /** Verifies a stack by name; throws or returns false on failure. */
    verify: (stack: string) => Promise<boolean>;
    log: (line: string) => void;
    findPulumi: () => string | undefined;
    /** What the Hetzner API still lists for the cluster after a destroy (scripts/leftovers.ts); absent: not checked. */
    leftovers?: (clusterName: string) => Promise<string[]>;
}

export const USAGE = "npm run ephemeral -- up|verify|destroy --name <n> [--keep] [--verify] [--allow <cidr>[,<cidr>]]";

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): EphemeralArgs {
    const { values, positionals } = parseCli(argv, {
        name: { type: "string", default: "" },
        keep: { type: "boolean", default: false },
        verify: { type: "boolean", default: false },
        allow: { type: "string" },
    }, USAGE, true);
    const [action, ...extra] = positionals;
    if (action !== "up" && action !== "verify" && action !== "destroy") {
        throw new UsageError(`action ${JSON.stringify(action ?? "")}: accepted: up, verify, destroy`, USAGE);
    }
    if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, USAGE);
    const name = values.name;
    const allow = (values.allow ?? env.EPHEMERAL_ALLOW_CIDRS ?? "").split(",").filter(Boolean);
    if (!/^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/.test(name)) {
        throw new UsageError(`--name ${JSON.stringify(name)}: accepted: 1-20 lowercase letters, digits and '-'`, USAGE);
    }
    if (action === "up" && allow.length === 0) {
        throw new UsageError("up needs the CIDRs allowed to reach SSH and the API: --allow <cidr> or EPHEMERAL_ALLOW_CIDRS", USAGE);
    }
    return { action, name, keep: values.keep, verify: values.verify, allow };
}

export const stackName = (name: string) => `eph-${name}`;

/** Pure: the ephemeral stack's config, from the prod stack file. Its own /16 keeps parallel test clusters apart. */
export function ephemeralConfig(name: string, allow: string[], prod: Record<string, string> = stackConfig("prod")): Record<string, string> {
    const octet = 100 + (parseInt(crypto.createHash("sha256").update(name).digest("hex").slice(0, 4), 16) % 100);
    const k = (key: string) => `${PROJECT}:${key}`;
    // Only prod's plain settings: never its Hetzner token (a test cluster uses HCLOUD_TOKEN of its own project, and
    // a stack token would win over it) and never a value encrypted with prod's passphrase.
    const plain = Object.fromEntries(Object.entries(prod).filter(([key, value]) => key !== "hcloud:token" && !/^\{\s*"secure"/.test(value)));
    return {
        ...plain,
        [k("clusterName")]: stackName(name),
        [k("controlPlaneCount")]: "1",
        [k("workerCount")]: "1",
        [k("operatorReplicas")]: "1",
        [k("controlPlaneServerType")]: "cx23",
        [k("workerServerType")]: "cx23",
        [k("nodeCidr")]: `10.${octet}.0.0/16`,
        [k("nodeSubnetCidr")]: `10.${octet}.1.0/24`,
        [k("sshAllowList")]: JSON.stringify(allow),
        [k("apiAllowList")]: JSON.stringify(allow),
        // A test cluster is destroyed at the end: protected servers would make pulumi destroy fail.
        [k("serverProtection")]: "false",
    };
}

/** Returns the process exit code. */
export async function runEphemeral(args: EphemeralArgs, deps: EphemeralDeps): Promise<number> {
    if (!deps.findPulumi()) {
        deps.log("ERROR: the Pulumi CLI is not on PATH; install it (https://www.pulumi.com/docs/install/) — this script never downloads one");
        return 1;
    }
    const ws = await deps.workspace();
    const name = stackName(args.name);
    const onOutput = (out: string) => deps.log(out.replace(/\n$/, ""));

    if (args.action === "destroy") {
        const stack = await ws.selectStack(name);
        if (!stack) {
            deps.log(`${name} does not exist; nothing to destroy`);
            return 0;
        }
        await stack.destroy({ onOutput });
        await ws.removeStack(name);
        deps.log(`${name} destroyed and removed`);
        if (!deps.leftovers) {
            deps.log("leftover check skipped: HCLOUD_TOKEN is not set");
            return 0;
        }
        const left = await deps.leftovers(name);
        if (left.length) {
            deps.log(`ERROR: ${name} left ${left.length} resource(s) in Hetzner Cloud (still billed): ${left.join("; ")}`);
            return 1;
        }
        deps.log(`${name}: nothing left in Hetzner Cloud`);
        return 0;
    }
    if (args.action === "verify") {
        return (await deps.verify(name)) ? 0 : 1;
    }

    const stack = await ws.createOrSelectStack(name);
    let succeeded = false;
    try {
        const config = ephemeralConfig(args.name, args.allow);
        await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value }])));
        // Explicit, not the CLI's 4 × cores: one slot per machine plus room (scripts/parallel.ts, README "Performance").
        const nodes = Number(config[`${PROJECT}:controlPlaneCount`]) + Number(config[`${PROJECT}:workerCount`]);
        await stack.up({ onOutput, parallel: recommendedParallel(nodes, os.availableParallelism()) });
        if (args.verify && !(await deps.verify(name))) throw new Error(`${name}: verification failed`);
        succeeded = true;
        deps.log(`${name} is up; destroy with: npm run ephemeral -- destroy --name ${args.name}`);
        return 0;
    } catch (e) {
        deps.log(`ERROR: ${(e as Error).message}`);
        return 1;
    } finally {
        if (!succeeded) {
            if (args.keep) {
                deps.log(`--keep: leaving ${name} for inspection; destroy with: npm run ephemeral -- destroy --name ${args.name}`);
            } else {
                deps.log(`destroying ${name} after the failure`);
                await stack.destroy({ onOutput }).catch(err => deps.log(`ERROR: destroy failed: ${(err as Error).message}`));
                await ws.removeStack(name).catch(err => deps.log(`ERROR: stack removal failed: ${(err as Error).message}`));
            }
        }
    }
}

/** The real workspace: LocalWorkspace on this project directory and the Pulumi CLI on PATH. */
async function localWorkspace(): Promise<EphemeralWorkspace> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const workDir = path.resolve(__dirname, "..");
    const ws = await LocalWorkspace.create({ workDir });
    return {
        createOrSelectStack: async n => LocalWorkspace.createOrSelectStack({ stackName: n, workDir }) as unknown as EphemeralStack,
        selectStack: async n => {
            const all = await ws.listStacks();
            return all.some(s => s.name === n) ? (await LocalWorkspace.selectStack({ stackName: n, workDir })) as unknown as EphemeralStack : undefined;
        },
        removeStack: n => ws.removeStack(n),
    };
}

if (require.main === module) {
    runCli(async () => {
        const args = parseArgs(process.argv.slice(2));
        const { verifyStack } = await import("./verify");
        return runEphemeral(args, {
            workspace: localWorkspace,
            verify: async s => { const r = verifyStack(s); console.log(r.text); return r.ok; },
            log: line => console.log(line),
            findPulumi: () => findOnPath("pulumi", process.env.PATH, f => fs.existsSync(f)),
            leftovers: process.env.HCLOUD_TOKEN ? c => hetznerLeftovers(c, process.env.HCLOUD_TOKEN!, fetch) : undefined,
        });
    }, "npm run ephemeral");
}
