/**
 * Runs the Pulumi program (index.ts) in-process under `pulumi.runtime.setMocks` for a stack file plus overrides,
 * and returns the recorded resource graph: every registration with its type, name, inputs and the options the
 * mocks API never shows (parent, dependsOn, deletedWith, customTimeouts, ignoreChanges, replaceOnChanges,
 * provider, additionalSecretOutputs), read from the RegisterResourceRequest itself.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { PROJECT } from "../components/config";
import { PLATFORM_ENV, SKIP_HOST_TOOLS_ENV } from "../components/nodes/host-tools";

import { projectRoot } from "../components/shared/script";

/** The project root, also when this file runs compiled from .cache/bench-build. */
export const ROOT = projectRoot(__dirname);
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    remote: boolean;
    inputs: Record<string, any>;
    /** Top-level input names whose value is a secret. */
    secretInputs: string[];
    parent: string;
    dependsOn: string[];
    /** Implicit dependencies through inputs (property → URNs). */
    propertyDependencies: Record<string, string[]>;
    deletedWith: string;
    customTimeouts: { create?: string; update?: string; delete?: string };
    ignoreChanges: string[];
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
    provider: string;
}

export class Graph {
    constructor(readonly resources: RecordedResource[], readonly outputs: Record<string, unknown>) {}

    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find(r => r.urn === urn);
    }
    /** Exactly one resource with this name (and type, when given). */
    get(name: string, type?: string): RecordedResource {
        const found = this.resources.filter(r => r.name === name && (!type || r.type === type));
        if (found.length !== 1) {
            throw new Error(`expected one resource named ${name}${type ? ` of ${type}` : ""}, found ${found.length}: ${this.resources.map(r => `${r.type}::${r.name}`).join(", ")}`);
        }
        return found[0];
    }
    ofType(type: string): RecordedResource[] {
        return this.resources.filter(r => r.type === type);
    }
    /** Direct edges: explicit dependsOn plus implicit input dependencies. */
    edges(r: RecordedResource): string[] {
        return [...new Set([...r.dependsOn, ...Object.values(r.propertyDependencies).flat()])].filter(u => u !== r.urn);
    }
    /** True when `later` (transitively, through dependsOn, input dependencies and parents' dependsOn) waits for `earlier`. */
    dependsOn(later: RecordedResource, earlier: RecordedResource): boolean {
        const seen = new Set<string>();
        const stack = [later.urn];
        while (stack.length) {
            const urn = stack.pop()!;
            if (seen.has(urn)) continue;
            seen.add(urn);
            const r = this.byUrn(urn);
            if (!r) continue;
            for (const e of this.edges(r)) {
                if (e === earlier.urn) return true;
                // Depending on a component means depending on all of its children.
                for (const child of this.descendants(e)) {
                    if (child.urn === earlier.urn) return true;
                    stack.push(child.urn);
                }
                stack.push(e);
            }
        }
        return false;
    }
    descendants(urn: string): RecordedResource[] {
        const out: RecordedResource[] = [];
        const walk = (u: string) => {
            for (const r of this.resources.filter(x => x.parent === u)) { out.push(r); walk(r.urn); }
        };
        walk(urn);
        return out;
    }
}

export interface RunOptions {
    stack: "local" | "prod";
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
}

/** The stack file's config as the Pulumi CLI hands it to a program: strings, structured values as JSON. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const out: Record<string, string> = {};
    const put = (key: string, value: unknown) => {
        if (value === null || value === undefined) { delete out[key]; return; }
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    };
    for (const [k, v] of Object.entries(file.config ?? {})) put(k, v);
    for (const [k, v] of Object.entries(overrides)) put(k.includes(":") ? k : `${PROJECT}:${k}`, v);
    return out;
}

function numericId(name: string): string {
    return String(parseInt(crypto.createHash("sha256").update(name).digest("hex").slice(0, 7), 16));
}

function ordinal(name: string): number {
    const m = /-(\d+)(-api)?$/.exec(name);
    return m ? Number(m[1]) : 1;
}

export const MOCK_TOKEN = "mock-k3s-token-0000000000000000";
export const MOCK_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nmock-private-key\n-----END OPENSSH PRIVATE KEY-----\n";
export const COLIMA_KEY_FIXTURE = path.join(ROOT, "test", "fixtures", "colima-identity");
export function k3sKubeconfigFixture(): string {
    return fs.readFileSync(path.join(ROOT, "test", "fixtures", "k3s.yaml"), "utf8");
}
export function colimaSshConfigFixture(identityFile = COLIMA_KEY_FIXTURE): string {
    return fs.readFileSync(path.join(ROOT, "test", "fixtures", "colima-ssh-config-macos.txt"), "utf8")
        .replace(/IdentityFile "[^"]*_config\/user"/, `IdentityFile "${identityFile}"`);
}

/** Realistic outputs for the resources the program reads outputs of. */
function mockState(type: string, name: string, inputs: any): Record<string, unknown> {
    switch (type) {
        case "hcloud:index/server:Server": {
            const n = ordinal(name);
            const agent = name.includes("-agent-");
            return { ...inputs, ipv4Address: agent ? `198.51.100.${n}` : `203.0.113.${n}`, ipv6Address: `2001:db8:${agent ? "b" : "a"}:${n}::1` };
        }
        case "hcloud:index/loadBalancer:LoadBalancer":
            return { ...inputs, ipv4: "203.0.113.200", ipv6: "2001:db8:ff::1" };
        case "tls:index/privateKey:PrivateKey":
            return { ...inputs, publicKeyOpenssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockMockMockMockMockMockMockMockMockMockMo mock", privateKeyOpenssh: MOCK_KEY, privateKeyPem: MOCK_KEY };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n` };
        case "tls:index/certRequest:CertRequest":
            return { ...inputs, certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nmock-${name}\n-----END CERTIFICATE REQUEST-----\n` };
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: MOCK_TOKEN };
        case "command:local:Command":
            return { ...inputs, stdout: colimaSshConfigFixture(), stderr: "" };
        case "command:remote:Command":
            return { ...inputs, stdout: name.endsWith("-kubeconfig") ? k3sKubeconfigFixture() : "", stderr: "" };
        default:
            return { ...inputs };
    }
}

function hasSecret(v: any): boolean {
    if (!v || typeof v !== "object") return false;
    if (v[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return true;
    return Object.values(v).some(hasSecret);
}

let recording: RecordedResource[] = [];
let recordingOn = true;
let patched = false;
function patchMonitor(): void {
    if (patched) return;
    patched = true;
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (this: MockMonitor, req: any, callback: any) {
        if (!recordingOn) return original.call(this, req, callback);
        const raw = req.getObject()?.toJavaScript?.() ?? {};
        const ct = req.getCustomtimeouts?.();
        const propDeps: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((v: any, k: string) => { propDeps[k] = v.getUrnsList(); });
        const record: RecordedResource = {
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
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            provider: req.getProvider(),
        };
        recording.push(record);
        return original.call(this, req, (err: any, resp: any) => {
            if (resp) record.urn = resp.getUrn();
            callback(err, resp);
        });
    };
}

/** Replaces secret wrappers by their plain values (inputs as the resource would receive them). */
function unwrap(v: any): any {
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") {
        if (v[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return unwrap(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

const memo = new Map<string, Promise<Graph>>();

/**
 * Runs index.ts for a stack; rejects with the program's own error (e.g. ConfigError) if it throws. Graphs are
 * read-only, so identical runs are shared between tests (runs are serialised: the Pulumi runtime is global).
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

async function runProgramUncached(opts: RunOptions): Promise<Graph> {
    patchMonitor();
    const config = stackConfig(opts.stack, opts.overrides);
    const secretKeys: string[] = [];
    if (opts.stack === "prod") { config["hcloud:token"] = "mock-hcloud-token"; secretKeys.push("hcloud:token"); }
    for (const [k, v] of Object.entries(opts.extra ?? {})) {
        if (v === null) delete config[k]; else { config[k] = v; secretKeys.push(k); }
    }
    const savedToken = process.env.HCLOUD_TOKEN;
    delete process.env.HCLOUD_TOKEN;
    process.env[SKIP_HOST_TOOLS_ENV] = "1";
    if (opts.platform) process.env[PLATFORM_ENV] = opts.platform; else delete process.env[PLATFORM_ENV];
    pulumi.runtime.setAllConfig(config, secretKeys);
    recording = [];
    recordingOn = opts.record ?? true;
    const local = recording;
    await pulumi.runtime.setMocks({
        newResource: args => ({ id: args.custom ? numericId(args.name) : undefined, state: mockState(args.type, args.name, args.inputs) }),
        call: args => args.inputs,
    }, PROJECT, opts.stack, opts.preview ?? false);
    const entry = require.resolve(path.join(ROOT, opts.entry ?? "index.ts"));
    delete require.cache[entry];
    try {
        const exports = require(entry) as Record<string, unknown>;
        const outputs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(exports)) {
            outputs[k] = v;
        }
        await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
        for (const r of local) {
            r.inputs = unwrap(r.inputs);
        }
        return new Graph(local, outputs);
    } finally {
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
