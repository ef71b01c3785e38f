/**
 * The prod-state sanitizer (tools/sanitize-state.ts, issue 14 item 5): the pull-request preview imports prod's state
 * with no prod secret left in it. Against a hand-written export shaped like prod's (test/fixtures/pulumi-state).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import {
    adoptSecretsProvider, isSecret, main, REDACTED, REDACTED_CONNECTION, sanitizeDeployment, secretLeaks, standFor,
} from "../tools/sanitize-state";
import { tempDir } from "./temp";

const FIXTURES = path.join(__dirname, "fixtures", "pulumi-state");
const load = (name: string): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));

/** Every secret node's path and the document with each secret replaced by "<secret>", secrets provider left out. */
function shape(v: any, at = "$", secrets: string[] = []): { masked: any; secrets: string[] } {
    const walk = (x: any, p: string): any => {
        if (isSecret(x)) { secrets.push(p); return "<secret>"; }
        if (Array.isArray(x)) return x.map((y, i) => walk(y, `${p}[${i}]`));
        if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).filter(([k]) => k !== "secrets_providers").map(([k, y]) => [k, walk(y, `${p}.${k}`)]));
        return x;
    };
    return { masked: walk(v, at), secrets };
}
const plaintextAt = (doc: any, urnEnd: string, side: string, prop: string) =>
    JSON.parse(doc.deployment.resources.find((r: any) => r.urn.endsWith(urnEnd))[side][prop].plaintext);

describe("sanitize-state: prod's exported state without any prod secret", () => {
    const exported = load("prod-export.json");
    const { deployment, secrets } = sanitizeDeployment(exported);
    const out = deployment as any;
    const text = JSON.stringify(out);

    it("no ciphertext, no plaintext secret and no secrets provider survive; every secret is a stand-in", () => {
        const before = shape(exported).secrets;
        assert.strictEqual(before.length, 25, "fixture: 24 ciphertexts (2 in the pending operation) + 1 plaintext secret");
        assert.strictEqual(secrets, before.length);
        assert.doesNotMatch(text, /ciphertext|FAKECIPHERTEXT|PLAINTEXT-EXPORTED-WITH-SHOW-SECRETS|SaLtSaLtSaLt|PASSPHRASECHECK|secrets_providers/);
        assert.deepStrictEqual(secretLeaks(out), []);
        assert.deepStrictEqual(shape(out).secrets, before, "every secret stays a secret, at the same place");
    });

    it("keeps every non-secret value byte for byte (ids, IPs, URNs, public keys, plain outputs, order)", () => {
        assert.deepStrictEqual(shape(out).masked, shape(exported).masked);
        const server = out.deployment.resources.find((r: any) => r.type === "hcloud:index/server:Server");
        assert.deepStrictEqual([server.id, server.outputs.ipv4Address, server.ignoreChanges], ["55501234", "203.0.113.10", ["userData", "sshKeys"]]);
        assert.match(text, /ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyPublicPartIsNotSecret/);
        assert.deepStrictEqual(out.deployment.manifest, exported.deployment.manifest);
    });

    it("stand-ins: unknown for what commands printed and for Kubernetes providers' kubeconfig, an object for a connection, one fixed string elsewhere", () => {
        assert.strictEqual(plaintextAt(out, "::k3s-cilium-kubeconfig", "outputs", "stdout"), unknownValue);
        assert.strictEqual(plaintextAt(out, "::k3s-cilium-k8s", "inputs", "kubeconfig"), unknownValue);
        assert.strictEqual(plaintextAt(out, "::k3s-cilium-k8s", "outputs", "kubeconfig"), unknownValue);
        // Passed on unchanged by the program: the same string on both sides of the preview's diff.
        assert.strictEqual(plaintextAt(out, "::k3s-cilium-server-0-host-key", "outputs", "privateKeyOpenssh"), REDACTED);
        assert.deepStrictEqual(plaintextAt(out, "::k3s-cilium-server-0-install", "inputs", "connection"), { host: REDACTED, privateKey: REDACTED });
        assert.deepStrictEqual(plaintextAt(out, "::k3s-cilium-kubeconfig", "outputs", "connection"), REDACTED_CONNECTION);
        assert.strictEqual(plaintextAt(out, "::k3s-cilium-server-0-install", "outputs", "stdin"), REDACTED);
        assert.strictEqual(plaintextAt(out, "::k3s-cilium-token", "outputs", "result"), REDACTED);
        const install = out.deployment.resources.find((r: any) => r.urn.endsWith("::k3s-cilium-server-0-install"));
        assert.strictEqual(JSON.parse(install.inputs.environment.K3S_TOKEN_FILE.plaintext), REDACTED, "nested in a plain object");
        assert.strictEqual(install.inputs.environment.K3S_VERSION, "v1.33.5+k3s1");
        assert.deepStrictEqual([install.inputs.triggers[0], JSON.parse(install.inputs.triggers[1].plaintext)], ["v1.33.5+k3s1", REDACTED], "inside an array");
        assert.deepStrictEqual(Object.keys(install.inputs.stdin).sort(), ["plaintext", specialSigKey].sort());
        assert.strictEqual(install.inputs.stdin[specialSigKey], specialSecretSig);
        const pending = out.deployment.pending_operations[0];
        assert.deepStrictEqual([pending.type, JSON.parse(pending.resource.inputs.stdin.plaintext)], ["updating", REDACTED]);
    });

    it("standFor: the table of stand-ins", () => {
        const cases: [string, "inputs" | "outputs", string, string][] = [
            ["command:remote:Command", "outputs", "stdout", "unknown"],
            ["command:local:Command", "outputs", "stderr", "unknown"],
            ["command:remote:Command", "inputs", "stdin", "redacted"],
            ["command:remote:Command", "outputs", "connection", "connection"],
            ["command:remote:Command", "inputs", "connection", "connection"],
            ["pulumi:providers:kubernetes", "inputs", "kubeconfig", "unknown"],
            ["pulumi:providers:kubernetes", "outputs", "kubeconfig", "unknown"],
            ["pulumi:pulumi:Stack", "outputs", "kubeconfig", "redacted"],
            ["tls:index/privateKey:PrivateKey", "outputs", "privateKeyPem", "redacted"],
        ];
        assert.deepStrictEqual(cases.map(([t, s, p]) => standFor(t, s, p)), cases.map(c => c[3]));
    });

    it("refuses what is not a v3 export, naming what it expected", () => {
        assert.throws(() => sanitizeDeployment({ version: 2, deployment: {} }), /sanitize: expected the output of `pulumi stack export` .*got version 2/);
        assert.throws(() => sanitizeDeployment("[]"), /got string/);
    });

    it("secretLeaks finds a ciphertext, a foreign plaintext and a secrets provider anywhere", () => {
        const bad = JSON.parse(text);
        bad.deployment.resources[5].outputs.privateKeyPem = { [specialSigKey]: specialSecretSig, ciphertext: "v1:x:y" };
        bad.deployment.resources[6].outputs.result = { [specialSigKey]: specialSecretSig, plaintext: JSON.stringify("hunter2") };
        bad.deployment.secrets_providers = { type: "passphrase", state: { salt: "v1:a:v1:b:c" } };
        assert.deepStrictEqual(secretLeaks(bad), [
            "$.deployment.resources[5].outputs.privateKeyPem: secret that is not a stand-in (ciphertext)",
            "$.deployment.resources[6].outputs.result: secret that is not a stand-in (plaintext)",
            "$.deployment.secrets_providers: present",
        ]);
        assert.ok(secretLeaks(exported).length >= 25);
    });

    it("adoptSecretsProvider: the throwaway stack's provider; refuses an unsanitized deployment or a stack that is not fresh", () => {
        const fresh = load("fresh-stack-export.json");
        const adopted = adoptSecretsProvider(out, fresh);
        assert.deepStrictEqual(adopted.deployment.secrets_providers, fresh.deployment.secrets_providers);
        assert.deepStrictEqual({ ...adopted.deployment, secrets_providers: undefined }, { ...out.deployment, secrets_providers: undefined });
        assert.throws(() => adoptSecretsProvider(exported, fresh), /sanitized deployment is not sanitized: \$\.deployment\.secrets_providers: present/);
        assert.throws(() => adoptSecretsProvider(out, exported), /fresh stack has 12 resources/);
        assert.throws(() => adoptSecretsProvider(out, { version: 3, deployment: {} }), /no secrets_providers: create it with `pulumi stack init <stack> --secrets-provider passphrase`/);
    });

    it("the CLI writes the sanitized file 0600 and the import file, as the workflows call it", () => {
        const dir = tempDir("sanitize-state-");
        const sanitized = path.join(dir, "prod-sanitized.json");
        main(["sanitize", "--in", path.join(FIXTURES, "prod-export.json"), "--out", sanitized]);
        assert.strictEqual(fs.statSync(sanitized).mode & 0o777, 0o600);
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(sanitized, "utf8")), out);
        const imported = path.join(dir, "import.json");
        main(["adopt-secrets-provider", "--in", sanitized, "--from", path.join(FIXTURES, "fresh-stack-export.json"), "--out", imported]);
        assert.strictEqual(JSON.parse(fs.readFileSync(imported, "utf8")).deployment.secrets_providers.type, "passphrase");
        assert.throws(() => main(["export"]), /usage: sanitize-state\.ts sanitize --in/);
    });
});
