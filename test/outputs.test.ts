import * as assert from "assert";
import { parse as parseShell } from "shell-quote";
import { ClusterConfig, validateConfig } from "../components/config";
import { operatorCommands } from "../components/outputs";
import { stackConfig } from "./harness";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

/** The words and operators a POSIX shell sees in a line (shell-quote; `$…` left unexpanded so it stays visible). */
const words = (line: string) => parseShell(line, name => `$${name}`).filter(t => typeof t === "string" || !("comment" in t));
const ops = (line: string) => words(line).filter(t => typeof t !== "string").map(t => (t as { op: string }).op);

describe("outputs: operator commands quote every value", () => {
    const HOSTILE = ["a; touch /tmp/pwned", "$(id)", "`id`", "it's", "a b", "x && y", "x|y", "--stack=other"];
    const benign = operatorCommands(config("prod"), { host: "192.0.2.1", port: 22, user: "root" });

    for (const value of HOSTILE) {
        it(`a user, host and stack name of ${JSON.stringify(value)} stay one word each`, () => {
            const c = { ...config("prod"), stack: value, ssh: { ...config("prod").ssh, user: value } };
            const cmds = operatorCommands(c, { host: value, port: 22, user: value });
            assert.deepStrictEqual(words(cmds.ssh), ["ssh", "-o", "UserKnownHostsFile=k3s-cilium.known_hosts", "-o", "StrictHostKeyChecking=yes",
                "-i", "k3s-cilium.ssh-key", "-p", "22", `${value}@${value}`]);
            assert.deepStrictEqual(words(cmds.knownHosts).filter(t => typeof t === "string"),
                ["pulumi", "stack", "output", "sshKnownHosts", "--stack", value, "k3s-cilium.known_hosts"]);
            assert.deepStrictEqual(words(cmds.verify), ["npm", "run", "verify", "--", "--stack", value]);
            assert.deepStrictEqual(words(cmds.kubeconfig).filter(t => typeof t === "string"),
                ["umask", "077", "pulumi", "stack", "output", "kubeconfig", "--show-secrets", "--stack", value, "k3s-cilium.kubeconfig"]);
            for (const [name, line] of Object.entries(cmds)) {
                assert.deepStrictEqual(ops(line), ops(benign[name]), `${name}: ${line} has other shell operators than ${benign[name]}`);
            }
        });
    }

    it("a Colima profile is quoted too", () => {
        const c = config("local");
        const cmds = operatorCommands({ ...c, colima: { ...c.colima, profile: "p; id" } }, { host: "127.0.0.1", port: 60022, user: "dev" });
        assert.deepStrictEqual(words(cmds.ssh), ["colima", "ssh", "--profile", "p; id"]);
    });

    it("files with credentials are written with umask 077, and the generated SSH key has a command", () => {
        assert.deepStrictEqual(words(benign.kubeconfig), [{ op: "(" }, "umask", "077", { op: ";" }, "pulumi", "stack", "output", "kubeconfig",
            "--show-secrets", "--stack", "prod", { op: ">" }, "k3s-cilium.kubeconfig", { op: ")" }]);
        assert.match(benign.sshKey, /^\(umask 077; pulumi stack output sshPrivateKey --show-secrets --stack prod > k3s-cilium\.ssh-key\)$/);
        const prod = config("prod");
        const own = operatorCommands({ ...prod, ssh: { ...prod.ssh, publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 me" } }, { host: "192.0.2.1", port: 22, user: "root" });
        assert.strictEqual(own.sshKey, undefined, "a configured key is the operator's own: no key output to fetch");
        assert.deepStrictEqual(words(own.ssh), ["ssh", "-o", "UserKnownHostsFile=k3s-cilium.known_hosts", "-o", "StrictHostKeyChecking=yes", "-p", "22", "root@192.0.2.1"]);
    });
});
