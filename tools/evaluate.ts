/**
 * Runs the Pulumi program (index.ts) in-process under `pulumi.runtime.setMocks` for a stack file plus overrides,
 * and returns the recorded resource graph (tools/graph.ts), read from each RegisterResourceRequest itself.
 * Used by the tests, `npm run render` and the benchmark alike; nothing here is test-only.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
// How the SDK marks a secret in the properties the monitor receives: `{ [specialSigKey]: specialSecretSig, value }`
// (pulumi/pulumi sdk/nodejs/runtime/rpc.ts).
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { PROJECT } from "../components/config/keys";
import { PLATFORM_ENV, SKIP_HOST_TOOLS_ENV } from "../components/nodes/host-tools";
import { ARTIFACT_MIRROR_ENV } from "../components/shared/artifacts";
import { Graph, RecordedResource } from "./graph";
import { mockState, numericId } from "./mocks";
import { ROOT, stackConfig } from "./stack-file";

export { Graph, RecordedResource } from "./graph";
export { COLIMA_HOST_KEY_FIXTURE, COLIMA_KEY_FIXTURE, colimaSshConfigFixture, k3sKubeconfigFixture, MOCK_ADDRESSES, MOCK_AGENT_TOKEN, MOCK_BOOTSTRAP_TOKEN, MOCK_KEY, MOCK_TOKEN, mockHostKey } from "./mocks";
export { listStacks, readStackFile, ROOT, stackConfig, stackFilePath } from "./stack-file";
/** Third-party files for offline runs (README there); also the program's artifact mirror under mocks. */
export const SHARED_UPSTREAM = path.resolve(ROOT, "..", "shared", "upstream");

export interface RunOptions {
    /** A stack with a file Pulumi.<stack>.yaml in the project root. */
    stack: string;
    /** Config overrides: key without namespace → value as it would be written in YAML; null removes the key. */
    overrides?: Record<string, unknown>;
    /** Extra fully-qualified config (e.g. "hcloud:token"); null removes it. */
    extra?: Record<string, string | null>;
    preview?: boolean;
    /** Host OS the program believes it runs on (Colima VM type). Default: this machine's. */
    platform?: NodeJS.Platform;
    /** Record the graph (default). The benchmark turns it off to time the program, not the recorder. */
    record?: boolean;
    /** Program entry relative to the project root. Default: index.ts. */
    entry?: string;
    /**
     * Outputs the cloud reports that differ from the inputs, by resource name (e.g. a load balancer that already
     * has a public interface on a stack deployed before the private default): merged over the mocked state.
     */
    liveState?: Record<string, Record<string, unknown>>;
    /**
     * The stack's outputs from its previous update, as its self StackReference reads them (components/k3s/
     * previous-state.ts), e.g. `{ lifecycleState: … }`. Default: none (a new stack).
     */
    previousOutputs?: Record<string, unknown>;
}

function hasSecret(v: any): boolean {
    if (!v || typeof v !== "object") return false;
    if (v[specialSigKey] === specialSecretSig) return true;
    return Object.values(v).some(hasSecret);
}

let recording: RecordedResource[] = [];
let recordingOn = true;
let patched = false;

function record(req: any): RecordedResource {
    const raw = req.getObject()?.toJavaScript?.() ?? {};
    const ct = req.getCustomtimeouts?.();
    const propDeps: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v: any, k: string) => { propDeps[k] = v.getUrnsList(); });
    return {
        urn: "",
        type: req.getType(),
        name: req.getName(),
        custom: req.getCustom(),
        remote: req.getRemote(),
        inputs: raw,
        secretInputs: Object.keys(raw).filter(k => hasSecret(raw[k])),
        parent: req.getParent(),
        dependsOn: req.getDependenciesList(),
        propertyDependencies: propDeps,
        deletedWith: req.getDeletedwith(),
        customTimeouts: ct ? { create: ct.getCreate() || undefined, update: ct.getUpdate() || undefined, delete: ct.getDelete() || undefined } : {},
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        protect: req.getProtect(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        provider: req.getProvider(),
    };
}

function patchMonitor(): void {
    if (patched) return;
    patched = true;
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (this: MockMonitor, req: any, callback: any) {
        if (!recordingOn) return original.call(this, req, callback);
        const r = record(req);
        recording.push(r);
        return original.call(this, req, (err: any, resp: any) => {
            if (resp) r.urn = resp.getUrn();
            callback(err, resp);
        });
    };
}

/** Replaces secret wrappers by their plain values (inputs as the resource would receive them). */
function unwrap(v: any): any {
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") {
        if (v[specialSigKey] === specialSecretSig) return unwrap(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

const memo = new Map<string, Promise<Graph>>();

/** The organization the mocked engine reports (the name self-managed backends use for every stack). */
export const MOCK_ORGANIZATION = "organization";

/**
 * Runs index.ts for a stack; rejects with the program's own error (e.g. ConfigError) if it throws. Graphs are
 * read-only, so identical runs are shared between callers (runs are serialised: the Pulumi runtime is global).
 */
export function runProgram(opts: RunOptions): Promise<Graph> {
    const key = JSON.stringify(opts);
    let p = memo.get(key);
    if (!p) {
        const previous = [...memo.values()].pop() ?? Promise.resolve(undefined as unknown as Graph);
        p = previous.catch(() => undefined).then(() => runProgramUncached(opts));
        memo.set(key, p);
    }
    return p;
}

/** The resources registered by the last run (also when the program threw). */
export function lastRecording(): readonly RecordedResource[] {
    return recording;
}

/**
 * One evaluation, never shared: the benchmark times repeated evaluations in one process with it. Callers run one
 * at a time (the Pulumi runtime is global); everyone else uses runProgram.
 */
export async function evaluateProgram(opts: RunOptions): Promise<Graph> {
    return runProgramUncached(opts);
}

async function runProgramUncached(opts: RunOptions): Promise<Graph> {
    patchMonitor();
    const config = stackConfig(opts.stack, opts.overrides);
    const secretKeys: string[] = [];
    if (opts.stack === "prod" || config[`${PROJECT}:provider`] === "hetzner") {
        config["hcloud:token"] = "mock-hcloud-token";
        secretKeys.push("hcloud:token");
    }
    for (const [k, v] of Object.entries(opts.extra ?? {})) {
        if (v === null) delete config[k]; else { config[k] = v; secretKeys.push(k); }
    }
    const savedToken = process.env.HCLOUD_TOKEN;
    delete process.env.HCLOUD_TOKEN;
    process.env[SKIP_HOST_TOOLS_ENV] = "1";
    // The chart archive and CRD files the program checks by digest come from the offline mirror when there is one.
    if (!process.env[ARTIFACT_MIRROR_ENV] && fs.existsSync(SHARED_UPSTREAM)) process.env[ARTIFACT_MIRROR_ENV] = SHARED_UPSTREAM;
    if (opts.platform) process.env[PLATFORM_ENV] = opts.platform; else delete process.env[PLATFORM_ENV];
    pulumi.runtime.setAllConfig(config, secretKeys);
    recording = [];
    recordingOn = opts.record ?? true;
    const local = recording;
    await pulumi.runtime.setMocks({
        newResource: args => args.type === "pulumi:pulumi:StackReference"
            // A StackReference is read (ReadResource), not registered: its state is the referenced stack's outputs.
            ? { id: args.inputs.name, state: { name: args.inputs.name, outputs: opts.previousOutputs ?? {}, secretOutputNames: [] } }
            : {
                id: args.custom ? numericId(args.name) : undefined,
                state: { ...mockState(args.type, args.name, args.inputs), ...(opts.liveState?.[args.name] ?? {}) },
            },
        call: args => args.inputs,
    }, PROJECT, opts.stack, opts.preview ?? false, MOCK_ORGANIZATION);
    const entry = require.resolve(path.join(ROOT, opts.entry ?? "index.ts"));
    delete require.cache[entry];
    // Each run's entry module is new; Node also lists it in this module's `children`, which would keep every
    // previous run's graph alive (tests and the bench evaluate many times in one process).
    module.children = module.children.filter(m => m.id !== entry);
    // The program shortens stack traces for the rest of its process (components/shared/runtime.ts); this process
    // goes on after it (tests), so the limit is given back once the program's work is done.
    const stackFrames = Error.stackTraceLimit;
    try {
        const outputs = { ...(require(entry) as Record<string, unknown>) };
        await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
        for (const r of local) r.inputs = unwrap(r.inputs);
        return new Graph(local, outputs);
    } finally {
        Error.stackTraceLimit = stackFrames;
        if (savedToken !== undefined) process.env.HCLOUD_TOKEN = savedToken;
    }
}

/** Resolves an Output (or plain value) to its value and whether it is secret. */
export async function resolve<T>(o: pulumi.Input<T>): Promise<{ value: T; secret: boolean }> {
    const out = pulumi.output(o);
    const secret = await pulumi.isSecret(out);
    const value = await new Promise<T>(res => out.apply(v => { res(v as T); return v; }));
    return { value, secret };
}
