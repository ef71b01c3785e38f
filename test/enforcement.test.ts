/**
 * Commit-confirmed enforcement, script by script under bash with stubs (test/shell.ts): the evidence gate on Hubble
 * output in the real jsonpb format (test/fixtures/hubble/README.md), the dead-man's switch (arm → fire → rollback,
 * arm → confirm → disarmed), the convergent agent restart in both directions, the verification, and the pure rules.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT, stackConfig } from "./harness";
import { crdValidator } from "./crd-schema";
import { artifact, ARTIFACTS } from "./upstream";
import { sandbox, Sandbox, scriptPath } from "./shell";
import { ciliumAgentsSandbox, deletedPods } from "./cilium-agents";
import { withPrelude } from "../components/shared/script";
import { ClusterConfig, validateConfig } from "../components/config";
import { criticalTraffic, criticalTrafficArgs, enforcementConfigProblems, enforcementTimings } from "../components/policies";

const HUBBLE = path.join(ROOT, "test", "fixtures", "hubble");
const script = (name: string) => scriptPath("policies", name);

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

describe("enforcement: the evidence gate (audit-gate.sh) on Hubble jsonpb output", () => {
    const rules = criticalTrafficArgs(config("prod"));
    /** Two agents: one saw the flows of `first`, the other those of `second`. */
    function cluster(first: string, second = "audit-benign.jsonl"): Sandbox {
        const sb = sandbox();
        sb.stub("k3s", `log "k3s $*"
case "$*" in
  *"get pods"*) printf 'cilium-a\\ncilium-b\\n' ;;
  *"exec cilium-a "*) cat "${path.join(HUBBLE, first)}" ;;
  *"exec cilium-b "*) cat "${path.join(HUBBLE, second)}" ;;
  *) exit 1 ;;
esac`);
        return sb;
    }
    const gate = (sb: Sandbox, args: { audit?: string; accept?: string; hubble?: string } = {}) =>
        sb.run(script("audit-gate.sh"), ["srv-1", args.audit ?? "false", "30m", args.accept ?? "false", args.hubble ?? "true", 120, ...rules]);

    it("refuses when audited flows are SSH, API/LB health checks, etcd or DNS, grouped by source → destination:port with counts and the fix", () => {
        const sb = cluster("audit-critical.jsonl");
        const r = gate(sb);
        assert.strictEqual(r.code, 1, r.stdout);
        const lines = r.stderr.trim().split("\n");
        assert.strictEqual(lines[0], "srv-1: audit-gate: ERROR: refusing to enforce: in the last 30m these flows the cluster depends on were audited (enforcement would drop them):");
        assert.deepStrictEqual(lines.slice(1, -1), [
            "  DNS: shop/checkout-6d5f7c9b8-x2kqp (ID:48211) -> kube-system/coredns-64fd4b4794-7h2lm (ID:31555):53/udp, 1 flow(s); to allow it: every endpoint may reach kube-dns (policy ep-default: ingress from cluster, egress to all)",
            "  Kubernetes API or API load-balancer health check: reserved:world 10.0.1.2 (ID:2) -> reserved:host 10.0.1.11 (ID:1):6443/tcp, 1 flow(s); to allow it: add the source CIDR to k3s-cilium:apiAllowList (policy host-allow-kube-api; the load balancer's private address is allowed already)",
            "  SSH: reserved:world 198.51.100.23 (ID:2) -> reserved:host 203.0.113.1 (ID:1):22/tcp, 2 flow(s); to allow it: add the source CIDR to k3s-cilium:sshAllowList (policy host-allow-ssh)",
            "  SSH: reserved:world 198.51.100.23 (ID:2) -> reserved:host 203.0.113.2 (ID:1):22/tcp, 1 flow(s); to allow it: add the source CIDR to k3s-cilium:sshAllowList (policy host-allow-ssh)",
            "  etcd client and peer traffic: reserved:remote-node 10.0.1.10 (ID:6) -> reserved:host 10.0.1.12 (ID:1):2380/tcp, 1 flow(s); to allow it: allow it from the cluster's nodes (policy host-allow-etcd)",
        ]);
        assert.match(lines[lines.length - 1], /pulumi config set k3s-cilium:enforcementAcceptAuditedFlows true$/);
        // Every agent was asked, over a bounded kubectl exec, for the window's AUDIT and DROPPED flows.
        for (const pod of ["cilium-a", "cilium-b"]) {
            assert.ok(sb.calls().includes(`k3s kubectl -n kube-system exec ${pod} -c cilium-agent -- hubble observe flows --since 30m --verdict AUDIT --verdict DROPPED -o jsonpb`), sb.calls().join("\n"));
        }
    });

    it("passes when the audited flows are nobody's dependency (a pod's own port; a drop that is not a policy drop)", () => {
        const r = gate(cluster("audit-benign.jsonl"));
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /srv-1: audit-gate: 2 audited flow\(s\) in the last 30m are not traffic the cluster depends on/);
        assert.match(r.stdout, /no audited flow in the last 30m is traffic the cluster depends on: enforcement may proceed/);
    });

    it("with the override, lists the flows and lets enforcement proceed knowingly", () => {
        const r = gate(cluster("audit-critical.jsonl"), { accept: "true" });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /accepted knowingly \(k3s-cilium:enforcementAcceptAuditedFlows\):\n {2}DNS: /);
        assert.strictEqual((r.stdout.match(/flow\(s\); to allow it/g) ?? []).length, 5);
    });

    it("needs no evidence for audit mode, and refuses to judge without Hubble or on output it cannot parse", () => {
        const sb = cluster("audit-critical.jsonl");
        assert.match(gate(sb, { audit: "true" }).stdout, /audit mode desired: nothing can be dropped/);
        assert.deepStrictEqual(sb.calls(), [], "audit mode reads nothing");
        const off = gate(sb, { hubble: "false" });
        assert.strictEqual(off.code, 1);
        assert.match(off.stderr, /Hubble is off \(k3s-cilium:hubbleEnabled false\)/);
        const broken = sandbox();
        fs.writeFileSync(path.join(broken.dir, "bad.jsonl"), '{"flow":{"verdict":"AUDIT","l4":{"TCP":{"destination_port":22}}\n{"flow":\n');
        broken.stub("k3s", `case "$*" in *"get pods"*) echo cilium-a ;; *) cat "${path.join(broken.dir, "bad.jsonl")}" ;; esac`);
        const r = gate(broken);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /2 Hubble line\(s\) could not be parsed as JSON; refusing to judge/);
    });

    it("bounds every call to an agent: a hanging hubble observe fails the gate after its timeout", () => {
        const sb = sandbox();
        sb.stub("k3s", `case "$*" in *"get pods"*) echo cilium-a ;; *) exec sleep 20 ;; esac`);
        const t0 = Date.now();
        const r = sb.run(script("audit-gate.sh"), ["srv-1", "false", "30m", "false", "true", 1, ...rules]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /cannot read Hubble flows from cilium-a within 1s/);
        assert.ok(Date.now() - t0 < 10000, "bounded by the gate's timeout");
    });

    it("fails with one line when an agent's Hubble cannot be read", () => {
        const sb = sandbox();
        sb.stub("k3s", `case "$*" in *"get pods"*) echo cilium-a ;; *) exit 1 ;; esac`);
        const r = gate(sb);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /^srv-1: audit-gate: ERROR: cannot read Hubble flows from cilium-a within 120s/);
    });
});

/** A fake systemd: systemd-run records the timer's command; `fire` runs it only if the timer is still active. */
function withSystemd(sb: Sandbox): { fire(): { code: number; stdout: string; stderr: string } } {
    const units = path.join(sb.dir, "units");
    fs.mkdirSync(units);
    sb.stub("systemd-run", `log "systemd-run $*"
unit=""; while [ "$#" -gt 0 ]; do case "$1" in --unit=*) unit=\${1#--unit=} ;; --*) ;; *) break ;; esac; shift; done
printf '%q ' "$@" > "${units}/$unit.cmd"; touch "${units}/$unit.timer"`);
    sb.stub("systemctl", `log "systemctl $*"
case "$1" in
  is-active) for u in "$@"; do :; done; [ -e "${units}/$u" ] ;;
  stop) shift; for u in "$@"; do rm -f "${units}/$u"; done ;;
  *) exit 0 ;;
esac`);
    return {
        fire() {
            const timer = fs.readdirSync(units).find(f => f.endsWith(".timer"));
            if (!timer) return { code: -1, stdout: "", stderr: "no active timer" };
            const cmd = fs.readFileSync(path.join(units, timer.replace(/\.timer$/, ".cmd")), "utf8");
            fs.rmSync(path.join(units, timer));
            const parts = cmd.trim().split(" ");
            return sb.run(parts[1], parts.slice(2), { env: { INTERVAL: "0" } });
        },
    };
}

describe("enforcement: the dead-man's switch (arm-rollback.sh, rollback.sh, confirm-enforcement.sh)", () => {
    // What the program hands arm-rollback.sh on stdin: rollback.sh as sent, its shared fragments in place.
    const rollbackText = withPrelude(fs.readFileSync(script("rollback.sh"), "utf8"));
    function server(): { sb: Sandbox; env: Record<string, string>; systemd: ReturnType<typeof withSystemd> } {
        const sb = sandbox();
        const systemd = withSystemd(sb);
        sb.stub("k3s", `log "k3s $*"
case "$1 $2" in
  "crictl ps") echo 0f3c2a ;;
  "kubectl create") cat > "$STUB_DIR/created.yaml" ;;
esac`);
        return { sb, env: { STATE_DIR: path.join(sb.dir, "state") }, systemd };
    }

    it("fires when not confirmed: this agent to audit at runtime, the CiliumNodeConfig back to audit, agents restarted; confirm then fails and says so", async () => {
        const { sb, env, systemd } = server();
        const armed = sb.run(script("arm-rollback.sh"), ["srv-1", "false", 840], { stdin: rollbackText, env });
        assert.strictEqual(armed.code, 0, armed.stderr);
        assert.match(armed.stdout, /srv-1: arm: armed k3s-cilium-enforce-rollback\.timer: back to audit mode at \d{4}-\d\d-\d\dT/);
        const run = sb.calls().find(c => c.startsWith("systemd-run"))!;
        assert.match(run, /--unit=k3s-cilium-enforce-rollback .*--on-active=840s --timer-property=AccuracySec=1s --property=RuntimeMaxSec=600 \/bin\/bash .*\/state\/rollback\.sh srv-1 /);
        assert.strictEqual(fs.readFileSync(path.join(env.STATE_DIR, "rollback.sh"), "utf8"), rollbackText);

        const fired = systemd.fire();
        assert.strictEqual(fired.code, 0, fired.stderr);
        assert.ok(sb.calls().includes("k3s crictl exec 0f3c2a cilium-dbg config PolicyAuditMode=Enabled"), sb.calls().join("\n"));
        const created = fs.readFileSync(path.join(sb.dir, "created.yaml"), "utf8");
        assert.match(created, /kind: CiliumNodeConfig\n.*\n {2}name: policy-enforcement-rollback\n {2}namespace: kube-system/);
        assert.match(created, /defaults: \{policy-audit-mode: "true"\}/);
        // The object the switch writes is checked against the real CiliumNodeConfig CRD (Cilium 1.18).
        const cnc = crdValidator(await artifact(ARTIFACTS.nodeConfigCrd), "v2");
        const object = YAML.parse(created) as { metadata: { name: string }; spec: unknown };
        assert.ok(cnc.validate(object), cnc.errors());
        assert.deepStrictEqual(object.spec, { nodeSelector: {}, defaults: { "policy-audit-mode": "true" } });
        assert.ok(object.metadata.name > "policy-enforcement", "sorts after the desired object, so it wins");
        assert.ok(sb.calls().includes("k3s kubectl -n kube-system rollout restart daemonset/cilium"));
        assert.match(fired.stdout, /rolled back at .* on srv-1, enforcement was not confirmed in time:\n- the agent on srv-1 switched to audit mode at runtime\n- CiliumNodeConfig kube-system\/policy-enforcement-rollback created/);

        const late = sb.run(script("confirm-enforcement.sh"), ["srv-1", "false"], { env });
        assert.strictEqual(late.code, 1);
        assert.match(late.stderr, /^srv-1: confirm: ERROR: too late: rolled back at .*agents restarted \(rollout restart daemonset\/cilium\).*journalctl -u k3s-cilium-enforce-rollback\.service on srv-1\); after fixing the cause, raise k3s-cilium:enforcementAttempt to run the chain again$/m);
    });

    it("a second server that fires after the first switches its own agent and leaves the restart to the first", () => {
        const { sb, env, systemd } = server();
        sb.stub("k3s", `log "k3s $*"
case "$1 $2" in
  "crictl ps") echo 77aa ;;
  "kubectl create") echo 'Error from server (AlreadyExists): ciliumnodeconfigs.cilium.io "policy-enforcement-rollback" already exists' >&2; exit 1 ;;
esac`);
        sb.run(script("arm-rollback.sh"), ["srv-2", "false", 840], { stdin: rollbackText, env });
        const fired = systemd.fire();
        assert.strictEqual(fired.code, 0, fired.stderr);
        assert.match(fired.stdout, /already written by another server/);
        assert.ok(!sb.calls().some(c => c.includes("rollout restart")), "only the writer restarts the agents");
    });

    it("the rollback is bounded too: with the API unreachable it still switches the local agent and reports what it could not do", () => {
        const { sb, env } = server();
        sb.stub("k3s", `log "k3s $*"
case "$1 $2" in
  "crictl ps") echo 0f3c2a ;;
  "kubectl create") echo "The connection to the server 127.0.0.1:6443 was refused" >&2; exit 1 ;;
esac`);
        sb.stub("sleep", "exit 0");
        const t0 = Date.now();
        const r = sb.run(script("rollback.sh"), ["srv-1", env.STATE_DIR, 1]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.ok(Date.now() - t0 < 10000);
        assert.match(r.stdout, /could not write CiliumNodeConfig policy-enforcement-rollback within 1s: The connection to the server 127\.0\.0\.1:6443 was refused/);
        assert.match(r.stdout, /- the agent on srv-1 switched to audit mode at runtime\n$/);
        assert.ok(!sb.calls().some(c => c.includes("rollout restart")));
    });

    it("confirm disarms it: the timer is stopped and can no longer fire", () => {
        const { sb, env, systemd } = server();
        sb.run(script("arm-rollback.sh"), ["srv-1", "false", 840], { stdin: rollbackText, env });
        const ok = sb.run(script("confirm-enforcement.sh"), ["srv-1", "false"], { env });
        assert.strictEqual(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /srv-1: confirm: confirmed: enforcement stays on; k3s-cilium-enforce-rollback\.timer disarmed/);
        assert.ok(sb.calls().includes("systemctl stop k3s-cilium-enforce-rollback.timer"));
        assert.strictEqual(systemd.fire().stderr, "no active timer");
        assert.ok(!sb.calls().some(c => c.includes("PolicyAuditMode")), "nothing was rolled back");
        assert.ok(fs.existsSync(path.join(env.STATE_DIR, "confirmed")) && !fs.existsSync(path.join(env.STATE_DIR, "armed")));
    });

    it("going back to audit after a rollback: arm clears the record, confirm and verify do not trip over it", () => {
        const { sb, env, systemd } = server();
        sb.run(script("arm-rollback.sh"), ["srv-1", "false", 840], { stdin: rollbackText, env });
        assert.strictEqual(systemd.fire().code, 0);
        assert.ok(fs.existsSync(path.join(env.STATE_DIR, "rolled-back")));
        assert.strictEqual(sb.run(script("arm-rollback.sh"), ["srv-1", "true", 840], { stdin: rollbackText, env }).code, 0);
        assert.ok(!fs.existsSync(path.join(env.STATE_DIR, "rolled-back")), "the record of the rollback is cleared");
        fs.writeFileSync(path.join(env.STATE_DIR, "rolled-back"), "rolled back at T\n"); // e.g. another server's record
        const c = sb.run(script("confirm-enforcement.sh"), ["srv-1", "true"], { env });
        assert.strictEqual(c.code, 0, c.stderr);
        assert.match(c.stdout, /audit mode: nothing to confirm/);
    });

    it("audit mode arms nothing and confirms nothing; confirm without an armed timer refuses", () => {
        const { sb, env } = server();
        assert.match(sb.run(script("arm-rollback.sh"), ["srv-1", "true", 840], { stdin: rollbackText, env }).stdout, /no timer armed/);
        assert.ok(!sb.calls().some(c => c.startsWith("systemd-run")));
        assert.match(sb.run(script("confirm-enforcement.sh"), ["srv-1", "true"], { env }).stdout, /audit mode: nothing to confirm/);
        const none = sb.run(script("confirm-enforcement.sh"), ["srv-1", "false"], { env });
        assert.strictEqual(none.code, 1);
        assert.match(none.stderr, /no armed k3s-cilium-enforce-rollback\.timer on srv-1: it fired or was never armed/);
    });
});

describe("enforcement: converge-agents.sh restarts exactly the agents whose mode differs", () => {
    /** Agents a (node n1, Enabled) and b (node n2, Disabled); a deleted pod comes back as <pod>2 in the CNC's mode. */
    const agents = (newMode: string, opts: { neverReady?: boolean } = {}): Sandbox => ciliumAgentsSandbox({
        neverReady: opts.neverReady,
        functions: `mode() { case "$1" in cilium-a) echo Enabled ;; cilium-b) echo Disabled ;; *) echo "${newMode}" ;; esac; }`,
        cases: `  *"cilium-dbg config"*) pod=\${args##*exec }; pod=\${pod%% *}; printf '##### Read-write configurations #####\\n%-34s: %s\\n%-34s: %s\\n' Debug Disabled PolicyAuditMode "$(mode "$pod")" ;;`,
    });
    const deleted = deletedPods;

    it("audit → enforce: only the agent still in audit mode restarts, and its replacement enforces", () => {
        const sb = agents("Disabled");
        const r = sb.run(script("converge-agents.sh"), ["srv-1", "false", 30, 5]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(deleted(sb), ["cilium-a"]);
        assert.match(r.stdout, /n1: cilium-a runs PolicyAuditMode Enabled, restarting it for Disabled\n.*n1: cilium-a2 runs PolicyAuditMode Disabled\n.*restarted 1 of 2 agents \(n1\)/);
        assert.ok(sb.calls().some(c => c.includes("delete ciliumnodeconfig policy-enforcement-rollback --ignore-not-found")), "a rollback left earlier is removed first");
    });

    it("enforce → audit: only the enforcing agent restarts", () => {
        const sb = agents("Enabled");
        const r = sb.run(script("converge-agents.sh"), ["srv-1", "true", 30, 5]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(deleted(sb), ["cilium-b"]);
        assert.match(r.stdout, /restarted 1 of 2 agents \(n2\); all run PolicyAuditMode Enabled/);
        assert.ok(!sb.calls().some(c => c.startsWith("systemctl")), "going to audit needs no armed switch");
    });

    it("refuses to restart into enforcement without the armed switch, and gives up on a replacement that never becomes Ready", () => {
        const unarmed = agents("Disabled");
        unarmed.stub("systemctl", "exit 3");
        const r = unarmed.run(script("converge-agents.sh"), ["srv-1", "false", 30, 5]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /the dead-man's switch \(k3s-cilium-enforce-rollback\.timer\) is not armed on srv-1; refusing/);
        assert.deepStrictEqual(deleted(unarmed), []);
        const stuck = agents("Disabled", { neverReady: true });
        const t0 = Date.now();
        const s = stuck.run(script("converge-agents.sh"), ["srv-1", "false", 1, 5], { env: { INTERVAL: "1" } });
        assert.strictEqual(s.code, 1);
        assert.match(s.stderr, /n1: no cilium agent running PolicyAuditMode Disabled within 1s after restarting cilium-a/);
        assert.ok(Date.now() - t0 < 15000);
    });
});

describe("enforcement: verify-enforcement.sh", () => {
    function firstServer(opts: { nodes?: string; modes?: string; probe?: string } = {}): Sandbox {
        const sb = sandbox();
        sb.stub("sleep", "exit 0");
        sb.stub("systemctl", "exit 3"); // no armed timer unless a test says so
        sb.stub("k3s", `log "k3s $*"
case "$*" in
  *"get --raw /readyz"*) echo ok ;;
  *"get nodes -o jsonpath"*) printf '${opts.nodes ?? "srv-1 True\\nagent-1 True"}\\n' ;;
  *"get pods -l k8s-app=cilium"*) echo "cilium-a cilium-b" ;;
  *"cilium-dbg config"*) echo "PolicyAuditMode                   : ${opts.modes ?? "Disabled"}" ;;
  *" run k3s-cilium-enforce-probe "*) echo "${opts.probe ?? "ok"}" ;;
esac`);
        return sb;
    }
    const verify = (sb: Sandbox, checks: string, env: Record<string, string> = {}) =>
        sb.run(script("verify-enforcement.sh"), ["srv-1", checks, "10.0.1.2", 6443, "false", 1, "busybox:1.36.1"], { env: { STATE_DIR: path.join(sb.dir, "state"), INTERVAL: "1", ...env } });

    it("on every node: reaching it over SSH is the check; on the first server: API via the endpoint, nodes Ready, modes, a DNS+API probe pod", () => {
        const agent = firstServer();
        assert.match(verify(agent, "ssh").stdout, /srv-1: verify: ssh ok/);
        assert.deepStrictEqual(agent.calls(), []);
        const sb = firstServer();
        const r = verify(sb, "cluster");
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.trim().split("\n").map(l => l.replace(/^srv-1: verify: /, "")), [
            "ssh ok (reached from the operator's machine after the agents restarted)",
            "API https://10.0.1.2:6443/readyz through the endpoint: ok",
            "every node Ready: ok",
            "every agent runs PolicyAuditMode Disabled",
            "a pod resolves kubernetes.default and reaches the API: ok",
        ]);
        const probe = sb.calls().find(c => c.includes(" run k3s-cilium-enforce-probe "))!;
        assert.match(probe, /--image=busybox:1\.36\.1 --restart=Never --rm -i --quiet --pod-running-timeout=1s --command -- sh -c nslookup kubernetes\.default\.svc\.cluster\.local/);
        // Back in audit mode, a rollback recorded by an earlier attempt is history, not a failure.
        const audit = firstServer({ modes: "Enabled" });
        fs.mkdirSync(path.join(audit.dir, "state"));
        fs.writeFileSync(path.join(audit.dir, "state", "rolled-back"), "rolled back at T\n");
        const a = audit.run(script("verify-enforcement.sh"), ["srv-1", "cluster", "10.0.1.2", 6443, "true", 1, "busybox:1.36.1"], { env: { STATE_DIR: path.join(audit.dir, "state"), INTERVAL: "1" } });
        assert.strictEqual(a.code, 0, a.stderr);
    });

    it("fails, bounded, when a node is NotReady, the probe cannot reach the API, or the agents were rolled back", () => {
        const notReady = verify(firstServer({ nodes: "srv-1 True\\nagent-1 False" }), "cluster");
        assert.strictEqual(notReady.code, 1);
        assert.match(notReady.stderr, /srv-1: verify: ERROR: every node Ready: not within 1s/);
        const noApi = verify(firstServer({ probe: "wget: bad address" }), "cluster");
        assert.match(noApi.stderr, /a pod resolves kubernetes\.default and reaches the API: not within 1s/);
        const rolledBack = verify(firstServer({ modes: "Enabled" }), "cluster");
        assert.match(rolledBack.stderr, /agents not in the desired PolicyAuditMode Disabled: cilium-a=Enabled cilium-b=Enabled \(a rollback ran/);
        const marked = firstServer();
        fs.mkdirSync(path.join(marked.dir, "state"));
        fs.writeFileSync(path.join(marked.dir, "state", "rolled-back"), "rolled back at 2026-12-02T11:00:00Z on srv-1\n");
        assert.match(verify(marked, "cluster").stderr, /the dead-man's switch already rolled enforcement back: rolled back at 2026-12-02T11:00:00Z on srv-1/);
    });

    it("a failed check on the first server rolls back at once, and the error says what failed and what the rollback did", () => {
        const sb = firstServer({ probe: "nslookup: can't resolve" });
        const state = path.join(sb.dir, "state");
        sb.stub("systemctl", `log "systemctl $*"
case "$1" in
  is-active) exit 0 ;;
  start) mkdir -p "${state}"; printf 'rolled back at T on srv-1, enforcement was not confirmed in time:\n- agents restarted\n' > "${state}/rolled-back" ;;
esac`);
        const r = verify(sb, "cluster");
        assert.strictEqual(r.code, 1);
        assert.ok(sb.calls().includes("systemctl start k3s-cilium-enforce-rollback.service"), sb.calls().join("\n"));
        assert.deepStrictEqual(r.stderr.trim().split("\n"), [
            "srv-1: verify: ERROR: a pod resolves kubernetes.default and reaches the API: not within 1s",
            "srv-1: verify: not confirming; rolling back to audit mode now (k3s-cilium-enforce-rollback.service)",
            "srv-1: verify: rolled back at T on srv-1, enforcement was not confirmed in time:",
            "srv-1: verify: - agents restarted",
        ]);
        const audit = firstServer({ probe: "nslookup: can't resolve" });
        audit.stub("systemctl", 'log "systemctl $*"');
        const a = audit.run(script("verify-enforcement.sh"), ["srv-1", "cluster", "10.0.1.2", 6443, "true", 1, "busybox:1.36.1"], { env: { STATE_DIR: path.join(audit.dir, "state"), INTERVAL: "1" } });
        assert.strictEqual(a.code, 1);
        assert.ok(!audit.calls().some(c => c.startsWith("systemctl")), "audit mode has nothing to roll back");
    });
});

describe("enforcement: pure rules", () => {
    it("the gate's critical traffic follows the config: SSH, the API port, the datapath list, DNS", () => {
        const prod = criticalTraffic(config("prod"));
        assert.deepStrictEqual(prod.map(r => `${r.protocol}/${r.from}${r.to !== r.from ? `-${r.to}` : ""}`),
            ["tcp/22", "tcp/6443", "udp/6081", "tcp/4240", "icmp/0", "tcp/4244", "tcp/2379-2380", "tcp/10250", "udp/53", "tcp/53"]);
        const vxlan = criticalTraffic(config("prod", { tunnelProtocol: "vxlan", wireguard: true, apiPort: 7443 }));
        assert.ok(vxlan.some(r => r.protocol === "udp" && r.from === 8472) && vxlan.some(r => r.from === 51871));
        assert.ok(vxlan.some(r => r.from === 7443 && /apiAllowList/.test(r.fix)) && !vxlan.some(r => r.from === 6443));
        assert.ok(criticalTrafficArgs(config("local")).every(a => a.split("|").length === 5));
    });

    it("the timer outlasts every bounded wait between arming and confirming, at any size", () => {
        for (const n of [1, 5, 13, 100]) {
            const t = enforcementTimings(n);
            assert.ok(t.rollbackAfter > t.restart + t.verify + 120, `${n} nodes: ${JSON.stringify(t)}`);
            assert.strictEqual(t.restart, t.restartPerBatch * Math.ceil(n / 5));
        }
    });

    it("config: the window must be a Hubble duration; enforcing without Hubble needs the override", () => {
        const base = { enforcementEvidenceWindow: "30m", hubbleEnabled: true, policyAuditMode: false, enforcementAcceptAuditedFlows: false };
        assert.deepStrictEqual(enforcementConfigProblems(base), []);
        for (const w of ["2h", "45s", "90m"]) assert.deepStrictEqual(enforcementConfigProblems({ ...base, enforcementEvidenceWindow: w }), []);
        for (const w of ["30", "0m", "1d", "30 m", ""]) {
            assert.deepStrictEqual(enforcementConfigProblems({ ...base, enforcementEvidenceWindow: w }).map(p => p[0]), ["enforcementEvidenceWindow"], w);
        }
        assert.deepStrictEqual(enforcementConfigProblems({ ...base, hubbleEnabled: false }).map(p => p[0]), ["policyAuditMode"]);
        assert.deepStrictEqual(enforcementConfigProblems({ ...base, hubbleEnabled: false, enforcementAcceptAuditedFlows: true }), []);
        const r = validateConfig(stackConfig("local", { enforcementEvidenceWindow: "1 day" }), { stack: "local", hcloudTokenSet: true });
        assert.ok(!r.ok && r.errors.some(e => e.startsWith('k3s-cilium:enforcementEvidenceWindow = "1 day": accepted: a duration Hubble')), JSON.stringify(r));
    });
});
