import * as assert from "assert";
import * as fs from "fs";
import { runProgram } from "./harness";
import { sandbox, Sandbox, scriptPath } from "./shell";
import { COLIMA_CLI, COLIMA_HOSTS, flagsOn, specHost, stubColima } from "./colima-stub";
import { parse as parseShell } from "shell-quote";
import { parseScriptCommands } from "../components/shared/script";
import { colimaHostProblems, colimaStartFlags, colimaVmType } from "../components/nodes";

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
                const start = sb.calls().filter(c => c.startsWith("colima start"));
                assert.strictEqual(start.length, 1, sb.calls().join("\n"));
                // The VM type the VM gets: the flag where Colima has one, QEMU (its only type) elsewhere.
                const expected = colimaVmType(vmType, host);
                assert.strictEqual(/--vm-type (\S+)/.exec(start[0])?.[1] ?? "qemu", expected);
                assert.strictEqual(expected, host.macos13OrNewer && vmType !== "qemu" ? "vz" : "qemu");
            });
        }
    }

    it("passes the VM size and keeps Colima's own Kubernetes and the user's template out", () => {
        const c = { profile: "p", cpus: 6, memoryGiB: 12, diskGiB: 80, vmType: "auto" as const };
        assert.deepStrictEqual(colimaStartFlags(c, specHost("linux")),
            ["--cpus", "6", "--memory", "12", "--disk", "80", "--runtime", "containerd", "--kubernetes=false", "--template=false", "--save-config=true"]);
        assert.deepStrictEqual(colimaStartFlags(c, specHost("macos-15-arm64")).slice(6, 8), ["--vm-type", "vz"]);
    });

    it("names the key, the value and the host for vz where Colima has no vz", () => {
        const cfg = (vmType: "auto" | "vz" | "qemu") => ({ provider: "colima" as const, colima: { profile: "p", cpus: 1, memoryGiB: 1, diskGiB: 1, vmType } });
        assert.deepStrictEqual(colimaHostProblems(cfg("auto"), specHost("linux")), []);
        assert.deepStrictEqual(colimaHostProblems(cfg("qemu"), specHost("macos-12")), []);
        assert.deepStrictEqual(colimaHostProblems(cfg("vz"), specHost("macos-15-arm64")), []);
        assert.deepStrictEqual(colimaHostProblems(cfg("vz"), specHost("linux")),
            ['k3s-cilium:colimaVmType = "vz": Colima offers the vz VM type only on macOS 13 or newer (this host: linux); accepted: auto or qemu']);
        assert.deepStrictEqual(colimaHostProblems({ ...cfg("vz"), provider: "hetzner" }, specHost("linux")), []);
    });
});
