/**
 * The one wait for every first-boot agent (components/k3s/scripts/agents-joined.sh on the first server) and where it
 * sits in the graph: after the API and every agent's machine, before anything that needs the agents (the per-node
 * enforcement checks), instead of an SSH install per agent.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Graph, MOCK_BOOTSTRAP_TOKEN, runProgram } from "./harness";
import { AGENTS_JOINED_TIMEOUT_SECONDS, BOOTSTRAP_TOKEN_TTL_SECONDS, FIRST_BOOT } from "../components/k3s";
import { parseScriptCommands } from "../components/shared/script";
import { sandbox, scriptPath } from "./shell";
import { numericId } from "../tools/mocks";

const SCRIPT = scriptPath("k3s", "agents-joined.sh");
const TOKEN = "abcdef.0123456789abcdef";
const TTL = 3600;
/**
 * A k3s with the bootstrap-token Secret in $STUB_DIR/secret, behaving as upstream (k3s-io/k3s pkg/cli/token/token.go
 * @0678ae9): `token create` refuses an existing id, `token delete <id>` removes it. `kubectl get secret` prints its
 * name if it exists; `kubectl get nodes -o jsonpath=…` one "<name> <kubeletVersion>" line per node from $STUB_DIR/nodes.
 */
const K3S = `log "k3s $*"
secret="$STUB_DIR/secret"
case "$1 $2" in
    "kubectl -n") cat "$secret" 2>/dev/null || true ;;
    "token delete") [ -f "$secret" ] || { echo "not found" >&2; exit 1; }; rm -f "$secret" ;;
    "token create")
        [ ! -f "$secret" ] || { echo "a token with id \"abcdef\" already exists" >&2; exit 1; }
        [ -z "\${FAIL_CREATE:-}" ] || { echo "connection refused" >&2; exit 1; }
        echo "secret/bootstrap-token-abcdef" > "$secret"; echo "K10hash::\${!#}" ;;
    *) cat "$STUB_DIR/nodes" 2>/dev/null || true ;;
esac`;
/** A sandbox with that k3s, and (given) the nodes `kubectl get nodes` lists. */
function cluster(nodes?: string): ReturnType<typeof sandbox> {
    const sb = sandbox();
    sb.stub("k3s", K3S);
    if (nodes !== undefined) fs.writeFileSync(path.join(sb.dir, "nodes"), nodes);
    return sb;
}
const run = (sb: ReturnType<typeof sandbox>, timeout: number, agents: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) =>
    sb.run(SCRIPT, ["s1", "v1.33.5+k3s1", timeout, FIRST_BOOT.log, TTL, ...agents], { stdin: opts.stdin ?? `${TOKEN}\n`, env: opts.env });
const CREATE = `k3s token create --ttl ${TTL}s --description k3s-cilium first-boot agents (agents-joined) ${TOKEN}`;
const LOOKUP = "k3s kubectl -n kube-system get secret bootstrap-token-abcdef --ignore-not-found -o name";

describe("agents-joined.sh: one bounded wait for every first-boot agent", () => {
    it("passes once every listed agent is registered at the version", () => {
        const sb = cluster("s1 v1.33.5+k3s1\na1 v1.33.5+k3s1\na2 v1.33.5+k3s1\n");
        const r = run(sb, 5, ["a1", "a2"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout, `s1: agents-joined: bootstrap token abcdef valid for ${TTL}s\ns1: agents-joined: all 2 agents registered at v1.33.5+k3s1\n`
            + "s1: agents-joined: bootstrap token abcdef deleted (joined agents authenticate with their client certificates)\n");
        assert.ok(!r.stdout.includes("0123456789abcdef"), "the token's secret half is never printed");
    });

    it("registers the bootstrap token (stdin) with the TTL before it looks for agents", () => {
        const sb = cluster("a1 v1.33.5+k3s1\n");
        const r = run(sb, 5, ["a1"]);
        assert.strictEqual(r.code, 0, r.stderr);
        const calls = sb.calls();
        assert.deepStrictEqual(calls.slice(0, 2), [LOOKUP, CREATE]);
        assert.ok(calls[2].startsWith("k3s kubectl get nodes"), calls.join("\n"));
    });

    it("idempotent: a re-run after a failed wait deletes the kept token and creates it again with a fresh TTL (create alone refuses an existing id)", () => {
        const sb = cluster();
        assert.strictEqual(run(sb, 0, ["a1"]).code, 1, "a1 not registered: the wait fails");
        fs.writeFileSync(path.join(sb.dir, "nodes"), "a1 v1.33.5+k3s1\n");
        const second = run(sb, 5, ["a1"]);
        assert.strictEqual(second.code, 0, second.stderr);
        const calls = sb.calls();
        assert.deepStrictEqual(calls.slice(calls.indexOf(CREATE) + 2, calls.indexOf(CREATE) + 5),
            [LOOKUP, "k3s token delete abcdef", CREATE]);
    });

    it("after a successful wait deletes the token once, by its id, after the last look at the nodes; after a failed wait keeps it", () => {
        const sb = cluster("a1 v1.33.5+k3s1\n");
        const ok = run(sb, 5, ["a1"]);
        assert.strictEqual(ok.code, 0, ok.stderr);
        const calls = sb.calls();
        assert.deepStrictEqual(calls.filter(c => c.startsWith("k3s token delete")), ["k3s token delete abcdef"], "deleted once, by id");
        assert.strictEqual(calls[calls.length - 1], "k3s token delete abcdef", "after the wait");
        assert.ok(calls[calls.length - 2].startsWith("k3s kubectl get nodes"), calls.join("\n"));
        assert.ok(!fs.existsSync(path.join(sb.dir, "secret")), "the bootstrap-token Secret is gone");

        const failing = cluster("a1 v1.33.5+k3s1\n");
        const r = run(failing, 0, ["a1", "a2"]);
        assert.strictEqual(r.code, 1);
        assert.ok(!failing.calls().some(c => c.startsWith("k3s token delete")), failing.calls().join("\n"));
        assert.strictEqual(fs.readFileSync(path.join(failing.dir, "secret"), "utf8"), "secret/bootstrap-token-abcdef\n", "kept for a manual re-run of first boot");
    });

    it("a failed delete is one line and not a failure: the agents joined, and the token expires with its TTL", () => {
        const sb = sandbox();
        sb.stub("k3s", K3S.replace(`"token delete") [ -f "$secret" ]`, `"token delete") false`));
        fs.writeFileSync(path.join(sb.dir, "nodes"), "a1 v1.33.5+k3s1\n");
        const r = run(sb, 5, ["a1"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout.trim().split("\n").pop(),
            `s1: agents-joined: could not delete bootstrap token abcdef (k3s token delete abcdef, line above); it expires ${TTL}s after this run registered it`);
    });

    it("no bootstrap token on stdin, or one k3s refuses: one line, and no wait for agents that cannot join", () => {
        const sb = cluster();
        for (const stdin of ["", "agent-token-0123456789\n", "ABCDEF.0123456789abcdef\n"]) {
            const r = run(sb, 5, ["a1"], { stdin });
            assert.strictEqual(r.code, 1, stdin);
            assert.strictEqual(r.stderr, "s1: agents-joined: ERROR: no bootstrap token (<id>.<secret>, [a-z0-9]{6}.[a-z0-9]{16}) on stdin; agents cannot join\n");
        }
        assert.deepStrictEqual(sb.calls(), []);
        const failed = run(sb, 5, ["a1"], { env: { FAIL_CREATE: "1" } });
        assert.strictEqual(failed.code, 1);
        assert.strictEqual(failed.stderr.trim().split("\n").pop(), "s1: agents-joined: ERROR: cannot create bootstrap token abcdef (k3s token create); agents cannot join");
        assert.ok(!sb.calls().some(c => c.startsWith("k3s kubectl get nodes")), "no wait after a failed registration");
    });

    it("usage: fewer than one agent is a usage error (exit 2), before anything runs", () => {
        const sb = cluster();
        const r = sb.run(SCRIPT, ["s1", "v1.33.5+k3s1", 5, FIRST_BOOT.log, TTL], { stdin: `${TOKEN}\n` });
        assert.strictEqual(r.code, 2);
        assert.match(r.stderr, /^usage: agents-joined\.sh <node-name> <version> <timeout-seconds> <first-boot-log> <token-ttl-seconds> <agent-node>\.\.\. <token\n$/);
        assert.deepStrictEqual(sb.calls(), []);
    });

    it("waits while an agent is missing, then passes when it registers", () => {
        const sb = sandbox();
        // The node list gains a2 on the third poll (after the token lookup and create).
        sb.stub("k3s", `n=$(wc -l < "$STUB_DIR/calls.log"); log "k3s $*"; [ "$1" = kubectl ] && [ "$2" = get ] || exit 0; echo "a1 v1.33.5+k3s1"; [ "$n" -lt 4 ] || echo "a2 v1.33.5+k3s1"`);
        const r = run(sb, 30, ["a1", "a2"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(sb.calls().filter(c => c.startsWith("k3s kubectl get nodes")).length, 3, "polled until a2 appeared");
    });

    it("on timeout names every missing agent, what its kubelet reports, and where to look on it; one line", () => {
        const sb = cluster("a1 v1.33.5+k3s1\na2 v1.32.9+k3s1\n");
        const r = run(sb, 0, ["a1", "a2", "a3"]);
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.strictEqual(r.stderr.trim(), "s1: agents-joined: ERROR: after 0s 2 of 3 agents not registered at v1.33.5+k3s1: "
            + `a2=v1.32.9+k3s1 a3=not registered - on each: ${FIRST_BOOT.log}, cloud-init status --long, journalctl -u k3s-agent`);
    });
});

describe("register-bootstrap-token.sh: the token registered before any agent's converge", () => {
    const REGISTER = scriptPath("k3s", "register-bootstrap-token.sh");
    it("registers the token (stdin) with the TTL, again on a re-run, and looks for no agent", () => {
        const sb = cluster();
        for (let i = 0; i < 2; i++) {
            const r = sb.run(REGISTER, ["s1", TTL], { stdin: `${TOKEN}\n` });
            assert.strictEqual(r.code, 0, r.stderr);
            assert.match(r.stdout, /^s1: bootstrap-token: bootstrap token abcdef valid for 3600s$/m);
        }
        assert.deepStrictEqual(sb.calls(), [LOOKUP, CREATE, LOOKUP, "k3s token delete abcdef", CREATE]);
    });

    it("no valid token on stdin: one line, nothing registered; wrong arguments: usage, exit 2", () => {
        const sb = cluster();
        const r = sb.run(REGISTER, ["s1", TTL], { stdin: "agent-token-0123456789\n" });
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.stderr, "s1: bootstrap-token: ERROR: no bootstrap token (<id>.<secret>, [a-z0-9]{6}.[a-z0-9]{16}) on stdin; agents cannot join\n");
        assert.strictEqual(sb.run(REGISTER, ["s1"], { stdin: `${TOKEN}\n` }).code, 2);
        assert.deepStrictEqual(sb.calls(), []);
    });
});

describe("agents-joined in the graph (prod 3+2)", () => {
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });

    it("runs on the first server after the API and every agent's machine, listing every agent, the version and the log", () => {
        const joined = g.get("k3s-cilium-agents-joined");
        assert.strictEqual(joined.inputs.update, joined.inputs.create, "a new agent list or version waits again");
        assert.deepStrictEqual(parseScriptCommands(joined.inputs.create)!.map(s => `${s.name}${s.args}`),
            [`agents-joined.sh k3s-cilium-server-1 v1.33.5+k3s1 ${AGENTS_JOINED_TIMEOUT_SECONDS} ${FIRST_BOOT.log} ${BOOTSTRAP_TOKEN_TTL_SECONDS} k3s-cilium-agent-1 k3s-cilium-agent-2`]);
        assert.strictEqual(joined.deletedWith, g.get("k3s-cilium-server-1", "hcloud:index/server:Server").urn);
        assert.ok(g.dependsOn(joined, g.get("k3s-cilium-api-ready")));
        for (const a of ["k3s-cilium-agent-1", "k3s-cilium-agent-2"]) {
            assert.ok(g.dependsOn(joined, g.get(a, "hcloud:index/server:Server")), `${a}: waited for`);
            // What needs the agent waits for the one wait, not for an install on it.
            assert.ok(g.dependsOn(g.get(`${a}-enforce-verify`), joined), `${a}-enforce-verify after the join`);
        }
        assert.ok(!g.dependsOn(joined, g.get("k3s-cilium-server-2-install")), "agents do not queue behind the serial server joins");
    });

    it("registers the stack's bootstrap token (secret stdin, the one in the agents' user data) for longer than it waits; again when an agent's machine is replaced", () => {
        const joined = g.get("k3s-cilium-agents-joined");
        assert.strictEqual(joined.inputs.stdin, MOCK_BOOTSTRAP_TOKEN);
        assert.ok(joined.secretInputs.includes("stdin") && joined.additionalSecretOutputs.includes("stdin"), "stdin secret");
        assert.ok(BOOTSTRAP_TOKEN_TTL_SECONDS > AGENTS_JOINED_TIMEOUT_SECONDS, "the token outlives the wait for the agents that use it");
        // A replaced agent (same name, new machine) boots with the same, long-expired token: triggers (the machines'
        // ids) replace the command, so `create` registers the token again.
        assert.deepStrictEqual(joined.inputs.triggers,
            ["k3s-cilium-agent-1", "k3s-cilium-agent-2"].map(numericId));
    });

    it("registers the token before every converge and after the API, waiting for no converge (a replaced agent's converge waits for its first boot, which needs the token)", () => {
        const register = g.get("k3s-cilium-agents-bootstrap-token");
        assert.strictEqual(register.inputs.stdin, MOCK_BOOTSTRAP_TOKEN);
        assert.ok(register.secretInputs.includes("stdin") && register.additionalSecretOutputs.includes("stdin"), "stdin secret");
        assert.strictEqual(register.inputs.update, register.inputs.create);
        assert.deepStrictEqual(parseScriptCommands(register.inputs.create)!.map(s => `${s.name}${s.args}`),
            [`register-bootstrap-token.sh k3s-cilium-server-1 ${BOOTSTRAP_TOKEN_TTL_SECONDS}`]);
        assert.deepStrictEqual(register.inputs.triggers, ["k3s-cilium-agent-1", "k3s-cilium-agent-2"].map(numericId));
        assert.ok(g.dependsOn(register, g.get("k3s-cilium-api-ready")));
        for (const a of ["k3s-cilium-agent-1", "k3s-cilium-agent-2"]) {
            const converge = g.get(`${a}-converge`);
            assert.ok(g.dependsOn(converge, register), `${a}-converge after the registration`);
            assert.ok(!g.dependsOn(register, converge), `the registration does not wait for ${a}-converge`);
        }
        assert.ok(!g.dependsOn(register, g.get("k3s-cilium-agents-joined")));
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
