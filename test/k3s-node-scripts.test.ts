/**
 * The k3s node scripts under bash with a stubbed host: configure.sh (config.yaml), install.sh (pinned, digest-checked
 * installer; never starts k3s) and start.sh (bounded start/restart, records what it applied only once it is true),
 * alone and as the one command the program sends.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "./harness";
import { numericId } from "../tools/mocks";
import { sandbox, Sandbox, scriptPath } from "./shell";
import { K3S_INSTALLER } from "../components/config/versions";

const configure = scriptPath("k3s", "configure.sh");
const install = scriptPath("k3s", "install.sh");
const start = scriptPath("k3s", "start.sh");

/** What the curl stub serves as the installer; like upstream it starts k3s unless INSTALL_K3S_SKIP_START=true. */
const INSTALLER = `echo "installer INSTALL_K3S_VERSION=$INSTALL_K3S_VERSION INSTALL_K3S_EXEC=$INSTALL_K3S_EXEC INSTALL_K3S_SKIP_START=$INSTALL_K3S_SKIP_START" >> "$STUB_DIR/calls.log"
echo "$INSTALL_K3S_VERSION" > "$STUB_DIR/k3s-version"
[ "$INSTALL_K3S_SKIP_START" = true ] || systemctl restart "k3s$([ "$INSTALL_K3S_EXEC" = agent ] && echo -agent)"
`;
const INSTALLER_SHA256 = crypto.createHash("sha256").update(INSTALLER).digest("hex");
const URL = "https://example.invalid/k3s/install.sh";

/**
 * A k3s host. `k3s --version` reports what the installer installed; `systemctl restart` behaves per the file
 * `restart-mode` (ok: active, running the current config.yaml; fail: exit 1; hang: never returns, like a Type=notify
 * unit with TimeoutStartSec=0 that never gets READY); `systemctl is-active` follows it.
 */
function k3sHost(): Sandbox {
    const sb = sandbox();
    fs.writeFileSync(path.join(sb.dir, "installer.sh"), INSTALLER);
    sb.stub("k3s", `[ "$1" = "--version" ] && [ -f "$STUB_DIR/k3s-version" ] && echo "k3s version $(cat "$STUB_DIR/k3s-version") (abc123)"; exit 0`);
    sb.stub("systemctl", `case "$1" in
  is-active) [ -f "$STUB_DIR/active" ] ;;
  stop) rm -f "$STUB_DIR/active" ;;
  restart) log "systemctl restart $2"; rm -f "$STUB_DIR/active"
    case "$(cat "$STUB_DIR/restart-mode" 2>/dev/null || echo ok)" in
      ok) touch "$STUB_DIR/active"; cat "$K3S_CONFIG_DIR/config.yaml" "$STUB_DIR/k3s-version" > "$STUB_DIR/running" 2>/dev/null || true ;;
      fail) exit 1 ;;
      hang) exec sleep 30 ;;
    esac ;;
esac`);
    sb.stub("curl", `log "curl $*"; out=""; while [ "$#" -gt 0 ]; do [ "$1" = "-o" ] && out=$2; shift; done; cp "$STUB_DIR/installer.sh" "$out"`);
    return sb;
}
const env = (sb: Sandbox) => ({ K3S_CONFIG_DIR: path.join(sb.dir, "etc"), STATE_DIR: path.join(sb.dir, "state") });
const setRestart = (sb: Sandbox, mode: "ok" | "fail" | "hang") => fs.writeFileSync(path.join(sb.dir, "restart-mode"), mode);
const writeConfig = (sb: Sandbox, text: string) => {
    fs.mkdirSync(path.join(sb.dir, "etc"), { recursive: true });
    fs.writeFileSync(path.join(sb.dir, "etc", "config.yaml"), text);
};
const running = (sb: Sandbox) => fs.existsSync(path.join(sb.dir, "active")) ? fs.readFileSync(path.join(sb.dir, "running"), "utf8") : "(stopped)";
const record = (sb: Sandbox) => path.join(sb.dir, "state", "k3s-applied");

describe("k3s node scripts: configure.sh (config.yaml)", () => {
    it("writes mode 0600 atomically, reports unchanged content, and never restarts anything", () => {
        const sb = k3sHost();
        const first = sb.run(configure, ["srv-1", "server"], { stdin: "token: s3cret\n", env: env(sb) });
        assert.strictEqual(first.code, 0, first.stderr);
        assert.strictEqual(first.stdout, "srv-1: config: written\n");
        const file = path.join(sb.dir, "etc", "config.yaml");
        assert.strictEqual(fs.readFileSync(file, "utf8"), "token: s3cret\n");
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        assert.strictEqual(sb.run(configure, ["srv-1", "server"], { stdin: "token: s3cret\n", env: env(sb) }).stdout, "srv-1: config: unchanged\n");
        assert.strictEqual(sb.run(configure, ["srv-1", "server"], { stdin: "token: other\n", env: env(sb) }).stdout, "srv-1: config: written\n");
        assert.deepStrictEqual(sb.calls(), [], "start.sh applies the file, not configure.sh");
    });

    it("refuses empty stdin and unknown roles with one line", () => {
        const sb = k3sHost();
        assert.strictEqual(sb.run(configure, ["n", "server"], { stdin: "", env: env(sb) }).stderr, "n: config: ERROR: no configuration on stdin\n");
        assert.strictEqual(sb.run(configure, ["n", "master"], { stdin: "x", env: env(sb) }).stderr, "n: config: ERROR: role must be server or agent, got 'master'\n");
    });
});

describe("k3s node scripts: install.sh (pinned, digest-checked installer)", () => {
    const args = (node: string, role: string, version: string, sha = INSTALLER_SHA256) => [node, role, version, URL, sha];

    it("fetches the pinned URL, checks the digest, installs without starting k3s; a rerun downloads nothing", () => {
        const sb = k3sHost();
        const first = sb.run(install, args("srv-1", "server", "v1.33.5+k3s1"), { env: env(sb) });
        assert.strictEqual(first.code, 0, first.stderr);
        assert.strictEqual(first.stdout, "srv-1: k3s: installing v1.33.5+k3s1 as server\nsrv-1: k3s: v1.33.5+k3s1 installed\n");
        assert.match(sb.calls()[0], new RegExp(`^curl .* -o \\S+ ${URL.replace(/\./g, "\\.")}$`));
        assert.deepStrictEqual(sb.calls().slice(1), ["installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true"]);
        assert.strictEqual(running(sb), "(stopped)", "install.sh must not start k3s (an unbounded systemctl restart)");
        const second = sb.run(install, args("srv-1", "server", "v1.33.5+k3s1"), { env: env(sb) });
        assert.strictEqual(second.stdout, "srv-1: k3s: v1.33.5+k3s1 installed; nothing to download\n");
        assert.strictEqual(sb.calls().length, 2);
    });

    it("upgrades in place when the version changes", () => {
        const sb = k3sHost();
        sb.run(install, args("agent-1", "agent", "v1.32.9+k3s1"), { env: env(sb) });
        const up = sb.run(install, args("agent-1", "agent", "v1.33.5+k3s1"), { env: env(sb) });
        assert.strictEqual(up.code, 0, up.stderr);
        assert.match(up.stdout, /upgrading v1\.32\.9\+k3s1 -> v1\.33\.5\+k3s1/);
        assert.strictEqual(sb.calls()[3], "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=agent INSTALL_K3S_SKIP_START=true");
    });

    it("a digest mismatch stops with one line naming the artifact, expected and actual digest; the installer never runs", () => {
        const sb = k3sHost();
        const wrong = "0".repeat(64);
        const r = sb.run(install, args("n", "server", "v1.33.5+k3s1", wrong), { env: env(sb) });
        assert.notStrictEqual(r.code, 0);
        assert.strictEqual(r.stderr, `n: k3s: ERROR: k3s installer ${URL}: SHA-256 mismatch: expected ${wrong}, got ${INSTALLER_SHA256}; not running it. Fix: check this node's DNS and proxy (something altered the download); a commit URL never changes upstream, so change the pin in components/config/versions.ts only together with a new commit\n`);
        assert.deepStrictEqual(sb.calls().map(c => c.split(" ")[0]), ["curl"]);
        assert.ok(!fs.existsSync(path.join(sb.dir, "k3s-version")));
    });

    it("fails with one line when the installer cannot be downloaded", () => {
        const sb = k3sHost();
        sb.stub("curl", "exit 22");
        const r = sb.run(install, args("n", "server", "v1.33.5+k3s1"), { env: env(sb) });
        assert.notStrictEqual(r.code, 0);
        assert.strictEqual(r.stderr, `n: k3s: ERROR: cannot download the k3s installer from ${URL}\n`);
    });

    it("the program pins the installer by commit URL and SHA-256 (one owner: components/config/versions.ts)", () => {
        assert.match(K3S_INSTALLER.url, /^https:\/\/raw\.githubusercontent\.com\/k3s-io\/k3s\/[0-9a-f]{40}\/install\.sh$/);
        assert.match(K3S_INSTALLER.sha256, /^[0-9a-f]{64}$/);
    });
});

describe("k3s node scripts: start.sh (bounded start, honest applied record)", () => {
    function installed(config = "a: 1\n"): Sandbox {
        const sb = k3sHost();
        fs.writeFileSync(path.join(sb.dir, "k3s-version"), "v1.33.5+k3s1\n");
        writeConfig(sb, config);
        return sb;
    }
    const run = (sb: Sandbox, timeout = 5) => sb.run(start, ["srv-1", "server", timeout], { env: env(sb) });

    it("starts a stopped k3s, records it; a rerun restarts nothing", () => {
        const sb = installed();
        const first = run(sb);
        assert.strictEqual(first.code, 0, first.stderr);
        assert.strictEqual(first.stdout, "srv-1: k3s: starting k3s (v1.33.5+k3s1)\nsrv-1: k3s: k3s active with v1.33.5+k3s1 and the current configuration\n");
        assert.strictEqual(running(sb), "a: 1\nv1.33.5+k3s1\n");
        assert.match(fs.readFileSync(record(sb), "utf8"), /^v1\.33\.5\+k3s1 [0-9a-f]{64}\n$/);
        const again = run(sb);
        assert.strictEqual(again.stdout, "srv-1: k3s: k3s active with v1.33.5+k3s1 and the applied configuration; nothing to restart\n");
        assert.deepStrictEqual(sb.calls(), ["systemctl restart k3s"]);
    });

    it("a new config or a new binary restarts once", () => {
        const sb = installed();
        run(sb);
        writeConfig(sb, "a: 2\n");
        assert.match(run(sb).stdout, /restarting k3s to apply v1\.33\.5\+k3s1 and the current configuration/);
        assert.strictEqual(running(sb), "a: 2\nv1.33.5+k3s1\n");
        fs.writeFileSync(path.join(sb.dir, "k3s-version"), "v1.33.6+k3s1\n");
        run(sb);
        run(sb);
        assert.deepStrictEqual(sb.calls(), ["systemctl restart k3s", "systemctl restart k3s", "systemctl restart k3s"]);
    });

    it("a hung restart ends at the script's bound with one line, records nothing, and the next run restarts again", () => {
        const sb = installed();
        run(sb);
        writeConfig(sb, "a: 2\n");
        setRestart(sb, "hang");
        const t0 = Date.now();
        const hung = run(sb, 1);
        assert.ok(Date.now() - t0 < 10000, "the restart must be bounded by start.sh, not by systemd (TimeoutStartSec=0)");
        assert.notStrictEqual(hung.code, 0);
        assert.strictEqual(hung.stderr, "srv-1: k3s: ERROR: k3s did not start within 1s; it stays unrecorded and the next run restarts it again (see: journalctl -u k3s)\n");
        assert.ok(!fs.existsSync(record(sb)), "nothing may be recorded as applied");
        setRestart(sb, "ok");
        const rerun = run(sb);
        assert.strictEqual(rerun.code, 0, rerun.stderr);
        assert.match(rerun.stdout, /starting k3s/);
        assert.strictEqual(running(sb), "a: 2\nv1.33.5+k3s1\n");
    });

    it("a failed restart fails with one line; a rerun with the same config restarts instead of reporting unchanged", () => {
        const sb = installed();
        run(sb);
        writeConfig(sb, "a: 2\n");
        setRestart(sb, "fail");
        const failed = run(sb);
        assert.strictEqual(failed.stderr, "srv-1: k3s: ERROR: systemctl restart k3s failed (exit 1); the next run restarts it again (see: journalctl -u k3s)\n");
        setRestart(sb, "ok");
        // k3s came back by itself with the OLD config (e.g. an operator restarted it): still not what was asked for.
        fs.writeFileSync(path.join(sb.dir, "active"), "");
        fs.writeFileSync(path.join(sb.dir, "running"), "a: 1\nv1.33.5+k3s1\n");
        const rerun = run(sb);
        assert.match(rerun.stdout, /restarting k3s to apply/);
        assert.strictEqual(running(sb), "a: 2\nv1.33.5+k3s1\n");
    });

    it("starts a stopped k3s even when its config was applied before", () => {
        const sb = installed();
        run(sb);
        fs.rmSync(path.join(sb.dir, "active"));
        assert.match(run(sb).stdout, /starting k3s/);
        assert.strictEqual(sb.calls().length, 2);
    });

    it("fails with one line when k3s is not installed or the config is missing", () => {
        const bare = k3sHost();
        assert.strictEqual(run(bare).stderr, "srv-1: k3s: ERROR: k3s is not installed (install.sh runs first)\n");
        const noConfig = k3sHost();
        fs.writeFileSync(path.join(noConfig.dir, "k3s-version"), "v1.33.5+k3s1\n");
        assert.match(run(noConfig).stderr, /^srv-1: k3s: ERROR: cannot read \S+config\.yaml \(configure\.sh runs first\)\n$/);
    });
});

describe("k3s node scripts: an agent's converge command as the program sends it (its update)", () => {
    let line = "";
    let config = "";
    before(async () => {
        const g = await runProgram({ stack: "prod" });
        const cmd = g.get("k3s-cilium-agent-1-converge");
        // Serve the stub installer under the pinned URL/digest the program passes.
        line = (cmd.inputs.update as string).replace(K3S_INSTALLER.url, URL).replace(K3S_INSTALLER.sha256, INSTALLER_SHA256);
        config = cmd.inputs.stdin;
        assert.ok(line.includes(URL) && line.includes(INSTALLER_SHA256), "the command carries the pinned URL and digest");
    });
    /** A k3s host whose kernel passes the preflight (every option it checks), or lacks GENEVE. */
    function node(kernel: "ok" | "no-geneve" = "ok"): Sandbox {
        const sb = k3sHost();
        fs.writeFileSync(path.join(sb.dir, "install-command.sh"), `${line}\n`);
        const options = ["BPF", "BPF_SYSCALL", "BPF_JIT", "NET_CLS_BPF", "NET_CLS_ACT", "NET_SCH_INGRESS", "CRYPTO_SHA1",
            "CRYPTO_USER_API_HASH", "CGROUPS", "CGROUP_BPF", "PERF_EVENTS", "SCHEDSTATS", ...(kernel === "ok" ? ["GENEVE"] : [])];
        sb.stub("uname", `[ "$1" = "-r" ] && echo "6.8.0-49-generic"`);
        sb.stub("ip", `echo "3: enp7s0    inet 10.0.1.100/32 brd 10.0.1.100 scope global enp7s0"`);
        fs.mkdirSync(path.join(sb.dir, "boot"));
        fs.writeFileSync(path.join(sb.dir, "boot", "config-6.8.0-49-generic"), options.map(o => `CONFIG_${o}=y\n`).join(""));
        return sb;
    }
    const run = (sb: Sandbox, stdin: string) =>
        sb.run(path.join(sb.dir, "install-command.sh"), [], { stdin, env: { ...env(sb), BOOT_DIR: path.join(sb.dir, "boot"), PROC_CONFIG: path.join(sb.dir, "none") } });

    it("first run: config, install, bounded start; rerun: nothing; config change: one restart, no download", () => {
        const sb = node();
        const first = run(sb, config);
        assert.strictEqual(first.code, 0, first.stderr);
        assert.deepStrictEqual(first.stdout.trim().split("\n"), [
            "k3s-cilium-agent-1: boot: no cloud-init on this machine; nothing to wait for",
            `k3s-cilium-agent-1: boot: ready (machine ${numericId("k3s-cilium-agent-1")})`,
            "k3s-cilium-agent-1: preflight: kernel 6.8.0-49-generic >= 5.10",
            "k3s-cilium-agent-1: preflight: node-ip 10.0.1.100 is configured",
            "k3s-cilium-agent-1: preflight: ok",
            "k3s-cilium-agent-1: config: written",
            "k3s-cilium-agent-1: k3s: installing v1.33.5+k3s1 as agent",
            "k3s-cilium-agent-1: k3s: v1.33.5+k3s1 installed",
            "k3s-cilium-agent-1: k3s: starting k3s-agent (v1.33.5+k3s1)",
            "k3s-cilium-agent-1: k3s: k3s-agent active with v1.33.5+k3s1 and the current configuration",
        ]);
        assert.deepStrictEqual(sb.calls().map(c => c.split(" ")[0]), ["curl", "installer", "systemctl"]);
        assert.strictEqual(running(sb), `${config}v1.33.5+k3s1\n`);
        const again = run(sb, config);
        assert.strictEqual(again.code, 0, again.stderr);
        assert.match(again.stdout, /config: unchanged\n.*nothing to download\n.*nothing to restart\n$/);
        assert.strictEqual(sb.calls().length, 3);
        const changed = run(sb, `${config}# changed\n`);
        assert.strictEqual(changed.code, 0, changed.stderr);
        assert.deepStrictEqual(sb.calls().slice(3), ["systemctl restart k3s-agent"]);
    });

    it("after a hung restart, the same command (pulumi re-runs update) restarts instead of reporting unchanged", () => {
        const sb = node();
        run(sb, config);
        setRestart(sb, "hang");
        fs.writeFileSync(path.join(sb.dir, "install-command.sh"), `${line.replace(/ 600$/, " 1")}\n`);
        const hung = run(sb, `${config}# changed\n`);
        assert.notStrictEqual(hung.code, 0);
        assert.strictEqual(hung.stderr, "k3s-cilium-agent-1: k3s: ERROR: k3s-agent did not start within 1s; it stays unrecorded and the next run restarts it again (see: journalctl -u k3s-agent)\n");
        setRestart(sb, "ok");
        const rerun = run(sb, `${config}# changed\n`);
        assert.strictEqual(rerun.code, 0, rerun.stderr);
        assert.match(rerun.stdout, /config: unchanged\n.*nothing to download\n.*starting k3s-agent/);
        assert.strictEqual(running(sb), `${config}# changed\nv1.33.5+k3s1\n`);
    });

    it("a kernel the preflight refuses (the first boot stopped there) stops the converge: no config, no install, no start", () => {
        const sb = node("no-geneve");
        const r = run(sb, config);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /k3s-cilium-agent-1: preflight: kernel option CONFIG_GENEVE is not enabled/);
        assert.match(r.stderr, /k3s-cilium-agent-1: preflight: FAILED with 1 missing requirement\(s\); k3s was not touched\n$/);
        assert.ok(!/config: written/.test(r.stdout), r.stdout);
        assert.ok(!fs.existsSync(path.join(sb.dir, "etc", "config.yaml")), "no config.yaml written");
        assert.deepStrictEqual(sb.calls(), [], "neither the installer nor systemctl ran");
    });

    it("installs nothing when the config cannot be written", () => {
        const sb = node();
        const r = run(sb, "");
        assert.notStrictEqual(r.code, 0);
        assert.strictEqual(r.stderr.trim(), "k3s-cilium-agent-1: config: ERROR: no configuration on stdin");
        assert.deepStrictEqual(sb.calls(), []);
    });
});
