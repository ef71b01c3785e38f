/**
 * The one wait for every first-boot agent (components/k3s/scripts/agents-joined.sh on the first server) and where it
 * sits in the graph: after the API and every agent's machine, before anything that needs the agents (the per-node
 * enforcement checks), instead of an SSH install per agent.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Graph, runProgram } from "./harness";
import { AGENTS_JOINED_TIMEOUT_SECONDS, FIRST_BOOT } from "../components/k3s";
import { parseScriptCommands } from "../components/shared/script";
import { sandbox, scriptPath } from "./shell";

const SCRIPT = scriptPath("k3s", "agents-joined.sh");
// `k3s kubectl get nodes -o jsonpath=…`: one "<name> <kubeletVersion>" line per registered node, from $STUB_DIR/nodes.
const K3S = `log "k3s $*"; cat "$STUB_DIR/nodes" 2>/dev/null || true`;

describe("agents-joined.sh: one bounded wait for every first-boot agent", () => {
    it("passes once every listed agent is registered at the version", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        fs.writeFileSync(path.join(sb.dir, "nodes"), "s1 v1.33.5+k3s1\na1 v1.33.5+k3s1\na2 v1.33.5+k3s1\n");
        const r = sb.run(SCRIPT, ["s1", "v1.33.5+k3s1", 5, FIRST_BOOT.log, "a1", "a2"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout, "s1: agents-joined: all 2 agents registered at v1.33.5+k3s1\n");
    });

    it("waits while an agent is missing, then passes when it registers", () => {
        const sb = sandbox();
        // The node list gains a2 on the third call.
        sb.stub("k3s", `n=$(wc -l < "$STUB_DIR/calls.log"); log "k3s $*"; echo "a1 v1.33.5+k3s1"; [ "$n" -lt 2 ] || echo "a2 v1.33.5+k3s1"`);
        const r = sb.run(SCRIPT, ["s1", "v1.33.5+k3s1", 30, FIRST_BOOT.log, "a1", "a2"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(sb.calls().length, 3, "polled until a2 appeared");
    });

    it("on timeout names every missing agent, what its kubelet reports, and where to look on it; one line", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S);
        fs.writeFileSync(path.join(sb.dir, "nodes"), "a1 v1.33.5+k3s1\na2 v1.32.9+k3s1\n");
        const r = sb.run(SCRIPT, ["s1", "v1.33.5+k3s1", 0, FIRST_BOOT.log, "a1", "a2", "a3"]);
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.strictEqual(r.stderr.trim(), "s1: agents-joined: ERROR: after 0s 2 of 3 agents not registered at v1.33.5+k3s1: "
            + `a2=v1.32.9+k3s1 a3=not registered - on each: ${FIRST_BOOT.log}, cloud-init status --long, journalctl -u k3s-agent`);
    });
});

describe("agents-joined in the graph (prod 3+2)", () => {
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });

    it("runs on the first server after the API and every agent's machine, listing every agent, the version and the log", () => {
        const joined = g.get("k3s-cilium-agents-joined");
        assert.strictEqual(joined.inputs.update, joined.inputs.create, "a new agent list or version waits again");
        assert.deepStrictEqual(parseScriptCommands(joined.inputs.create)!.map(s => `${s.name}${s.args}`),
            [`agents-joined.sh k3s-cilium-server-1 v1.33.5+k3s1 ${AGENTS_JOINED_TIMEOUT_SECONDS} ${FIRST_BOOT.log} k3s-cilium-agent-1 k3s-cilium-agent-2`]);
        assert.strictEqual(joined.deletedWith, g.get("k3s-cilium-server-1", "hcloud:index/server:Server").urn);
        assert.ok(g.dependsOn(joined, g.get("k3s-cilium-api-ready")));
        for (const a of ["k3s-cilium-agent-1", "k3s-cilium-agent-2"]) {
            assert.ok(g.dependsOn(joined, g.get(a, "hcloud:index/server:Server")), `${a}: waited for`);
            // What needs the agent waits for the one wait, not for an install on it.
            assert.ok(g.dependsOn(g.get(`${a}-enforce-verify`), joined), `${a}-enforce-verify after the join`);
        }
        assert.ok(!g.dependsOn(joined, g.get("k3s-cilium-server-2-install")), "agents do not queue behind the serial server joins");
    });

    it("K3sCluster makes the machines (their user data needs its agent token), yet tokens and machines keep their URNs", () => {
        // A changed URN would make Pulumi delete and recreate: new tokens for a live cluster, or every machine replaced.
        const urn = (name: string, type: string) => g.get(name, type).urn;
        assert.strictEqual(urn("k3s-cilium-k3s-agent-token", "random:index/randomPassword:RandomPassword"),
            "urn:pulumi:prod::k3s-cilium::k3s-cilium:k3s:K3sCluster$random:index/randomPassword:RandomPassword::k3s-cilium-k3s-agent-token");
        assert.strictEqual(urn("k3s-cilium-k3s-token", "random:index/randomPassword:RandomPassword"),
            "urn:pulumi:prod::k3s-cilium::k3s-cilium:k3s:K3sCluster$random:index/randomPassword:RandomPassword::k3s-cilium-k3s-token");
        assert.strictEqual(urn("nodes", "k3s-cilium:nodes:HetznerNodes"), "urn:pulumi:prod::k3s-cilium::k3s-cilium:nodes:HetznerNodes::nodes");
        assert.strictEqual(urn("k3s-cilium-agent-1", "hcloud:index/server:Server"),
            "urn:pulumi:prod::k3s-cilium::k3s-cilium:nodes:HetznerNodes$hcloud:index/server:Server::k3s-cilium-agent-1");
    });

    it("local (Colima, no user data): no wait command, agents keep the SSH path", async () => {
        const local = await runProgram({ stack: "local" });
        assert.ok(!local.resources.some(r => r.name.endsWith("-agents-joined") || r.name.endsWith("-converge")));
    });
});
