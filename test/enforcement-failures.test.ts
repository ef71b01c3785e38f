/**
 * The enforcement chain's scripts when the cluster answers badly (test/shell.ts stubs): a failing `kubectl exec` into
 * an agent, a failing pod list, a cordoned node, and what verify-enforcement.sh leaves behind when it rolls back. Each
 * case used to end in a silent exit, a vacuous pass or a needless rollback (review of the enforcement chain).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { sandbox, Sandbox, scriptPath } from "./shell";
import { ciliumAgentsSandbox, deletedPods } from "./cilium-agents";

const script = (name: string) => scriptPath("policies", name);

describe("enforcement: converge-agents.sh when an agent cannot be asked for its mode", () => {
    /** Agents cilium-a (n1) and cilium-b (n2, Disabled); `exec cilium-a` fails; a deleted pod comes back as <pod>2. */
    const agents = (replacement: "Disabled" | "fails"): Sandbox => ciliumAgentsSandbox({ cases: `\
  *"exec cilium-a "*) echo 'error: unable to upgrade connection: container not found ("cilium-agent")' >&2; exit 1 ;;
  *"exec cilium-a2 "*) ${replacement === "fails" ? "exit 1" : 'printf "%-34s: %s\\n" PolicyAuditMode Disabled'} ;;
  *"cilium-dbg config"*) printf '%-34s: %s\\n' PolicyAuditMode Disabled ;;` });
    const deleted = deletedPods;

    it("an agent whose exec fails is named, restarted like an agent in the wrong mode, and the run succeeds once its replacement answers", () => {
        const sb = agents("Disabled");
        const r = sb.run(script("converge-agents.sh"), ["srv-1", "false", 30, 5]);
        assert.strictEqual(r.code, 0, `exit ${r.code}, stderr: ${JSON.stringify(r.stderr)}`);
        assert.deepStrictEqual(deleted(sb), ["cilium-a"]);
        assert.deepStrictEqual(r.stdout.trim().split("\n"), [
            "srv-1: converge: n1: cannot read cilium-a's PolicyAuditMode (kubectl exec cilium-a -- cilium-dbg config failed), restarting it for Disabled",
            "srv-1: converge: n1: cilium-a2 runs PolicyAuditMode Disabled",
            "srv-1: converge: restarted 1 of 2 agents (n1); all run PolicyAuditMode Disabled",
        ]);
    });

    it("a replacement that cannot be asked either fails the run with exit 1 and one line naming the node and the pod", () => {
        const r = agents("fails").run(script("converge-agents.sh"), ["srv-1", "false", 1, 5], { env: { INTERVAL: "1" } });
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /^srv-1: converge: ERROR: n1: no cilium agent running PolicyAuditMode Disabled within 1s after restarting cilium-a /);
    });
});

/** The first server, enforcing, switch armed; `systemctl start` of the rollback service writes its record. */
function armedFirstServer(k3s: string): Sandbox {
    const sb = sandbox();
    const state = path.join(sb.dir, "state");
    sb.stub("sleep", "exit 0");
    sb.stub("systemctl", `log "systemctl $*"
case "$1" in
  is-active) [ -e "$STUB_DIR/timer-active" ] ;;
  start) mkdir -p "${state}"; printf 'rolled back at T on srv-1, enforcement was not confirmed in time:\\n- agents restarted\\n' > "${state}/rolled-back" ;;
  stop) rm -f "$STUB_DIR/timer-active" ;;
esac`);
    fs.writeFileSync(path.join(sb.dir, "timer-active"), "");
    sb.stub("k3s", `log "k3s $*"
case "$*" in
  *"get --raw /readyz"*) echo ok ;;
${k3s}
  *" run k3s-cilium-enforce-probe "*) echo ok ;;
esac`);
    return sb;
}
const NODES_READY = `  *"get nodes -o jsonpath"*) printf 'srv-1 True\\nagent-1 True\\n' ;;`;
const verify = (sb: Sandbox) => sb.run(script("verify-enforcement.sh"), ["srv-1", "cluster", "10.0.1.2", 6443, "false", 1, "busybox:1.36.1"],
    { env: { STATE_DIR: path.join(sb.dir, "state"), INTERVAL: "1" } });
const ROLLED_BACK = [
    "srv-1: verify: not confirming; rolling back to audit mode now (k3s-cilium-enforce-rollback.service)",
    "srv-1: verify: rolled back at T on srv-1, enforcement was not confirmed in time:",
    "srv-1: verify: - agents restarted",
];

describe("enforcement: verify-enforcement.sh rolls back on every failure, expected or not", () => {
    it("an agent whose exec fails is reported as unknown, and the rollback starts at once", () => {
        const sb = armedFirstServer(`${NODES_READY}
  *"get pods -l k8s-app=cilium"*) echo "cilium-a cilium-b" ;;
  *"exec cilium-b "*) exit 1 ;;
  *"cilium-dbg config"*) echo "PolicyAuditMode                   : Disabled" ;;`);
        const r = verify(sb);
        assert.strictEqual(r.code, 1);
        assert.deepStrictEqual(r.stderr.trim().split("\n"), [
            "srv-1: verify: ERROR: agents not in the desired PolicyAuditMode Disabled: cilium-b=unknown (a rollback ran, or an agent restarted on its own; raise k3s-cilium:enforcementAttempt to run the chain again)",
            ...ROLLED_BACK,
        ]);
        assert.ok(sb.calls().includes("systemctl start k3s-cilium-enforce-rollback.service"), sb.calls().join("\n"));
        // ... and disarms the timer after starting its service, so it cannot fire a second rollback later.
        const systemctl = sb.calls().filter(c => c.startsWith("systemctl ") && !c.startsWith("systemctl is-active"));
        assert.deepStrictEqual(systemctl, ["systemctl start k3s-cilium-enforce-rollback.service", "systemctl stop k3s-cilium-enforce-rollback.timer"]);
        assert.ok(!fs.existsSync(path.join(sb.dir, "timer-active")), "the timer is no longer armed");
    });

    it("a command failing outside any check (set -e) still rolls back, with a line saying so", () => {
        const sb = armedFirstServer(`${NODES_READY}
  *"get pods -l k8s-app=cilium"*) echo "cilium-a" ;;
  *"cilium-dbg config"*) echo "PolicyAuditMode                   : Disabled" ;;`);
        // awk dies while reading the agents' modes: an error no check anticipated.
        sb.stub("awk", 'case "$*" in *PolicyAuditMode*) exit 2 ;; *) exec /usr/bin/awk "$@" ;; esac');
        const r = verify(sb);
        assert.strictEqual(r.code, 2);
        assert.deepStrictEqual(r.stderr.trim().split("\n"), ["srv-1: verify: ERROR: stopped before every check passed (exit 2)", ...ROLLED_BACK]);
        assert.ok(sb.calls().includes("systemctl start k3s-cilium-enforce-rollback.service"), sb.calls().join("\n"));
    });
});

describe("enforcement: verify-enforcement.sh never passes the agents' check on a list it could not read", () => {
    const refused = "The connection to the server 127.0.0.1:6443 was refused";
    for (const [what, answer, lines] of [
        // kubectl's own message stays in front of the line: it says why.
        ["the list fails", `echo "${refused}" >&2; exit 1`, [refused, "srv-1: verify: ERROR: cannot list the cilium agents (kubectl -n kube-system get pods -l k8s-app=cilium)"]],
        ["the list is empty", "echo", ["srv-1: verify: ERROR: no cilium agent pods found (kubectl -n kube-system get pods -l k8s-app=cilium)"]],
    ] as const) {
        it(`${what}: one line, and the rollback starts`, () => {
            const sb = armedFirstServer(`${NODES_READY}
  *"get pods -l k8s-app=cilium"*) ${answer} ;;`);
            const r = verify(sb);
            assert.strictEqual(r.code, 1);
            assert.deepStrictEqual(r.stderr.trim().split("\n"), [...lines, ...ROLLED_BACK]);
            assert.ok(!r.stdout.includes("every agent runs PolicyAuditMode"), r.stdout);
        });
    }
});

describe("enforcement: verify-enforcement.sh reads each node's Ready condition, not the STATUS column", () => {
    /**
     * One cluster, answered in both forms kubectl has for it: agent-1 is cordoned (spec.unschedulable), so the table
     * says "Ready,SchedulingDisabled" (kubernetes pkg/printers/internalversion/printers.go, printNode) while its
     * Ready condition stays "True"; `ready` is that condition.
     */
    function cluster(ready: string): Sandbox {
        return armedFirstServer(`  *"get nodes --no-headers"*) printf 'srv-1   Ready   control-plane,etcd   3d   v1.33.5+k3s1\\nagent-1   Ready,SchedulingDisabled   <none>   3d   v1.33.5+k3s1\\n' ;;
  *"get nodes -o jsonpath"*) printf 'srv-1 True\\nagent-1 ${ready}\\n' ;;
  *"get pods -l k8s-app=cilium"*) echo "cilium-a" ;;
  *"cilium-dbg config"*) echo "PolicyAuditMode                   : Disabled" ;;`);
    }

    it("a node cordoned for maintenance is Ready: verify passes and nothing rolls back", () => {
        const sb = cluster("True");
        const r = verify(sb);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /srv-1: verify: every node Ready: ok\n/);
        assert.ok(sb.calls().includes(`k3s kubectl get nodes -o jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}`), sb.calls().join("\n"));
        assert.ok(!sb.calls().some(c => c.startsWith("systemctl start")), "no rollback");
    });

    for (const [what, ready] of [["False", "False"], ["Unknown (the kubelet stopped posting)", "Unknown"], ["missing (a node just registered)", ""]]) {
        it(`a Ready condition that is ${what} fails the check and rolls back`, () => {
            const sb = cluster(ready);
            const r = verify(sb);
            assert.strictEqual(r.code, 1);
            assert.deepStrictEqual(r.stderr.trim().split("\n"), ["srv-1: verify: ERROR: every node Ready: not within 1s", ...ROLLED_BACK]);
        });
    }
});

describe("enforcement: rollback.sh bounds its calls into the local agent", () => {
    it("a hanging crictl exec gives up after AGENT_TIMEOUT (30 s by default) and the CiliumNodeConfig is still written", () => {
        const sb = sandbox();
        sb.stub("k3s", `log "k3s $*"
case "$1 $2" in
  "crictl ps") echo 0f3c2a ;;
  "crictl exec") exec sleep 20 ;;
  "kubectl create") cat > "$STUB_DIR/created.yaml" ;;
esac`);
        const t0 = Date.now();
        const r = sb.run(script("rollback.sh"), ["srv-1", path.join(sb.dir, "state"), 5], { env: { AGENT_TIMEOUT: "1" } });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.ok(Date.now() - t0 < 10000, `bounded: took ${Date.now() - t0} ms`);
        assert.match(r.stdout, /^srv-1: rollback: could not switch the local agent at runtime within 1s \(no running cilium-agent container, or it did not answer\)$/m);
        assert.match(r.stdout, /- CiliumNodeConfig kube-system\/policy-enforcement-rollback created \(policy-audit-mode true\)\n- agents restarted/);
        assert.ok(fs.existsSync(path.join(sb.dir, "created.yaml")));
    });
});
