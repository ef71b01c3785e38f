/**
 * Turns an exported Pulumi deployment of prod (`pulumi stack export`, ciphertext only: no passphrase needed) into one
 * that carries no prod secret at all, so the pull-request preview can import it into a throwaway backend whose
 * passphrase is random per run (README "Security", .github/workflows/prod-state.yml and preview.yml).
 *
 * Fail-closed by construction: every secret is replaced WHOLE by a stand-in, whatever it held (ciphertext, or
 * plaintext if someone exported with --show-secrets); nothing inside a secret is ever looked at or kept. The passphrase
 * salt (`secrets_providers`) is dropped too: with its known-plaintext check it would let anyone guess the passphrase
 * offline. Non-secret values (ids, IPs, names, public keys, plain outputs) are kept byte for byte; the README says who
 * can read them.
 *
 * Upstream format (pulumi/pulumi pkg/resource/stack/deployment.go @ 1b5949891b, pkg/v3.259.0+14):
 * - a secret is an object `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ...}` with exactly
 *   one of `ciphertext` or `plaintext`, and `plaintext` is the JSON text of the value (DeserializePropertyValue,
 *   secretPropertyValueFromPlaintext) — so a plaintext stand-in needs no key to import;
 * - the string "04da6b54-80e4-46f7-96ec-b56ff0331ba9" deserializes as an unknown (computed) value
 *   (computedValuePlaceholder);
 * - SerializeDeployment encrypts with the snapshot's secrets manager and panics without one (NewPanicCrypter): the
 *   import therefore needs the throwaway stack's own `secrets_providers` — adoptSecretsProvider.
 */
import * as fs from "fs";
// The three strings above, from their one owner: the Pulumi SDK (pulumi/pulumi sdk/nodejs/runtime/rpc.ts
// `specialSigKey`, `specialSecretSig`, `unknownValue`, the installed @pulumi/pulumi's). The engine's own constants,
// at 1b5949891b: sdk/go/common/resource/sig/sig.go `Key` and `Secret` (the signature key and the secret signature),
// pkg/resource/stack/deployment.go `computedValuePlaceholder` (the unknown value in a state file).
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** The stand-in for a secret the program only passes on (keys, tokens, cloud-init): equal on both sides of a diff. */
export const REDACTED = "[prod secret removed by tools/sanitize-state.ts]";

export interface UntypedDeployment { version: number; deployment: Record<string, unknown> }
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Stand = "redacted" | "unknown" | "connection";

const isObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
export const isSecret = (v: unknown): boolean => isObject(v) && v[specialSigKey] === specialSecretSig;
/** A remote Command's `connection` is an object (pulumi-command schema, type command:remote:Connection, `host` required). */
export const REDACTED_CONNECTION = { host: REDACTED, privateKey: REDACTED };
const STAND_VALUES: Record<Stand, Json> = { redacted: REDACTED, unknown: unknownValue, connection: REDACTED_CONNECTION };
const standIn = (stand: Stand): Json => ({ [specialSigKey]: specialSecretSig, plaintext: JSON.stringify(STAND_VALUES[stand]) });

/**
 * Which stand-in a secret gets, by where it sits. Unknown where a fixed string would be wrong:
 * - what a command printed (`stdout`/`stderr` of command:remote/local:Command): the program parses some of it (the
 *   kubeconfig read, components/k3s/config.ts rewriteKubeconfig), and no placeholder is a true kubeconfig;
 * - the kubeconfig of a Kubernetes provider: an unknown provider config makes the engine skip the provider's
 *   Construct in preview (pulumi/pulumi pkg/resource/plugin/provider_plugin.go Construct, `if !pcfg.known` @
 *   1b5949891b), where a known but unreachable cluster fails every helm.v4.Chart / yaml.v2.ConfigFile
 *   (pulumi/pulumi-kubernetes provider/pkg/provider/provider_construct.go:72 @ 94977969d, main after v4.32.0).
 * A remote Command's `connection` becomes an object of REDACTED strings: the provider decodes the old value into its
 * Connection type when it previews an update (pulumi/pulumi-command provider/pkg/provider/remote/commandController.go
 * Update), and a string there would not decode.
 * Everything else: REDACTED, the same string everywhere, so a secret passed on unchanged (a tls key into a cert
 * request, an SSH key into a connection) compares equal in the preview.
 */
export function standFor(type: string, side: "inputs" | "outputs", property: string): Stand {
    if (/^command:(remote|local):Command$/.test(type) && side === "outputs" && (property === "stdout" || property === "stderr")) return "unknown";
    if (type === "command:remote:Command" && property === "connection") return "connection";
    if (type === "pulumi:providers:kubernetes" && property === "kubeconfig") return "unknown";
    return "redacted";
}

/** Replaces every secret under `v`; `stand` decides by top-level property name. Counts replacements in `count`. */
function redact(v: Json, stand: (property: string) => Stand, count: { n: number }, property = ""): Json {
    if (isSecret(v)) { count.n++; return standIn(stand(property)); }
    if (Array.isArray(v)) return v.map(x => redact(x, stand, count, property));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, stand, count, property || k)]));
    return v;
}

function redactResource(res: Json, count: { n: number }): Json {
    if (!isObject(res)) return redact(res, () => "redacted", count);
    const type = String(res.type ?? "");
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(res)) {
        out[k] = k === "inputs" || k === "outputs" ? redact(v, p => standFor(type, k, p), count) : redact(v, () => "redacted", count);
    }
    return out;
}

function requireV3(doc: unknown, what: string): UntypedDeployment {
    if (!isObject(doc) || doc.version !== 3 || !isObject(doc.deployment)) {
        throw new Error(`${what}: expected the output of \`pulumi stack export\` ({"version": 3, "deployment": {...}}), got ${isObject(doc) ? `version ${JSON.stringify(doc.version)}` : typeof doc}`);
    }
    return doc as unknown as UntypedDeployment;
}

/**
 * The deployment with every secret replaced (see standFor) and `secrets_providers` dropped; `secrets` counts the
 * replaced values. Resources and pending operations keep their order, URNs, ids, dependencies and plain values.
 */
export function sanitizeDeployment(exported: unknown): { deployment: UntypedDeployment; secrets: number } {
    const doc = requireV3(exported, "sanitize");
    const count = { n: 0 };
    const deployment: Record<string, Json> = {};
    for (const [k, v] of Object.entries(doc.deployment as Record<string, Json>)) {
        if (k === "secrets_providers") continue;
        if (k === "resources" && Array.isArray(v)) deployment[k] = v.map(r => redactResource(r, count));
        else if (k === "pending_operations" && Array.isArray(v)) {
            deployment[k] = v.map(op => {
                if (!isObject(op)) return redact(op, () => "redacted", count);
                const { resource, ...rest } = op;
                return { ...redact(rest, () => "redacted", count) as Record<string, Json>, resource: redactResource(resource ?? null, count) };
            });
        } else deployment[k] = redact(v, () => "redacted", count);
    }
    return { deployment: { version: 3, deployment }, secrets: count.n };
}

/**
 * Where a deployment still carries something secret-shaped that is not a stand-in: a secret with ciphertext or with
 * other plaintext, or a secrets provider. Empty for the output of sanitizeDeployment; the CLI refuses to write
 * otherwise.
 */
export function secretLeaks(doc: unknown, at = "$"): string[] {
    if (isSecret(doc)) {
        const d = doc as Record<string, Json>;
        const ok = Object.keys(d).length === 2 && Object.values(STAND_VALUES).some(v => d.plaintext === JSON.stringify(v));
        return ok ? [] : [`${at}: secret that is not a stand-in (${Object.keys(d).filter(k => k !== specialSigKey).join(", ")})`];
    }
    if (Array.isArray(doc)) return doc.flatMap((x, i) => secretLeaks(x, `${at}[${i}]`));
    if (!isObject(doc)) return [];
    return Object.entries(doc).flatMap(([k, v]) => [
        ...(k === "secrets_providers" || k === "ciphertext" ? [`${at}.${k}: present`] : []),
        ...(k === "secrets_providers" ? [] : secretLeaks(v, `${at}.${k}`)),
    ]);
}

/**
 * The sanitized deployment with the secrets provider of a freshly created stack (`pulumi stack init` then
 * `pulumi stack export` in the throwaway backend): `pulumi stack import` re-encrypts the stand-ins with it
 * (pulumi/pulumi pkg/cmd/pulumi/stack/stack_import.go → SaveSnapshot → SerializeDeployment).
 */
export function adoptSecretsProvider(sanitized: unknown, fresh: unknown): UntypedDeployment {
    const s = requireV3(sanitized, "sanitized deployment");
    const f = requireV3(fresh, "fresh stack");
    const leaks = secretLeaks(s);
    if (leaks.length) throw new Error(`sanitized deployment is not sanitized: ${leaks.slice(0, 3).join("; ")}`);
    if (Array.isArray(f.deployment.resources) && f.deployment.resources.length) {
        throw new Error(`fresh stack has ${f.deployment.resources.length} resources: expected an empty stack just created with \`pulumi stack init\``);
    }
    const sp = f.deployment.secrets_providers;
    if (!isObject(sp) || typeof sp.type !== "string") throw new Error("fresh stack has no secrets_providers: create it with `pulumi stack init <stack> --secrets-provider passphrase`");
    return { version: 3, deployment: { ...s.deployment, secrets_providers: sp } };
}

function argValue(args: string[], flag: string): string {
    const i = args.indexOf(flag);
    if (i < 0 || !args[i + 1]) throw new Error(`missing ${flag} <file>`);
    return args[i + 1];
}
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, "utf8"));
const writeJson = (file: string, doc: unknown) => fs.writeFileSync(file, JSON.stringify(doc, null, 2) + "\n", { mode: 0o600 });

/** CLI: `sanitize --in <export> --out <file>` and `adopt-secrets-provider --in <sanitized> --from <fresh> --out <file>`. */
export function main(args: string[]): void {
    const [command, ...rest] = args;
    if (command === "sanitize") {
        const { deployment, secrets } = sanitizeDeployment(readJson(argValue(rest, "--in")));
        const leaks = secretLeaks(deployment);
        if (leaks.length) throw new Error(`refusing to write: ${leaks.join("; ")}`);
        writeJson(argValue(rest, "--out"), deployment);
        console.log(`sanitize: ${secrets} secret values replaced, secrets provider dropped, ${(deployment.deployment.resources as unknown[] | undefined)?.length ?? 0} resources kept`);
    } else if (command === "adopt-secrets-provider") {
        writeJson(argValue(rest, "--out"), adoptSecretsProvider(readJson(argValue(rest, "--in")), readJson(argValue(rest, "--from"))));
    } else {
        throw new Error(`usage: sanitize-state.ts sanitize --in <export.json> --out <file> | adopt-secrets-provider --in <sanitized.json> --from <fresh.json> --out <file> (got ${JSON.stringify(command ?? "")})`);
    }
}

if (require.main === module) {
    try { main(process.argv.slice(2)); } catch (e) { console.error(`sanitize-state: ${(e as Error).message}`); process.exit(1); }
}
