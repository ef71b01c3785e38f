import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { COLIMA_HOST_KEY_FIXTURE, ROOT, runProgram, stackConfig } from "./harness";
import { sandbox, Sandbox, scriptPath } from "./shell";
import { COLIMA_CLI, COLIMA_HOSTS, flagsOn, specHost, STUB_HOST_KEY, stubColima } from "./colima-stub";
import { effectiveRules, hostAddressFor } from "./lima-forwarding";
import { parse as parseShell } from "shell-quote";
import { parseScriptCommands } from "../components/shared/script";
import { validateConfig } from "../components/config";
import {
    colimaConfigProblems, colimaHostProblems, colimaStartFlags, colimaVmType, LimaPortForward, limaLoopbackOverride, parseHostKey, parseSshConfig,
} from "../components/nodes";

const made: Sandbox[] = [];
function box(): Sandbox {
    const sb = sandbox();
    made.push(sb);
    return sb;
}
after(() => { for (const sb of made) fs.rmSync(sb.dir, { recursive: true, force: true }); });

const UP = scriptPath("nodes", "colima-up.sh");
const VM_TYPES = ["auto", "qemu", "vz"] as const;
const platformEnv = (hostName: string) => `${COLIMA_CLI.hosts[hostName].platform}:${COLIMA_CLI.hosts[hostName].osRelease}`;

/** The arguments the program hands colima-up.sh: recovered from the VM resource's real create command. */
async function upArgs(hostName: string, vmType: string): Promise<string[]> {
    const g = await runProgram({ stack: "local", overrides: { colimaVmType: vmType }, platform: platformEnv(hostName) as NodeJS.Platform });
    const create = g.get("k3s-cilium-colima", "command:local:Command").inputs.create as string;
    const [up] = parseScriptCommands(create)!;
    assert.strictEqual(up.name, "colima-up.sh");
    return parseShell(up.args).map(String);
}

describe("colima: the stub knows Colima's real CLI (test data from abiosoft/colima v0.10.3)", () => {
    it("rejects flags a host's Colima does not define, the way cobra does", () => {
        const sb = box();
        stubColima(sb, "linux");
        const r = sb.run(sb.bin + "/colima", ["start", "--profile", "p", "--vm-type", "qemu"]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /^Error: unknown flag: --vm-type$/m);
        assert.match(sb.run(sb.bin + "/colima", ["start", "--cpus"]).stderr, /flag needs an argument: --cpus/);
        assert.match(sb.run(sb.bin + "/colima", ["start", "--kubernetes=maybe"]).stderr, /invalid argument "maybe" for "--kubernetes"/);
        assert.match(sb.run(sb.bin + "/colima", ["delete", "-x"]).stderr, /unknown shorthand flag: 'x' in -x/);
        const mac = box();
        stubColima(mac, "macos-15-arm64");
        assert.strictEqual(mac.run(mac.bin + "/colima", ["start", "-p", "p", "--vm-type=vz", "--cpus", "2"]).code, 0);
        assert.match(mac.run(mac.bin + "/colima", ["start", "--vm-type", "hyperv"]).stderr, /invalid --vm-type 'hyperv'/);
    });

    it("has the host conditions of cmd/start.go: --vm-type only on macOS 13+, --network-* only on macOS", () => {
        const has = (h: string, f: string) => flagsOn(h, "start").has(f);
        assert.deepStrictEqual(COLIMA_HOSTS.map(h => [h, has(h, "vm-type"), has(h, "network-address"), has(h, "ssh-port")]),
            [["linux", false, false, true], ["macos-12", false, true, true], ["macos-15-arm64", true, true, true]]);
        assert.deepStrictEqual(flagsOn("macos-15-arm64", "start").get("vm-type")!.values, ["qemu", "vz", "krunkit"]);
    });
});

describe("colima: colima-up.sh against the Colima CLI contract, per host OS and config", () => {
    for (const hostName of COLIMA_HOSTS) {
        for (const vmType of VM_TYPES) {
            const host = specHost(hostName);
            const refused = vmType === "vz" && !host.macos13OrNewer;
            it(`${hostName}, colimaVmType ${vmType}: ${refused ? "refused before anything is created" : "every flag is one Colima defines there"}`, async () => {
                if (refused) {
                    await assert.rejects(runProgram({ stack: "local", overrides: { colimaVmType: vmType }, platform: platformEnv(hostName) as NodeJS.Platform }),
                        /k3s-cilium:colimaVmType = "vz": Colima offers the vz VM type only on macOS 13 or newer \(this host: (linux|macOS 12 or older)\); accepted: auto or qemu/);
                    return;
                }
                const args = await upArgs(hostName, vmType);
                const sb = box();
                stubColima(sb, hostName);
                const r = sb.run(UP, args);
                assert.strictEqual(r.code, 0, r.stderr);
                const start = sb.calls().filter(c => c.startsWith("colima start --"));
                assert.strictEqual(start.length, 1, sb.calls().join("\n"));
                // The VM type the VM gets: the flag where Colima has one, QEMU (its only type) elsewhere.
                const expected = colimaVmType(vmType, host);
                assert.strictEqual(/--vm-type (\S+)/.exec(start[0])?.[1] ?? "qemu", expected);
                assert.strictEqual(expected, host.macos13OrNewer && vmType !== "qemu" ? "vz" : "qemu");
            });
        }
    }

    it("passes the VM size and keeps Colima's own Kubernetes and the user's template out", () => {
        const c = { profile: "p", cpus: 6, memoryGiB: 12, diskGiB: 80, vmType: "auto" as const, sshPort: 30022 };
        assert.deepStrictEqual(colimaStartFlags(c, specHost("linux")),
            ["--cpus", "6", "--memory", "12", "--disk", "80", "--runtime", "containerd", "--mount", "none", "--ssh-port", "30022",
                "--kubernetes=false", "--template=false", "--save-config=true"]);
        assert.deepStrictEqual(colimaStartFlags(c, specHost("macos-15-arm64")).slice(6, 8), ["--vm-type", "vz"]);
    });

    it("names the key, the value and the host for vz where Colima has no vz", () => {
        const cfg = (vmType: "auto" | "vz" | "qemu") => ({ provider: "colima" as const, colima: { profile: "p", cpus: 1, memoryGiB: 1, diskGiB: 1, vmType, sshPort: 26022 } });
        assert.deepStrictEqual(colimaHostProblems(cfg("auto"), specHost("linux")), []);
        assert.deepStrictEqual(colimaHostProblems(cfg("qemu"), specHost("macos-12")), []);
        assert.deepStrictEqual(colimaHostProblems(cfg("vz"), specHost("macos-15-arm64")), []);
        assert.deepStrictEqual(colimaHostProblems(cfg("vz"), specHost("linux")),
            ['k3s-cilium:colimaVmType = "vz": Colima offers the vz VM type only on macOS 13 or newer (this host: linux); accepted: auto or qemu']);
        assert.deepStrictEqual(colimaHostProblems({ ...cfg("vz"), provider: "hetzner" }, specHost("linux")), []);
    });
});

/** colima-up.sh's arguments as the program builds them for the default local stack on a host of the spec. */
async function defaultArgs(hostName = "linux"): Promise<string[]> {
    return upArgs(hostName, "auto");
}
const limaConfigDir = (sb: Sandbox) => path.join(sb.dir, ".config", "colima", "_lima", "_config"); // Linux, no ~/.colima

describe("colima: colima-up.sh and colima-delete.sh, end to end under the stub", () => {
    it("starts a stopped profile once and prints the ssh-config and the guest host key; reuses a running one", async () => {
        const args = await defaultArgs();
        const sb = box();
        stubColima(sb, "linux");
        const r = sb.run(UP, args);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls().map(c => c.split(" ").slice(0, 2).join(" ")),
            ["colima status", "colima start", "colima start:", "colima ssh-config", "colima ssh", "colima ssh"]);
        assert.strictEqual(parseSshConfig(r.stdout, "k3s-cilium").port, 26022);
        assert.strictEqual(parseHostKey(r.stdout, "k3s-cilium"), STUB_HOST_KEY);
        const again = sb.run(UP, args);
        assert.strictEqual(again.code, 0, again.stderr);
        assert.match(again.stderr, /already running; reusing it/);
        assert.strictEqual(sb.calls().filter(c => c.startsWith("colima start --")).length, 1);
    });

    it("explains a missing colima and a failed start in one line", async () => {
        const args = await defaultArgs();
        const missing = box(); // no colima stub, and none in /usr/bin:/bin
        const m = missing.run(UP, args);
        assert.notStrictEqual(m.code, 0);
        assert.match(m.stderr, /colima is not installed; install it \(macOS: brew install colima/);
        const failing = box();
        stubColima(failing, "linux", { startFails: true });
        assert.match(failing.run(UP, args).stderr, /^\[colima-up\] ERROR: colima start --profile k3s-cilium failed; see: colima start --profile k3s-cilium --verbose$/m);
    });

    it("destroy deletes the profile with its data disk (--data) and tolerates a missing profile", () => {
        const del = scriptPath("nodes", "colima-delete.sh");
        const sb = box();
        stubColima(sb, "macos-15-arm64", { running: true });
        const r = sb.run(del, ["k3s-cilium"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), ["colima list --profile k3s-cilium --json", "colima delete --profile k3s-cilium --force --data"]);
        assert.ok(fs.existsSync(path.join(sb.dir, "colima-state", "data-deleted")), "the runtime disk with /var/lib/rancher is deleted too");
        const gone = box();
        stubColima(gone, "linux");
        assert.match(gone.run(del, ["k3s-cilium"]).stderr, /profile k3s-cilium does not exist; nothing to delete/);
        assert.deepStrictEqual(gone.calls(), ["colima list --profile k3s-cilium --json"]);
    });
});

describe("colima: a stable SSH endpoint (Lima picks a new port at each VM start unless ssh.localPort is set)", () => {
    it("every remote command dials the pinned port, known before the VM exists", async () => {
        const g = await runProgram({ stack: "local", overrides: { colimaSshPort: 31022 }, preview: true });
        const remote = g.ofType("command:remote:Command");
        assert.ok(remote.length >= 3, `${remote.length} remote commands`);
        for (const c of remote) assert.strictEqual(c.inputs.connection.port, 31022, c.name);
    });

    it("after a reboot (VM stopped, started again) SSH is on the same port; without the pin it would move", async () => {
        const args = await defaultArgs();
        const sb = box();
        stubColima(sb, "linux");
        assert.strictEqual(sb.run(UP, args).code, 0);
        fs.rmSync(path.join(sb.dir, "colima-state", "running")); // reboot: the VM is stopped
        // What the user (or the next create) does: colima start with the saved config (--ssh-port was saved).
        const restarted = sb.run(sb.bin + "/colima", ["start", "--profile", "k3s-cilium", "--ssh-port", "26022"]);
        assert.strictEqual(restarted.code, 0, restarted.stderr);
        assert.strictEqual(parseSshConfig(sb.run(sb.bin + "/colima", ["ssh-config", "--profile", "k3s-cilium"]).stdout, "k3s-cilium").port, 26022);
        // Lima's freeport without the pin: the stub, like Lima, picks another port.
        fs.rmSync(path.join(sb.dir, "colima-state", "running"));
        sb.run(sb.bin + "/colima", ["start", "--profile", "k3s-cilium"]);
        assert.notStrictEqual(parseSshConfig(sb.run(sb.bin + "/colima", ["ssh-config", "--profile", "k3s-cilium"]).stdout, "k3s-cilium").port, 26022);
    });

    it("refuses a running profile that serves SSH on another port, naming the key and the fix", async () => {
        const args = await defaultArgs();
        const sb = box();
        stubColima(sb, "linux", { running: true, sshPort: 41235 });
        fs.mkdirSync(limaConfigDir(sb), { recursive: true });
        fs.writeFileSync(path.join(limaConfigDir(sb), "override.yaml"), limaLoopbackOverride());
        const r = sb.run(UP, args);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /profile k3s-cilium serves SSH on port 41235, this stack pins 26022 \(k3s-cilium:colimaSshPort\); restart it with the pinned port: colima stop --profile k3s-cilium, then pulumi up/);
    });
});

describe("colima: nothing of the local cluster on the laptop's LAN", () => {
    const COLIMA_RULES = (JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "colima-lima-portforwards-v0.10.3.json"), "utf8")) as { portForwards: LimaPortForward[] }).portForwards;
    // What k3s, etcd, kubelet and Cilium listen on in the guest (any address family, both protocols).
    const GUEST_SOCKETS = [
        { ip: "0.0.0.0", port: 6443, proto: "tcp" }, { ip: "::", port: 10250, proto: "tcp" }, { ip: "192.168.5.15", port: 2379, proto: "tcp" },
        { ip: "0.0.0.0", port: 4240, proto: "tcp" }, { ip: "::", port: 4244, proto: "tcp" }, { ip: "0.0.0.0", port: 9962, proto: "tcp" },
        { ip: "127.0.0.1", port: 10248, proto: "tcp" }, { ip: "::1", port: 9879, proto: "tcp" },
        { ip: "0.0.0.0", port: 6081, proto: "udp" }, { ip: "0.0.0.0", port: 8472, proto: "udp" }, { ip: "::", port: 53, proto: "udp" },
    ] as const;

    /** The override rules exactly as the program hands them to colima-up.sh. */
    async function overrideRules(): Promise<LimaPortForward[]> {
        const [, , text] = await defaultArgs();
        return (YAML.parse(text) as { portForwards: LimaPortForward[] }).portForwards;
    }

    it("Colima alone forwards the guest's 0.0.0.0 ports to 0.0.0.0 on the host (the problem, from upstream's rules)", () => {
        const rules = effectiveRules([], COLIMA_RULES, 26022);
        assert.strictEqual(hostAddressFor(rules, { ip: "0.0.0.0", port: 6443, proto: "tcp" }), "0.0.0.0:6443");
        assert.strictEqual(hostAddressFor(rules, { ip: "0.0.0.0", port: 8472, proto: "udp" }), "0.0.0.0:8472");
    });

    it("with the program's override every guest socket that is forwarded lands on 127.0.0.1, on the same port", async () => {
        const rules = effectiveRules(await overrideRules(), COLIMA_RULES, 26022);
        const where = GUEST_SOCKETS.map(s => `${s.proto} ${s.ip}:${s.port} -> ${hostAddressFor(rules, s)}`);
        assert.deepStrictEqual(where, GUEST_SOCKETS.map(s => `${s.proto} ${s.ip}:${s.port} -> 127.0.0.1:${s.port}`));
        assert.strictEqual(hostAddressFor(rules, { ip: "0.0.0.0", port: 26022, proto: "tcp" }), undefined, "Lima never forwards its SSH port");
    });

    it("writes override.yaml into Colima's Lima config dir before the VM starts", async () => {
        const args = await defaultArgs();
        const sb = box();
        stubColima(sb, "linux");
        assert.strictEqual(sb.run(UP, args).code, 0);
        assert.strictEqual(fs.readFileSync(path.join(limaConfigDir(sb), "override.yaml"), "utf8"), args[2]);
        assert.ok(sb.calls().some(c => c === "colima start: override.yaml present"), sb.calls().join("\n"));
        const mac = box();
        stubColima(mac, "macos-15-arm64");
        assert.strictEqual(mac.run(UP, await defaultArgs("macos-15-arm64")).code, 0);
        assert.ok(fs.existsSync(path.join(mac.dir, ".colima", "_lima", "_config", "override.yaml")), "macOS: ~/.colima");
    });

    it("keeps a user's override that starts with the rules, refuses a foreign one, and a VM started before the rules", async () => {
        const args = await defaultArgs();
        const extended = box();
        stubColima(extended, "linux");
        fs.mkdirSync(limaConfigDir(extended), { recursive: true });
        fs.writeFileSync(path.join(limaConfigDir(extended), "override.yaml"), `${args[2]}env:\n  FOO: bar\n`);
        assert.strictEqual(extended.run(UP, args).code, 0);
        const foreign = box();
        stubColima(foreign, "linux");
        fs.mkdirSync(limaConfigDir(foreign), { recursive: true });
        fs.writeFileSync(path.join(limaConfigDir(foreign), "override.yaml"), "portForwards:\n  - guestPort: 80\n    hostIP: 0.0.0.0\n");
        const f = foreign.run(UP, args);
        assert.notStrictEqual(f.code, 0);
        assert.match(f.stderr, /override\.yaml exists with other rules; .*Put the rules of .*override\.yaml\.k3s-cilium at its top/);
        assert.ok(!foreign.calls().some(c => c.startsWith("colima start --")));
        const early = box();
        stubColima(early, "linux", { running: true, sshPort: 26022 });
        const e = early.run(UP, args);
        assert.notStrictEqual(e.code, 0);
        assert.match(e.stderr, /runs with Colima's default port forwarding \(every port on 0\.0\.0\.0\); restart it/);
    });

    it("refuses the run when Colima's Lima config dir is not where the rules were written", async () => {
        const sb = box();
        stubColima(sb, "linux");
        const r = sb.run(UP, await defaultArgs(), { env: { STUB_IDENTITY_DIR: "/opt/elsewhere/_lima/_config" } });
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /Colima's Lima config dir is \/opt\/elsewhere\/_lima\/_config, not .* set LIMA_HOME=\/opt\/elsewhere\/_lima/);
    });

    it("mounts no host directory: --mount none (Colima's default mounts the home directory writable)", async () => {
        const sb = box();
        stubColima(sb, "linux");
        sb.run(UP, await defaultArgs());
        const start = sb.calls().find(c => c.startsWith("colima start --"))!;
        assert.match(start, / --mount none /);
        assert.ok(!/ (-V|--mount) (?!none)/.test(start), start);
    });
});

describe("colima: the guest's SSH host key is pinned on every connection", () => {
    it("every remote command to the Colima node carries the host key colima-up.sh read", async () => {
        const g = await runProgram({ stack: "local" });
        const remote = g.ofType("command:remote:Command");
        assert.ok(remote.length >= 3);
        for (const c of remote) assert.strictEqual(c.inputs.connection.hostKey, COLIMA_HOST_KEY_FIXTURE, c.name);
    });

    it("refuses output without a valid ed25519 key instead of connecting unverified", () => {
        assert.strictEqual(parseHostKey(`Port 1\n# k3s-cilium host-key: ${STUB_HOST_KEY}\n`, "p"), STUB_HOST_KEY);
        assert.throws(() => parseHostKey("Port 1\n", "p"), /printed no ed25519 host key for profile p .*refusing to connect without verifying/);
        assert.throws(() => parseHostKey("# k3s-cilium host-key: ssh-rsa AAAAB3Nza root@x\n", "p"), /no ed25519 host key/);
    });

    it("colima-up.sh fails in one line when the guest's key file is not an ed25519 key", async () => {
        const sb = box();
        stubColima(sb, "linux", { hostKey: "cat: /etc/ssh/ssh_host_ed25519_key.pub: No such file\n" });
        const r = sb.run(UP, await defaultArgs());
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /^\[colima-up\] ERROR: the VM's \/etc\/ssh\/ssh_host_ed25519_key.pub is not an ed25519 public key/m);
    });
});

describe("colima: config rules (colimaConfigProblems), wired into validation", () => {
    const table: { why: string; values: Parameters<typeof colimaConfigProblems>[0]; problems: RegExp[] }[] = [
        { why: "defaults", values: { provider: "colima", hostFirewall: false, colimaSshPort: 26022, apiPort: 6443 }, problems: [] },
        { why: "host firewall on Colima", values: { provider: "colima", hostFirewall: true, colimaSshPort: 26022, apiPort: 6443 },
            problems: [/^k3s-cilium:hostFirewall = true: provider colima .*Lima's network gateway \(192\.168\.5\.2, world to the host policy\).*accepted: false$/] },
        { why: "privileged SSH port", values: { provider: "colima", colimaSshPort: 22, apiPort: 6443 }, problems: [/^k3s-cilium:colimaSshPort = 22: .*accepted: 1024-65535$/] },
        { why: "SSH port above 65535", values: { provider: "colima", colimaSshPort: 70000, apiPort: 6443 }, problems: [/colimaSshPort = 70000/] },
        { why: "SSH port equals the API port", values: { provider: "colima", colimaSshPort: 6443, apiPort: 6443 }, problems: [/colimaSshPort = 6443: equals k3s-cilium:apiPort/] },
        { why: "both at once", values: { provider: "colima", hostFirewall: true, colimaSshPort: 80, apiPort: 6443 }, problems: [/hostFirewall/, /colimaSshPort = 80/] },
        { why: "prod is not concerned", values: { provider: "hetzner", hostFirewall: true, colimaSshPort: 22, apiPort: 6443 }, problems: [] },
    ];
    for (const t of table) {
        it(t.why, () => {
            const problems = colimaConfigProblems(t.values);
            assert.strictEqual(problems.length, t.problems.length, problems.join("\n"));
            t.problems.forEach((re, i) => assert.match(problems[i], re));
        });
    }
    it("validateConfig reports them with every other problem", () => {
        const r = validateConfig(stackConfig("local", { hostFirewall: true, colimaSshPort: 6443 }), { stack: "local", hcloudTokenSet: false });
        assert.ok(!r.ok);
        assert.ok(!r.ok && r.errors.some(e => e.startsWith("k3s-cilium:hostFirewall = true: provider colima")), JSON.stringify(r));
        assert.ok(!r.ok && r.errors.some(e => e.startsWith("k3s-cilium:colimaSshPort = 6443: equals")));
    });
});
