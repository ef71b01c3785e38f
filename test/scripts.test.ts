import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { ROOT } from "./harness";
import { sandbox, Sandbox, scriptPath } from "./shell";
import { FRAGMENT_MARKER, parseScriptCommands, PRELUDE_MARKER, scriptCommand, scriptFromText, scriptSequence, withPrelude } from "../components/shared/script";
import { tempDir } from "./temp";
import { FIRST_BOOT } from "../components/k3s/first-boot";

const ALL_SCRIPTS = ["nodes", "k3s", "cilium", "policies", "hetzner-cloud"].flatMap(stage =>
    fs.readdirSync(path.join(ROOT, "components", stage, "scripts")).filter(f => f.endsWith(".sh")).map(f => scriptPath(stage, f)));

const SHARED = path.join(ROOT, "components", "shared", "scripts");
const FRAGMENTS = fs.readdirSync(SHARED).filter(f => f.endsWith(".sh")).map(f => path.join(SHARED, f));
/** The functions a shell text defines (`name() {`). */
const defines = (text: string) => [...text.matchAll(/^\s*([a-z_]+)\s*\(\)/gm)].map(m => m[1]);

const BASE_OPTIONS = ["BPF", "BPF_SYSCALL", "BPF_JIT", "NET_CLS_BPF", "NET_CLS_ACT", "NET_SCH_INGRESS", "CRYPTO_SHA1",
    "CRYPTO_USER_API_HASH", "CGROUPS", "CGROUP_BPF", "PERF_EVENTS", "SCHEDSTATS"];

function kernelConfig(options: string[]): string {
    return ["# fixture kernel config", ...options.map((o, i) => `CONFIG_${o}=${i % 3 === 0 ? "m" : "y"}`), "# CONFIG_NOT_SET is not set", ""].join("\n");
}

describe("scripts: every script", () => {
    it("is shellcheck-clean as sent, prelude inserted (shellcheck must be installed: .ci/run does it)", () => {
        const dir = tempDir("k3s-cilium-sent-");
        const sent = ALL_SCRIPTS.map(file => {
            const out = path.join(dir, `${path.basename(path.dirname(path.dirname(file)))}-${path.basename(file)}`);
            fs.writeFileSync(out, withPrelude(fs.readFileSync(file, "utf8")));
            return out;
        });
        const out = spawnSync("shellcheck", ["--severity=style", ...sent], { encoding: "utf8" });
        assert.strictEqual(out.stdout, "");
        assert.strictEqual(out.status, 0, out.stderr);
    });
    it("the shared fragments alone are shellcheck-clean", () => {
        const out = execFileSync("shellcheck", ["--severity=style", "--shell=bash", ...FRAGMENTS], { encoding: "utf8" });
        assert.strictEqual(out, "");
    });
    it("every script gets info, fatal (as_root, wait_until, ...) from the shared fragments: none defines them itself, each fragment is in once", () => {
        const shared = new Map(FRAGMENTS.map(f => [path.basename(f), fs.readFileSync(f, "utf8").trimEnd()]));
        const sharedFunctions = new Set([...shared.values()].flatMap(defines));
        const problems = ALL_SCRIPTS.flatMap(file => {
            const source = fs.readFileSync(file, "utf8");
            const name = path.relative(ROOT, file);
            const used = source.split("\n").map(l => FRAGMENT_MARKER.exec(l)?.[1]).filter((f): f is string => f !== undefined);
            const preludes = used.filter(f => f === "prelude.sh" || f === "operator-prelude.sh");
            const sent = withPrelude(source);
            const beforePrelude = source.slice(0, source.search(/^# @prelude: /m));
            return [
                ...defines(source).filter(f => sharedFunctions.has(f)).map(f => `${name} defines ${f}() itself`),
                ...(preludes.length === 1 ? [] : [`${name} has ${preludes.length} of prelude.sh and operator-prelude.sh`]),
                ...used.filter(f => sent.split(shared.get(f)!).length - 1 !== 1).map(f => `${name} as sent does not contain ${f} exactly once`),
                ...(preludes[0] !== "prelude.sh" || /^LOG_TAG="[a-z0-9-]+"$/m.test(beforePrelude) ? [] : [`${name} sets no LOG_TAG before the prelude`]),
                ...(preludes[0] !== "operator-prelude.sh" || /^LOG_PREFIX="\[[a-z0-9-]+\]"$/m.test(beforePrelude) ? [] : [`${name} sets no LOG_PREFIX before the operator prelude`]),
                // The operator's machine: nothing escalates there, and the operator prelude has no as_root.
                ...(preludes[0] === "operator-prelude.sh" && /\bas_root\b/.test(source) ? [`${name} runs on the operator's machine but calls as_root`] : []),
            ];
        });
        assert.deepStrictEqual(problems, []);
        // The fragments define what the check above looks for, so it can see a definition.
        assert.deepStrictEqual(defines(shared.get("prelude.sh")!), ["info", "fatal", "as_root"]);
        assert.deepStrictEqual(defines(shared.get("operator-prelude.sh")!), ["info", "fatal"]);
        assert.deepStrictEqual(defines(shared.get("wait.sh")!), ["wait_until"]);
    });
    for (const file of ALL_SCRIPTS) {
        it(`${path.basename(file)} starts with a bash shebang and set -euo pipefail`, () => {
            const lines = fs.readFileSync(file, "utf8").split("\n");
            assert.strictEqual(lines[0], "#!/usr/bin/env bash");
            assert.ok(lines.includes("set -euo pipefail"), "missing set -euo pipefail");
        });
    }
});

describe("scripts: how they are sent", () => {
    it("scriptCommand and parseScriptCommands round-trip text with quotes, and arguments are quoted", () => {
        const script = scriptFromText("x.sh", "/x.sh", "#!/usr/bin/env bash\necho 'it'\\''s' \"$1\"\n");
        const line = scriptCommand(script, ["node-1", "a b", 6443]);
        assert.deepStrictEqual(parseScriptCommands(line), [{ name: "x.sh", text: script.text, args: " node-1 'a b' 6443" }]);
        assert.strictEqual(parseScriptCommands("true"), undefined);
        assert.strictEqual(parseScriptCommands("bash -c 'echo unterminated"), undefined);
        const out = execFileSync("bash", ["-c", `${scriptCommand(scriptFromText("x.sh", "/x.sh", 'printf "%s|" "$0" "$@"'), ["it's", "b"])}`], { encoding: "utf8" });
        assert.strictEqual(out, "x.sh|it's|b|");
    });

    it("a sequence runs its scripts in order in one shell, stdin goes to the first, and stops at the first failure", () => {
        const first = scriptFromText("first.sh", "/first.sh", 'read -r line; echo "$0 got $line && $1"');
        const second = scriptFromText("second.sh", "/second.sh", 'read -r line || echo "$0 sees end of input"; exit "$1"');
        const third = scriptFromText("third.sh", "/third.sh", 'echo "$0 ran"');
        const ok = scriptSequence(scriptCommand(first, ["a && b"]), scriptCommand(second, [0]), scriptCommand(third));
        assert.strictEqual(execFileSync("bash", ["-c", ok], { input: "secret\n", encoding: "utf8" }),
            "first.sh got secret && a && b\nsecond.sh sees end of input\nthird.sh ran\n");
        assert.deepStrictEqual(parseScriptCommands(ok)!.map(s => [s.name, s.text, s.args]), [
            ["first.sh", first.text, " 'a && b'"], ["second.sh", second.text, " 0"], ["third.sh", third.text, ""],
        ]);
        const failing = scriptSequence(scriptCommand(first, ["x"]), scriptCommand(second, [3]), scriptCommand(third));
        const r = spawnSync("bash", ["-c", failing], { input: "secret\n", encoding: "utf8" });
        assert.strictEqual(r.status, 3);
        assert.ok(!r.stdout.includes("third.sh ran"), "a failed script stops the sequence");
    });
});

describe("scripts: preflight.sh", () => {
    const preflight = scriptPath("k3s", "preflight.sh");
    function node(kernel: string, options: string[], opts: { ip?: string; viaProc?: boolean } = {}): Sandbox {
        const sb = sandbox();
        sb.stub("uname", `[ "$1" = "-r" ] && echo "${kernel}"`);
        sb.stub("ip", `echo "2: enp7s0    inet ${opts.ip ?? "10.0.1.10"}/32 brd 10.0.1.10 scope global dynamic enp7s0"`);
        fs.mkdirSync(path.join(sb.dir, "boot"));
        if (opts.viaProc) fs.writeFileSync(path.join(sb.dir, "config.gz"), zlib.gzipSync(kernelConfig(options)));
        else fs.writeFileSync(path.join(sb.dir, "boot", `config-${kernel}`), kernelConfig(options));
        return sb;
    }
    const env = (sb: Sandbox) => ({ BOOT_DIR: path.join(sb.dir, "boot"), PROC_CONFIG: path.join(sb.dir, "config.gz") });

    it("passes a good 6.8 kernel with GENEVE", () => {
        const sb = node("6.8.0-49-generic", [...BASE_OPTIONS, "GENEVE"]);
        const r = sb.run(preflight, ["srv-1", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /srv-1: preflight: kernel 6\.8\.0-49-generic >= 5\.10/);
        assert.match(r.stdout, /srv-1: preflight: ok/);
    });

    it("fails a 5.4 kernel and names the version", () => {
        const sb = node("5.4.0-216-generic", [...BASE_OPTIONS, "GENEVE"]);
        const r = sb.run(preflight, ["srv-1", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) });
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /^srv-1: preflight: kernel 5\.4\.0-216-generic is older than 5\.10/m);
        assert.match(r.stderr, /FAILED with 1 missing requirement/);
    });

    it("names a missing BPF_JIT, one line per missing option", () => {
        const sb = node("6.8.0-49-generic", [...BASE_OPTIONS.filter(o => o !== "BPF_JIT" && o !== "SCHEDSTATS"), "GENEVE"]);
        const r = sb.run(preflight, ["agent-3", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) });
        assert.notStrictEqual(r.code, 0);
        const lines = r.stderr.trim().split("\n");
        assert.deepStrictEqual(lines, [
            "agent-3: preflight: kernel option CONFIG_BPF_JIT is not enabled (needs =y or =m)",
            "agent-3: preflight: kernel option CONFIG_SCHEDSTATS is not enabled (needs =y or =m)",
            "agent-3: preflight: FAILED with 2 missing requirement(s); k3s was not touched",
        ]);
    });

    it("checks VXLAN, not GENEVE, on a VXLAN stack", () => {
        const sb = node("6.8.0", [...BASE_OPTIONS, "VXLAN"]);
        assert.strictEqual(sb.run(preflight, ["n", "5.10", "vxlan", "false", "10.0.1.10"], { env: env(sb) }).code, 0);
        const geneve = sb.run(preflight, ["n", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) });
        assert.notStrictEqual(geneve.code, 0);
        assert.match(geneve.stderr, /CONFIG_GENEVE is not enabled/);
        assert.ok(!/VXLAN/.test(geneve.stderr));
    });

    it("requires WIREGUARD only when encryption is on", () => {
        const sb = node("6.8.0", [...BASE_OPTIONS, "GENEVE"]);
        assert.strictEqual(sb.run(preflight, ["n", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) }).code, 0);
        const wg = sb.run(preflight, ["n", "5.10", "geneve", "true", "10.0.1.10"], { env: env(sb) });
        assert.notStrictEqual(wg.code, 0);
        assert.match(wg.stderr, /CONFIG_WIREGUARD is not enabled/);
    });

    it("reads /proc/config.gz when /boot has no config", () => {
        const sb = node("6.8.0", [...BASE_OPTIONS, "GENEVE"], { viaProc: true });
        const r = sb.run(preflight, ["n", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) });
        assert.strictEqual(r.code, 0, r.stderr);
    });

    it("fails when no kernel config can be found", () => {
        const sb = node("6.8.0", []);
        fs.rmSync(path.join(sb.dir, "boot", "config-6.8.0"));
        const r = sb.run(preflight, ["n", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) });
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /n: preflight: no kernel config found/);
    });

    it("fails when node-ip is not on any interface", () => {
        const sb = node("6.8.0", [...BASE_OPTIONS, "GENEVE"], { ip: "10.0.1.99" });
        const r = sb.run(preflight, ["n", "5.10", "geneve", "false", "10.0.1.10"], { env: env(sb) });
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /n: preflight: node-ip 10\.0\.1\.10 is not on any interface/);
    });
});

describe("scripts: waits are bounded", () => {
    it("wait_until (components/shared/scripts/wait.sh) tries at least once, then gives up after its bound with the caller's one failure line", () => {
        const sb = sandbox();
        sb.stub("probe", 'log probe; [ -e "$STUB_DIR/up" ]');
        const file = path.join(sb.dir, "waiter.sh");
        fs.writeFileSync(file, ["#!/usr/bin/env bash", "set -euo pipefail", "NODE=n1", 'LOG_TAG="wait"', PRELUDE_MARKER,
            "# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)",
            'wait_until "$1" probe || fatal "probe did not answer within $1s"', 'info "probe answered"', ""].join("\n"));
        const t0 = Date.now();
        const r = sb.run(file, [2], { env: { INTERVAL: "1" } });
        assert.deepStrictEqual([r.code, r.stdout, r.stderr], [1, "", "n1: wait: ERROR: probe did not answer within 2s\n"]);
        const tries = sb.calls().length;
        assert.ok(tries >= 2 && tries <= 4, `${tries} tries in a 2s bound at a 1s interval`);
        assert.ok(Date.now() - t0 < 10000);
        fs.writeFileSync(path.join(sb.dir, "up"), "");
        const now = sb.run(file, [0], { env: { INTERVAL: "1" } });
        assert.deepStrictEqual([now.code, now.stdout, sb.calls().length], [0, "n1: wait: probe answered\n", tries + 1]);
    });

    it("wait-boot.sh accepts cloud-init done or degraded, fails on error", () => {
        const boot = scriptPath("k3s", "wait-boot.sh");
        for (const [rc, ok] of [[0, true], [2, true], [1, false]] as const) {
            const sb = sandbox();
            sb.stub("cloud-init", `exit ${rc}`);
            const r = sb.run(boot, ["n", 5]);
            assert.strictEqual(r.code === 0, ok, `cloud-init exit ${rc}: ${r.stderr}`);
            if (!ok) assert.match(r.stderr, /n: boot: ERROR: cloud-init failed with exit code 1/);
        }
        // A first-boot agent's converge (machine id given) repairs a failed first boot instead of stopping at it.
        const converge = sandbox();
        converge.stub("cloud-init", "exit 1");
        const c = converge.run(boot, ["n", 5, "4711"]);
        assert.strictEqual(c.code, 0, c.stderr);
        // The log it names is the one first-boot.sh writes (components/k3s/first-boot.ts owns the path).
        assert.strictEqual(c.stdout, `n: boot: cloud-init reported errors (exit 1; see ${FIRST_BOOT.log}, cloud-init status --long); converging this node anyway\nn: boot: ready (machine 4711)\n`);
        const none = sandbox(); // no cloud-init stub, and none in /usr/bin:/bin
        const r = none.run(boot, ["n", 5]);
        assert.strictEqual(r.code, 0);
        assert.match(r.stdout, /n: boot: no cloud-init on this machine; nothing to wait for/);
    });

    it("api-ready.sh retries until /readyz answers and gives up after its timeout", () => {
        const api = scriptPath("k3s", "api-ready.sh");
        const sb = sandbox();
        sb.stub("k3s", `n=$(cat "$STUB_DIR/n" 2>/dev/null || echo 0); echo $((n + 1)) > "$STUB_DIR/n"; [ "$n" -ge 2 ]`);
        const r = sb.run(api, ["srv-1", 30]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(fs.readFileSync(path.join(sb.dir, "n"), "utf8").trim(), "3");
        const never = sandbox();
        never.stub("k3s", "exit 1");
        never.stub("sleep", "exit 0");
        const t0 = Date.now();
        const failed = never.run(api, ["srv-1", 1], { env: { INTERVAL: "1" } });
        assert.notStrictEqual(failed.code, 0);
        assert.match(failed.stderr, /srv-1: api: ERROR: \/readyz did not answer ok within 1s/);
        assert.ok(Date.now() - t0 < 10000);
    });

    it("crd-gate.sh waits for registration, then Established", () => {
        const gate = scriptPath("cilium", "crd-gate.sh");
        const sb = sandbox();
        sb.stub("k3s", `log "k3s $*"; if [ "$2" = "get" ]; then n=$(cat "$STUB_DIR/n" 2>/dev/null || echo 0); echo $((n + 1)) > "$STUB_DIR/n"; [ "$n" -ge 1 ]; fi`);
        const r = sb.run(gate, ["srv-1", 20, "ciliumclusterwidenetworkpolicies.cilium.io"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /ciliumclusterwidenetworkpolicies\.cilium\.io Established/);
        assert.ok(sb.calls().some(c => /kubectl wait --for=condition=Established crd\/ciliumclusterwidenetworkpolicies\.cilium\.io --timeout=\d+s/.test(c)));
        const never = sandbox();
        never.stub("k3s", "exit 1");
        const failed = never.run(gate, ["srv-1", 1, "x.cilium.io"], { env: { INTERVAL: "1" } });
        assert.notStrictEqual(failed.code, 0);
        assert.match(failed.stderr, /CRD x\.cilium\.io was not registered within 1s/);
    });
});

describe("scripts: servers-at-version.sh (version-skew gate)", () => {
    const gate = scriptPath("k3s", "servers-at-version.sh");
    it("passes when every registered server runs the version, waits while one lags, fails after its timeout", () => {
        const sb = sandbox();
        sb.stub("k3s", 'cat "$STUB_DIR/versions"');
        fs.writeFileSync(path.join(sb.dir, "versions"), "v1.33.5+k3s1\n");
        assert.match(sb.run(gate, ["srv-1", "v1.33.5+k3s1", 5]).stdout, /every registered server runs v1\.33\.5\+k3s1/);
        fs.writeFileSync(path.join(sb.dir, "versions"), "v1.33.5+k3s1\nv1.32.9+k3s1\n");
        sb.stub("sleep", "exit 0");
        const lag = sb.run(gate, ["srv-1", "v1.33.5+k3s1", 1], { env: { INTERVAL: "1" } });
        assert.notStrictEqual(lag.code, 0);
        assert.match(lag.stderr, /srv-1: skew-gate: ERROR: servers still at v1\.33\.5\+k3s1 v1\.32\.9\+k3s1 after 1s/);
    });
});

describe("scripts: cluster operations", () => {
    it("datapath-guard.sh records, accepts the same mode, refuses a change", () => {
        const guard = scriptPath("cilium", "datapath-guard.sh");
        const sb = sandbox();
        const env = { STATE_DIR: path.join(sb.dir, "state") };
        assert.match(sb.run(guard, ["srv-1", "tunnel/geneve"], { env }).stdout, /recorded/);
        assert.match(sb.run(guard, ["srv-1", "tunnel/geneve"], { env }).stdout, /unchanged/);
        const r = sb.run(guard, ["srv-1", "tunnel/vxlan"], { env });
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /refusing to switch the Cilium datapath from tunnel\/geneve to tunnel\/vxlan.*every node must restart/);
    });

    // drain.sh, remove-server.sh and etcd-guard.sh run under a stubbed kubectl in test/removal-scripts.test.ts.
    // colima-up.sh and colima-delete.sh run under a stub of Colima's real CLI in test/colima.test.ts.
});
