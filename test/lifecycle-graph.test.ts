/**
 * Day-2 lifecycle in the resource graph (prod 3+2): what is replaced or deleted before what, who removes whom,
 * which resources are protected, and how the first server starts depending on the previous `up`.
 */
import * as assert from "assert";
import * as YAML from "yaml";
import { validateConfig } from "../components/config";
import { lifecycleStateOf } from "../components/k3s/lifecycle";
import { parseScriptCommands } from "../components/shared/script";
import { ephemeralConfig } from "../scripts/ephemeral";
import { Graph, MOCK_ADDRESSES, runProgram, stackConfig } from "./harness";
import { numericId } from "../tools/mocks";

const C = "k3s-cilium";
const SERVERS = [1, 2, 3].map(i => `${C}-server-${i}`);
const AGENTS = [1, 2].map(i => `${C}-agent-${i}`);
const scripts = (cmd: string) => parseScriptCommands(cmd)!.map(s => `${s.name}${s.args}`);
const liveState = () => {
    const r = validateConfig(stackConfig("prod"), { stack: "prod", hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return lifecycleStateOf(r.config);
};

describe("lifecycle graph: removal before deletion, one server at a time", () => {
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });
    const server = (n: string) => g.get(n, "hcloud:index/server:Server");

    it("each server's leave runs on a survivor: the first server removes the others, the second removes the first", () => {
        const expectRunner: Record<string, number> = { [SERVERS[0]]: 2, [SERVERS[1]]: 1, [SERVERS[2]]: 1 };
        for (const s of SERVERS) {
            const leave = g.get(`${s}-leave`);
            assert.strictEqual(leave.inputs.connection.host, MOCK_ADDRESSES.serverIpv4(expectRunner[s]), `${s}: removed from server-${expectRunner[s]}`);
            assert.strictEqual(leave.inputs.create, undefined, "creating it opens no SSH session");
            assert.deepStrictEqual(scripts(leave.inputs.delete), [`remove-server.sh ${s} ${C}-server-${expectRunner[s]} 300`]);
            assert.strictEqual(leave.deletedWith, server(`${C}-server-${expectRunner[s]}`).urn, "skipped when its runner goes too (destroy)");
        }
    });

    it("a leave or drain depends on its node's install (deleted before the machine) and is replaced with the machine", () => {
        for (const n of [...SERVERS, ...AGENTS]) {
            const cmd = g.get(`${n}-${n.includes("-server-") ? "leave" : "drain"}`);
            assert.ok(g.dependsOn(cmd, g.get(`${n}-${n.includes("-server-") ? "install" : "converge"}`)), `${n}: removal depends on the install`);
            assert.ok(g.dependsOn(cmd, server(n)), `${n}: and so on the machine: Pulumi deletes it first`);
            assert.deepStrictEqual(cmd.inputs.triggers, [numericId(n)], `${n}: a new machine id replaces it, running the old delete first`);
            assert.deepStrictEqual(cmd.replaceOnChanges, ["triggers[*]"]);
        }
    });

    it("servers leave one at a time, highest ordinal first (each leave depends on the one before it)", () => {
        const leave = (i: number) => g.get(`${SERVERS[i]}-leave`);
        assert.ok(g.dependsOn(leave(2), leave(1)) && g.dependsOn(leave(1), leave(0)));
        assert.ok(!g.dependsOn(leave(0), leave(1)), "no cycle");
    });

    it("named Hetzner resources are deleted before they are replaced (names and private IPs are unique)", () => {
        const named = g.resources.filter(r => r.custom && r.type.startsWith("hcloud:index/") && typeof r.inputs.name === "string");
        assert.deepStrictEqual([...new Set(named.map(r => r.type))].sort(), [
            "hcloud:index/firewall:Firewall", "hcloud:index/loadBalancer:LoadBalancer", "hcloud:index/network:Network",
            "hcloud:index/placementGroup:PlacementGroup", "hcloud:index/server:Server", "hcloud:index/sshKey:SshKey"]);
        for (const r of named) assert.strictEqual(r.deleteBeforeReplace, true, `${r.type} ${r.name}`);
    });

    it("servers are protected by default: Hetzner delete and rebuild protection (equal) and Pulumi protect", () => {
        for (const n of [...SERVERS, ...AGENTS]) {
            const s = server(n);
            assert.strictEqual(s.inputs.deleteProtection, true, n);
            assert.strictEqual(s.inputs.rebuildProtection, s.inputs.deleteProtection, `${n}: Hetzner requires both equal`);
            assert.strictEqual(s.protect, true, n);
        }
    });

    it("the opt-out turns all three off, and the ephemeral workflow sets it", async () => {
        const off = await runProgram({ stack: "prod", overrides: { serverProtection: false } });
        for (const s of off.ofType("hcloud:index/server:Server")) {
            assert.deepStrictEqual([s.inputs.deleteProtection, s.inputs.rebuildProtection, s.protect], [false, false, false], s.name);
        }
        assert.strictEqual(ephemeralConfig("t1", ["203.0.113.0/24"])[`${C}:serverProtection`], "false");
    });
});

describe("lifecycle graph: the first server bootstraps only when no cluster exists", () => {
    const install = (g: Graph, n: string) => g.get(`${n}-${n.includes("-server-") ? "install" : "converge"}`);
    const configOf = (g: Graph, n: string) => YAML.parse(install(g, n).inputs.stdin);
    const guardOf = (g: Graph, n: string) => scripts(install(g, n).inputs.create ?? install(g, n).inputs.update).find(s => s.startsWith("etcd-guard.sh"));

    it("a new stack: server-1 runs cluster-init (guard in init mode, probing the other servers); the others join", async () => {
        const g = await runProgram({ stack: "prod" });
        assert.strictEqual(configOf(g, SERVERS[0])["cluster-init"], true);
        assert.strictEqual(configOf(g, SERVERS[0]).server, undefined);
        assert.strictEqual(guardOf(g, SERVERS[0]), `etcd-guard.sh ${SERVERS[0]} init 6443 300 10.0.1.11 10.0.1.12`);
        assert.strictEqual(guardOf(g, SERVERS[1]), `etcd-guard.sh ${SERVERS[1]} join 6443 300 10.0.1.10 10.0.1.12`);
        assert.strictEqual(guardOf(g, AGENTS[0]), undefined, "agents have no etcd");
    });

    it("a live 3-server stack: server-1 joins through the endpoint (a replaced, empty server-1 joins the survivors)", async () => {
        const g = await runProgram({ stack: "prod", previousOutputs: { lifecycleState: liveState() } });
        const c = configOf(g, SERVERS[0]);
        assert.strictEqual(c["cluster-init"], undefined);
        assert.strictEqual(c.server, "https://10.0.1.2:6443", "the control-plane VIP");
        assert.strictEqual(guardOf(g, SERVERS[0]), `etcd-guard.sh ${SERVERS[0]} join 6443 300 10.0.1.11 10.0.1.12`);
        assert.strictEqual(install(g, SERVERS[0]).inputs.update, install(g, SERVERS[0]).inputs.create);
    });
});
