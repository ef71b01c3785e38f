/**
 * Agents' first-boot user data (components/k3s/first-boot.ts + components/nodes/hetzner.ts cloudInit), checked
 * against its consumers' real contracts: cloud-init's write_files/runcmd (test/contracts/cloud-init.ts, from
 * canonical/cloud-init source), k3s agent's flags (test/contracts/k3s-flags.ts), Hetzner's user_data limit; and
 * first-boot.sh run under bash with stub scripts and commands.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ClusterConfig, validateConfig } from "../components/config";
import { K3S_INSTALLER } from "../components/config/versions";
import { agentFirstBoot, FIRST_BOOT, FIRST_BOOT_SCRIPTS, firstBootConfig } from "../components/k3s/first-boot";
import { cloudInit } from "../components/nodes/hetzner";
import { loadScript } from "../components/shared/script";
import { CILIUM_NODE_IMAGES } from "../components/cilium/images";
import { stackConfig } from "./harness";
import { CLOUD_CONFIG_KEYS, decodePerms, writtenContent, HETZNER_USER_DATA_LIMIT, MODULE_STAGE, STAGE_ORDER, WRITE_FILES_ENCODINGS, WRITE_FILES_ITEM_KEYS } from "./contracts/cloud-init";
import { K3S_AGENT_FLAGS } from "./contracts/k3s-flags";
import { sandbox, scriptPath } from "./shell";

const HOST_KEY = { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nhost\n-----END OPENSSH PRIVATE KEY-----\n", publicKey: "ssh-ed25519 AAAAhost" };
// A bootstrap token (<id>.<secret>): the only token first-boot user data takes (components/k3s/bootstrap-token.ts).
const TOKEN = "abcdef.0123456789abcdef";

function prodConfig(overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig("prod", overrides), { stack: "prod", hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

/** An agent's whole user data as Hetzner receives it, parsed the way cloud-init does (PyYAML: YAML 1.1). */
function agentUserData(config: ClusterConfig): { text: string; doc: any } {
    const node = { name: `${config.clusterName}-agent-1`, privateAddress: "10.0.1.100" };
    const yaml = firstBootConfig(config, node, "https://10.0.1.2:6443", TOKEN);
    const text = cloudInit(HOST_KEY, agentFirstBoot(config, node, yaml));
    return { text, doc: YAML.parse(text, { version: "1.1" }) };
}

describe("first boot: agent user data against cloud-init's contract", () => {
    const config = prodConfig();
    const { text, doc } = agentUserData(config);

    it("is a #cloud-config document whose top-level keys are defined by cloud-init modules", () => {
        assert.ok(text.startsWith("#cloud-config\n"));
        for (const key of Object.keys(doc)) assert.ok(key in CLOUD_CONFIG_KEYS, `${key} is not a key the cloud-init schema defines`);
        assert.ok(Buffer.byteLength(text) < HETZNER_USER_DATA_LIMIT, `${Buffer.byteLength(text)} bytes: over Hetzner's 32 KiB user_data limit`);
    });

    it("write_files: only schema keys and encodings, root-owned; scripts 0700 and config.yaml 0600 as cloud-init decodes them", () => {
        const files = doc.write_files as Record<string, unknown>[];
        const byName = new Map(files.map(f => [path.basename(String(f.path)), f]));
        for (const f of files) {
            for (const k of Object.keys(f)) assert.ok(WRITE_FILES_ITEM_KEYS.has(k), `write_files item key ${k}`);
            assert.ok(String(f.path).startsWith(`${FIRST_BOOT.dir}/`), String(f.path));
            assert.ok(f.encoding === undefined || WRITE_FILES_ENCODINGS.has(String(f.encoding)), String(f.encoding));
            assert.strictEqual(f.owner, "root:root");
        }
        assert.deepStrictEqual([...byName.keys()].sort(), [...FIRST_BOOT_SCRIPTS, "first-boot.sh", "config.yaml"].sort());
        assert.strictEqual(decodePerms(byName.get("config.yaml")!.permissions), 0o600, "config.yaml carries the bootstrap token");
        for (const name of [...FIRST_BOOT_SCRIPTS, "first-boot.sh"]) {
            assert.strictEqual(decodePerms(byName.get(name)!.permissions), 0o700, name);
            // The real files, prelude in place, byte for byte as cloud-init writes them: first boot runs what the SSH path sends.
            const f = byName.get(name)!;
            assert.strictEqual(writtenContent(String(f.content), f.encoding as string | undefined).toString("utf8"),
                loadScript(path.join(__dirname, "..", "components", "k3s"), name).text, name);
        }
    });

    it("runcmd: one list item (single-quoted by cloud-init) running first-boot.sh from the written files, after write_files", () => {
        assert.ok(STAGE_ORDER.indexOf(MODULE_STAGE.write_files) < STAGE_ORDER.indexOf(MODULE_STAGE.scripts_user));
        const runcmd = doc.runcmd as unknown[];
        assert.strictEqual(runcmd.length, 1);
        const cmd = runcmd[0] as unknown[];
        assert.ok(Array.isArray(cmd) && cmd.every(w => typeof w === "string"), "a list of strings (cc_runcmd schema)");
        assert.deepStrictEqual(cmd.slice(0, 4), ["bash", `${FIRST_BOOT.dir}/first-boot.sh`, `${config.clusterName}-agent-1`, FIRST_BOOT.dir]);
        assert.deepStrictEqual(cmd.slice(7), ["10.0.1.100", config.versions.k3s, K3S_INSTALLER.url, K3S_INSTALLER.sha256, "1200",
            ...CILIUM_NODE_IMAGES[config.versions.cilium]]);
        const written = (doc.write_files as { path: string }[]).map(f => f.path);
        assert.ok(written.includes(String(cmd[1])), "the command runs a file write_files wrote");
    });

    it("config.yaml: only k3s agent flags, the bootstrap token (neither the agent nor the server token), the join URL", () => {
        const file = (doc.write_files as { path: string; content: string; encoding?: string }[]).find(f => f.path.endsWith("/config.yaml"))!;
        const agent = YAML.parse(writtenContent(file.content, file.encoding).toString("utf8")) as Record<string, unknown>;
        for (const key of Object.keys(agent)) assert.ok(K3S_AGENT_FLAGS.has(key), `k3s agent does not define ${key}`);
        assert.strictEqual(agent.token, TOKEN);
        assert.ok(!("agent-token" in agent));
        // A long-lived token is refused: user data stays readable at the metadata service after the join.
        assert.throws(() => firstBootConfig(config, { name: "a", privateAddress: "10.0.1.100" }, "https://10.0.1.2:6443", "agent-token-0123456789"),
            /first-boot user data takes only a bootstrap token/);
        assert.strictEqual(agent.server, "https://10.0.1.2:6443");
        // prod is dual-stack: the public IPv6 half is filled in on the machine by first-boot.sh.
        assert.strictEqual(agent["node-ip"], `10.0.1.100,${FIRST_BOOT.ipv6Placeholder}`);
        const v4 = agentUserData(prodConfig({ ipv6: false })).doc.write_files.find((f: { path: string }) => f.path.endsWith("/config.yaml"));
        assert.strictEqual(YAML.parse(v4.content)["node-ip"], "10.0.1.100");
    });

    it("is exactly one YAML rendering of the whole document, also when the scripts' rendering comes from the cache", () => {
        const node = { name: `${config.clusterName}-agent-2`, privateAddress: "10.0.1.101" };
        const firstBoot = agentFirstBoot(config, node, firstBootConfig(config, node, "https://10.0.1.2:6443", TOKEN));
        // Items that need quoting and block scalars, beside the real ones.
        firstBoot.writeFiles.push({ path: "/x/a: b", content: "#!/bin/sh\n'quoted' \"q\"\n  indented\n", owner: "root:root", permissions: "0700", encoding: "gz+b64" });
        const whole = "#cloud-config\n" + YAML.stringify({
            ssh_pwauth: false, disable_root: false, ssh_deletekeys: true,
            ssh_keys: { ed25519_private: HOST_KEY.privateKey, ed25519_public: HOST_KEY.publicKey },
            write_files: firstBoot.writeFiles, runcmd: firstBoot.runcmd,
        }, { lineWidth: 0 });
        assert.strictEqual(cloudInit(HOST_KEY, firstBoot), whole);
        assert.strictEqual(cloudInit(HOST_KEY, firstBoot), whole, "second rendering (cached scripts)");
    });

    it("a server's user data is unchanged: host key only", () => {
        const server = YAML.parse(cloudInit(HOST_KEY), { version: "1.1" });
        assert.deepStrictEqual(Object.keys(server), ["ssh_pwauth", "disable_root", "ssh_deletekeys", "ssh_keys"]);
    });
});

describe("first boot: first-boot.sh", () => {
    const NODE = "c-agent-1";
    const ARGS = (dir: string) => [NODE, dir, "5.10", "geneve", "false", "10.0.1.100", "v1.33.5+k3s1", "https://x/install.sh", "abc", 1200];

    /** Stub scripts in the first-boot dir that record their arguments (and configure.sh its stdin). */
    function setup(opts: { preflight?: number; addresses?: string; config?: string; installFailures?: number } = {}) {
        const sb = sandbox();
        const dir = path.join(sb.dir, "first-boot");
        fs.mkdirSync(dir);
        const log = path.join(sb.dir, "calls.log");
        const rec = (name: string, extra = "") =>
            fs.writeFileSync(path.join(dir, name), `echo "${name} $*" >> "${log}"\n${extra}`, { mode: 0o700 });
        rec("preflight.sh", `echo "${NODE}: preflight: kernel option CONFIG_GENEVE is not enabled" >&2; exit ${opts.preflight ?? 0}`);
        rec("configure.sh", `cat > "${sb.dir}/config.written"`);
        // install.sh fails its first `installFailures` runs (a transient download failure), then succeeds.
        const runs = path.join(sb.dir, "install.runs");
        rec("install.sh", `echo x >> "${runs}"; if [ "$(wc -l < "${runs}")" -le ${opts.installFailures ?? 0} ]; then echo "${NODE}: k3s: ERROR: the k3s installer failed (exit 1)" >&2; exit 1; fi`);
        sb.stub("sleep", 'log "sleep $*"');
        rec("start.sh");
        rec("prefetch-images.sh");
        fs.writeFileSync(path.join(dir, "config.yaml"), opts.config ?? `node-ip: 10.0.1.100,${FIRST_BOOT.ipv6Placeholder}\ntoken: t\n`);
        const addresses = opts.addresses ?? "2: eth0    inet6 2a01:4f8:c0c:1234::1/64 scope global \\       valid_lft forever preferred_lft forever";
        sb.stub("ip", `if [ "$1" = "-6" ]; then printf '%s\\n' "${addresses}"; else echo "3: enp7s0    inet 10.0.1.100/32 brd 10.0.1.100 scope global"; fi`);
        const env = { LOG_FILE: path.join(sb.dir, "first-boot.log"), STATE_DIR: path.join(sb.dir, "state"), ADDRESS_WAIT: "0" };
        return { sb, dir, env, run: () => sb.run(scriptPath("k3s", "first-boot.sh"), ARGS(dir), { env }) };
    }

    it("runs preflight, configure (the public IPv6 filled in), install, start, then the image prefetch; deletes the staged token; logs every line", () => {
        const { sb, dir, env } = setup();
        const r = sb.run(scriptPath("k3s", "first-boot.sh"), [...ARGS(dir), "img-a@sha256:1", "img-b@sha256:2"], { env });
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.deepStrictEqual(sb.calls(), [
            `preflight.sh ${NODE} 5.10 geneve false 10.0.1.100`,
            `configure.sh ${NODE} agent`,
            `install.sh ${NODE} agent v1.33.5+k3s1 https://x/install.sh abc`,
            `start.sh ${NODE} agent 1200`,
            `prefetch-images.sh ${NODE} foreground 300 img-a@sha256:1 img-b@sha256:2`,
        ]);
        assert.strictEqual(fs.readFileSync(path.join(sb.dir, "config.written"), "utf8"), "node-ip: 10.0.1.100,2a01:4f8:c0c:1234::1\ntoken: t\n");
        assert.ok(!fs.existsSync(path.join(dir, "config.yaml")), "the staged config.yaml (agent token) is deleted once k3s runs");
        assert.strictEqual(fs.readFileSync(path.join(env.STATE_DIR, "first-boot-done"), "utf8"), "v1.33.5+k3s1\n");
        assert.match(fs.readFileSync(env.LOG_FILE, "utf8"), new RegExp(`${NODE}: first-boot: k3s-agent v1.33.5\\+k3s1 running`));
    });

    it("a failed kernel preflight leaves one clear line in the log and never installs or starts k3s", () => {
        const { sb, dir, env, run } = setup({ preflight: 1 });
        const r = run();
        assert.strictEqual(r.code, 1);
        assert.deepStrictEqual(sb.calls().map(c => c.split(" ")[0]), ["preflight.sh"]);
        const log = fs.readFileSync(env.LOG_FILE, "utf8");
        assert.match(log, /CONFIG_GENEVE is not enabled/);
        assert.match(log, new RegExp(`${NODE}: first-boot: ERROR: kernel preflight failed \\(lines above\\): k3s is not installed and this node does not join`));
        assert.ok(fs.existsSync(path.join(dir, "config.yaml")), "kept for a manual re-run after fixing the kernel");
    });

    it("retries a failed install (transient download) 3 times, 30 s apart, one line per failed attempt, then starts k3s", () => {
        const { sb, env, run } = setup({ installFailures: 2 });
        const r = run();
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        const install = `install.sh ${NODE} agent v1.33.5+k3s1 https://x/install.sh abc`;
        assert.deepStrictEqual(sb.calls().slice(2), [install, "sleep 30", install, "sleep 30", install, `start.sh ${NODE} agent 1200`]);
        const log = fs.readFileSync(env.LOG_FILE, "utf8");
        assert.match(log, new RegExp(`${NODE}: first-boot: installing k3s v1.33.5\\+k3s1 failed \\(attempt 1 of 3, line above\\); retrying in 30s`));
        assert.match(log, /attempt 2 of 3, line above\); retrying in 30s/);
        assert.ok(!/attempt 3 of 3/.test(log), log);
    });

    it("stops after the third failed install with the failure line, and never starts k3s", () => {
        const { sb, dir, env, run } = setup({ installFailures: 3 });
        const r = run();
        assert.strictEqual(r.code, 1);
        assert.deepStrictEqual(sb.calls().map(c => c.split(" ")[0]), ["preflight.sh", "configure.sh", "install.sh", "sleep", "install.sh", "sleep", "install.sh"]);
        const log = fs.readFileSync(env.LOG_FILE, "utf8");
        assert.strictEqual(log.match(/retrying in 30s/g)?.length, 2, log);
        assert.match(log, new RegExp(`${NODE}: first-boot: ERROR: installing k3s v1.33.5\\+k3s1 failed 3 times \\(line above\\); the node does not join`));
        assert.ok(fs.existsSync(path.join(dir, "config.yaml")), "kept for a re-run");
        assert.ok(!fs.existsSync(path.join(env.STATE_DIR, "first-boot-done")));
    });

    it("refuses to guess between several public IPv6 addresses, and stops when there is none", () => {
        const two = "2: eth0    inet6 2a01:4f8::1/64 scope global\n2: eth0    inet6 2a01:4f9::1/64 scope global";
        const several = setup({ addresses: two });
        const r = several.run();
        assert.strictEqual(r.code, 1);
        assert.match(fs.readFileSync(several.env.LOG_FILE, "utf8"), /several public IPv6 \/64 addresses \(2a01:4f8::1 2a01:4f9::1 \); cannot choose the node-ip/);
        assert.ok(!several.sb.calls().some(c => c.startsWith("install.sh")));
        const none = setup({ addresses: "2: eth0    inet6 fd00::1/64 scope global" });
        assert.strictEqual(none.run().code, 1);
        assert.match(fs.readFileSync(none.env.LOG_FILE, "utf8"), /no public IPv6 \/64 address after 0s/);
    });

    it("without the placeholder (ipv6 off) the config goes to configure.sh unchanged", () => {
        const { sb, run } = setup({ config: "node-ip: 10.0.1.100\ntoken: t\n", addresses: "" });
        assert.strictEqual(run().code, 0);
        assert.strictEqual(fs.readFileSync(path.join(sb.dir, "config.written"), "utf8"), "node-ip: 10.0.1.100\ntoken: t\n");
    });
});
