/**
 * The three paths that run the k3s node scripts pass each script the same arguments for the same node: the SSH path
 * (`<node>-preflight` / `<node>-install`), a first-boot agent's `<agent>-converge`, and its first boot (the user
 * data's runcmd, run here through the real first-boot.sh, which hands its arguments on to the scripts). The
 * converge and the user data are the prod program's own; no stack sends an agent the SSH path (Hetzner agents
 * boot from user data, Colima has none), so that path's agent commands come from the pure builders nodeSteps
 * sends, which the program's server commands are checked against.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseShell } from "shell-quote";
import * as YAML from "yaml";
import { ClusterConfig, validateConfig } from "../components/config";
import { FIRST_BOOT, FIRST_BOOT_SCRIPTS, FIRST_BOOT_START_TIMEOUT_SECONDS } from "../components/k3s/first-boot";
import { installCommand, K3S_START_TIMEOUT_SECONDS, preflightCommand } from "../components/k3s/node-steps";
import { configureArgs, installArgs, prefetchArgs, preflightArgs, ScriptNode, startArgs, waitBootArgs } from "../components/k3s/script-args";
import { planNodes } from "../components/nodes/plan";
import { parseScriptCommands } from "../components/shared/script";
import { Graph, runProgram, stackConfig } from "./harness";
import { sandbox, scriptPath } from "./shell";

/** Script name → its arguments, for every script of one command line (scriptSequence). */
function scriptArgs(line: string): Record<string, string[]> {
    const scripts = parseScriptCommands(line);
    assert.ok(scripts, `not a script command: ${line.slice(0, 80)}`);
    return Object.fromEntries(scripts.map(s => [s.name, parseShell(s.args) as string[]]));
}

/** Runs the runcmd item under bash (first-boot.sh as written) with stub scripts that record their arguments. */
function firstBootCalls(runcmd: string[]): Record<string, string[]> {
    const [bash, entry, node, dir, ...rest] = runcmd;
    assert.deepStrictEqual([bash, entry, dir], ["bash", `${FIRST_BOOT.dir}/first-boot.sh`, FIRST_BOOT.dir]);
    const sb = sandbox();
    const local = path.join(sb.dir, "first-boot");
    fs.mkdirSync(local);
    const log = path.join(sb.dir, "args.log");
    for (const name of FIRST_BOOT_SCRIPTS) {
        // One line per call: the script's name and each argument, tab-separated (no argument holds a tab).
        fs.writeFileSync(path.join(local, name), `(IFS=$'\\t'; echo "${name}	$*") >> "${log}"\ncat >/dev/null\n`, { mode: 0o700 });
    }
    fs.writeFileSync(path.join(local, "config.yaml"), `node-ip: ${rest[3]},${FIRST_BOOT.ipv6Placeholder}\n`);
    sb.stub("ip", `if [ "$1" = "-6" ]; then echo "2: eth0    inet6 2a01:4f8:c0c:1234::1/64 scope global"; else echo "3: enp7s0    inet ${rest[3]}/32 scope global"; fi`);
    const env = { LOG_FILE: path.join(sb.dir, "first-boot.log"), STATE_DIR: path.join(sb.dir, "state"), ADDRESS_WAIT: "0" };
    const r = sb.run(scriptPath("k3s", "first-boot.sh"), [node, local, ...rest], { env });
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    const calls = fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map(l => l.split("\t"));
    return Object.fromEntries(calls.map(([name, ...args]) => [name, args]));
}

function prodConfig(): ClusterConfig {
    const r = validateConfig(stackConfig("prod"), { stack: "prod", hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

describe("k3s node scripts: every path passes the same arguments (components/k3s/script-args.ts)", () => {
    const config = prodConfig();
    const planned = planNodes(config);
    const scriptNode = (name: string): ScriptNode => {
        const p = planned.find(n => n.name === name)!;
        return { name: p.name, role: p.role, privateAddress: p.privateAddress };
    };
    const agent = scriptNode(`${config.clusterName}-agent-1`);
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });

    /** The program's converge command and first-boot runcmd for the agent, and the SSH path's commands for it. */
    function paths() {
        const converge = scriptArgs(String(g.get(`${agent.name}-converge`).inputs.update));
        const userData = YAML.parse(String(g.get(agent.name, "hcloud:index/server:Server").inputs.userData), { version: "1.1" });
        const bootTimeout = Number(converge["wait-boot.sh"][1]);
        const ssh = { ...scriptArgs(preflightCommand(config, agent, bootTimeout)), ...scriptArgs(installCommand(config, agent)) };
        return { ssh, converge, firstBoot: firstBootCalls(userData.runcmd[0]), bootTimeout };
    }

    it("preflight, configure, install, start and the image prefetch: one argument list per script across the SSH path, the converge and first boot", () => {
        const { ssh, converge, firstBoot } = paths();
        assert.deepStrictEqual(Object.keys(firstBoot), [...FIRST_BOOT_SCRIPTS], "first-boot.sh runs every script it is given, in order");
        // Scripts whose arguments are the node's and the config's alone: the same list wherever they run.
        assert.deepStrictEqual(ssh["preflight.sh"], preflightArgs(config, agent));
        assert.deepStrictEqual(firstBoot["preflight.sh"], ssh["preflight.sh"], "first boot's preflight.sh");
        assert.deepStrictEqual(converge["preflight.sh"], ssh["preflight.sh"], "converge's preflight.sh");
        for (const name of ["configure.sh", "install.sh"]) {
            assert.deepStrictEqual(converge[name], ssh[name], `converge's ${name}`);
            assert.deepStrictEqual(firstBoot[name], ssh[name], `first boot's ${name}`);
        }
        assert.deepStrictEqual(ssh["configure.sh"], configureArgs(agent));
        assert.deepStrictEqual(ssh["install.sh"], installArgs(config, agent));
        // The start bound and the prefetch mode are each path's own; every other argument is shared.
        assert.deepStrictEqual(ssh["start.sh"], startArgs(agent, K3S_START_TIMEOUT_SECONDS));
        assert.deepStrictEqual(converge["start.sh"], ssh["start.sh"], "converge's start.sh");
        assert.deepStrictEqual(firstBoot["start.sh"], startArgs(agent, FIRST_BOOT_START_TIMEOUT_SECONDS), "first boot's start.sh");
        assert.deepStrictEqual(ssh["prefetch-images.sh"], prefetchArgs(config, agent, "background"));
        assert.deepStrictEqual(firstBoot["prefetch-images.sh"], prefetchArgs(config, agent, "foreground"), "first boot's prefetch-images.sh");
    });

    it("the converge runs the SSH path's scripts in the SSH path's order, the kernel preflight right after the boot wait", () => {
        const { converge } = paths();
        assert.deepStrictEqual(Object.keys(converge), ["wait-boot.sh", "preflight.sh", "configure.sh", "install.sh", "start.sh"]);
    });

    it("wait-boot.sh: the converge waits for this machine (its id), the SSH path for any", () => {
        const { ssh, converge, bootTimeout } = paths();
        assert.deepStrictEqual(ssh["wait-boot.sh"], waitBootArgs(agent, bootTimeout));
        assert.deepStrictEqual(converge["wait-boot.sh"], waitBootArgs(agent, bootTimeout, converge["wait-boot.sh"][2]));
        assert.match(converge["wait-boot.sh"][2], /^[0-9]+$/, "the hcloud server id");
    });

    it("the program's SSH-path commands (every server) are the builders' lists", () => {
        const servers = planned.filter(n => n.role === "server").map(n => scriptNode(n.name));
        for (const server of servers) {
            const cmds = { ...scriptArgs(String(g.get(`${server.name}-preflight`).inputs.create)), ...scriptArgs(String(g.get(`${server.name}-install`).inputs.create)) };
            assert.deepStrictEqual(Object.keys(cmds), ["wait-boot.sh", "preflight.sh", "configure.sh", "install.sh", "etcd-guard.sh", "start.sh", "prefetch-images.sh"], server.name);
            assert.deepStrictEqual(cmds["preflight.sh"], preflightArgs(config, server), server.name);
            assert.deepStrictEqual(cmds["configure.sh"], configureArgs(server), server.name);
            assert.deepStrictEqual(cmds["install.sh"], installArgs(config, server), server.name);
            assert.deepStrictEqual(cmds["start.sh"], startArgs(server, K3S_START_TIMEOUT_SECONDS), server.name);
            assert.deepStrictEqual(cmds["prefetch-images.sh"], prefetchArgs(config, server, "background"), server.name);
        }
    });
});
