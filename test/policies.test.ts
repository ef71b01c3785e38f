import * as assert from "assert";
import * as crypto from "crypto";
import { Graph, RecordedResource, runProgram, stackConfig } from "./harness";
import { artifact, ARTIFACTS } from "./upstream";
import { crdValidator } from "./crd-schema";
import { validateConfig, ClusterConfig } from "../components/config";
import {
    baselinePolicies, enforcementChainHash, enforcementChainTriggers, enforcementProblems, enforcementTimings, K3S_CONTROL_PLANE_LABEL, lockoutGuardNames, orderedFileNames, TIERS,
} from "../components/policies";
import { contentHash, parseScriptCommands } from "../components/shared/script";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

const VARIANTS: [string, "local" | "prod", Record<string, unknown>][] = [
    ["local", "local", {}],
    ["local + world ingress", "local", { worldIngressPolicy: true }],
    ["prod", "prod", {}],
    ["prod without host firewall", "prod", { hostFirewall: false }],
    ["prod without Hubble relay", "prod", { hubbleRelay: false, hubbleUi: false }],
    ["prod, 1 server, vxlan, wireguard, always", "prod", { controlPlaneCount: 1, operatorReplicas: 1, tunnelProtocol: "vxlan", wireguard: true, policyEnforcementMode: "always" }],
];

function ccnp(name: string, spec: Record<string, unknown>) {
    return { apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name }, spec };
}

describe("policies: every emitted policy validates against the real CCNP CRD schema", () => {
    let schema: ReturnType<typeof crdValidator>;
    before(async () => { schema = crdValidator(await artifact(ARTIFACTS.ccnpCrd), "v2"); });

    for (const [label, stack, overrides] of VARIANTS) {
        it(label, () => {
            const policies = baselinePolicies(config(stack, overrides));
            assert.ok(policies.length >= 2);
            for (const p of policies) {
                assert.ok(schema.validate(ccnp(p.name, p.spec)), `${p.name}:\n${schema.errors()}`);
            }
        });
    }

    const good = baselinePolicies(config("prod")).find(p => p.name === "host-allow-ssh")!.spec;
    const NEGATIVE: [string, Record<string, unknown>, RegExp][] = [
        ["both endpointSelector and nodeSelector", { ...good, endpointSelector: {} }, /must match exactly one schema in oneOf/],
        ["a misspelled entity", { endpointSelector: {}, ingress: [{ fromEntities: ["kube-api-server"] }] }, /fromEntities\/0 must be equal to one of the allowed values/],
        ["a numeric port", { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: 22, protocol: "TCP" }] }] }] }, /port must be string/],
        ["more than 40 ports", { endpointSelector: {}, ingress: [{ toPorts: [{ ports: Array.from({ length: 41 }, (_, i) => ({ port: String(1000 + i), protocol: "TCP" })) }] }] }, /must NOT have more than 40 items/],
        ["an unknown protocol", { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: "53", protocol: "DNS" }] }] }] }, /protocol must be equal to one of the allowed values/],
        ["no rule section at all", { endpointSelector: {} }, /must match a schema in anyOf|must have required property/],
    ];
    for (const [why, spec, message] of NEGATIVE) {
        it(`rejects ${why}`, () => {
            assert.strictEqual(schema.validate(ccnp("bad", spec)), false, `${why} was accepted`);
            assert.match(schema.errors(), message);
        });
    }

    it("the enforcement CiliumNodeConfig validates against its CRD, and the L2 objects against theirs", async () => {
        const g = await runProgram({ stack: "local", overrides: { l2Announcements: true, lbIpPools: ["10.0.200.0/24"] } });
        const cnc = crdValidator(await artifact(ARTIFACTS.nodeConfigCrd), "v2");
        const enforcement = g.get("policy-enforcement");
        assert.ok(cnc.validate({ apiVersion: "cilium.io/v2", kind: "CiliumNodeConfig", metadata: enforcement.inputs.metadata, spec: enforcement.inputs.spec }), cnc.errors());
        const pool = crdValidator(await artifact(ARTIFACTS.lbIpPoolCrd), "v2");
        assert.ok(pool.validate({ apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", metadata: { name: "p" }, spec: g.get("lb-ip-pool").inputs.spec }), pool.errors());
        const l2 = crdValidator(await artifact(ARTIFACTS.l2PolicyCrd), "v2alpha1");
        assert.ok(l2.validate({ apiVersion: "cilium.io/v2alpha1", kind: "CiliumL2AnnouncementPolicy", metadata: { name: "l" }, spec: g.get("l2-announcement-policy").inputs.spec }), l2.errors());
    });
});

describe("policies: the baseline set", () => {
    it("selects control-plane nodes by the label k3s sets (\"true\", not kubeadm's \"\")", () => {
        assert.deepStrictEqual(K3S_CONTROL_PLANE_LABEL, { key: "node-role.kubernetes.io/control-plane", value: "true" });
        const cp = baselinePolicies(config("local")).find(p => p.name === "allow-control-plane-connectivity")!;
        assert.deepStrictEqual(cp.spec.nodeSelector, { matchLabels: { "node-role.kubernetes.io/control-plane": "true" } });
        assert.deepStrictEqual(cp.spec.ingress, [{ fromEntities: ["kube-apiserver"] }]);
    });

    it("host policies exist only with the host firewall, and carry the allow-lists and datapath ports", () => {
        assert.deepStrictEqual(baselinePolicies(config("prod", { hostFirewall: false })).filter(p => p.name.startsWith("host-")), []);
        const prod = baselinePolicies(config("prod"));
        const ssh = prod.find(p => p.name === "host-allow-ssh")!.spec as any;
        assert.deepStrictEqual(ssh.ingress, [{ fromCIDR: ["203.0.113.0/24"], toPorts: [{ ports: [{ port: "22", protocol: "TCP" }] }] }]);
        assert.deepStrictEqual(ssh.egress, [{ toEntities: ["all"] }]);
        const api = prod.find(p => p.name === "host-allow-kube-api")!.spec as any;
        assert.deepStrictEqual(api.ingress[0].fromCIDR, ["203.0.113.0/24", "10.0.1.2/32"], "allow-list plus the API load balancer");
        assert.deepStrictEqual(api.ingress[1].fromEntities, ["cluster"]);
        const datapath = prod.find(p => p.name === "host-allow-cluster-datapath")!.spec as any;
        assert.deepStrictEqual(datapath.ingress[0].toPorts[0].ports.map((p: any) => `${p.port}/${p.protocol}`), ["6081/UDP", "4240/TCP", "4244/TCP", "10250/TCP"]);
        const etcd = prod.find(p => p.name === "host-allow-etcd")!.spec as any;
        assert.deepStrictEqual(etcd.ingress[0].toPorts[0].ports, [{ port: "2379", endPort: 2380, protocol: "TCP" }]);
        const vxlanWg = baselinePolicies(config("prod", { tunnelProtocol: "vxlan", wireguard: true, hubbleEnabled: false, hubbleRelay: false, hubbleUi: false }));
        const ports = (vxlanWg.find(p => p.name === "host-allow-cluster-datapath")!.spec as any).ingress[0].toPorts[0].ports.map((p: any) => `${p.port}/${p.protocol}`);
        assert.deepStrictEqual(ports, ["8472/UDP", "4240/TCP", "51871/UDP", "10250/TCP"]);
    });

    it("ep-default: cluster and ingress in, ICMP echo from anywhere, egress to all", () => {
        const ep = baselinePolicies(config("local")).find(p => p.name === "ep-default")!.spec as any;
        assert.deepStrictEqual(ep.endpointSelector, {});
        assert.deepStrictEqual(ep.ingress[0], { fromEntities: ["cluster", "ingress"] });
        assert.deepStrictEqual(ep.ingress[1].fromEntities, ["all"]);
        assert.deepStrictEqual(ep.ingress[1].icmps[0].fields.map((f: any) => f.type), [8, 128]);
        assert.deepStrictEqual(ep.egress, [{ toEntities: ["all"] }]);
    });

    it("the hubble-relay policy exists only with relay on", () => {
        assert.ok(baselinePolicies(config("prod")).some(p => p.name === "allow-hubble-relay-to-agents"));
        assert.ok(!baselinePolicies(config("local")).some(p => p.name === "allow-hubble-relay-to-agents"));
    });

    it("is listed in tier order, and render names follow it", () => {
        const prod = baselinePolicies(config("prod", { worldIngressPolicy: true }));
        const tiers = prod.map(p => TIERS.indexOf(p.tier));
        assert.deepStrictEqual(tiers, [...tiers].sort((a, b) => a - b));
        assert.deepStrictEqual(orderedFileNames(prod), [
            "01-allow-control-plane-connectivity.yaml", "02-host-allow-ssh.yaml", "03-host-allow-kube-api.yaml",
            "04-host-allow-cluster-datapath.yaml", "05-host-allow-etcd.yaml", "06-ep-default.yaml",
            "07-deny-cloud-metadata.yaml", "08-deny-cloud-metadata-kube-system.yaml", "09-deny-cloud-metadata-hcloud-csi.yaml",
            "10-allow-hubble-relay-to-agents.yaml", "11-allow-world-ingress-labelled.yaml",
        ]);
    });

    it("enforcementProblems: the shipped sets are complete; a set missing the SSH or DNS rules is refused", () => {
        for (const [, stack, overrides] of VARIANTS) {
            const c = config(stack, overrides);
            assert.deepStrictEqual(enforcementProblems(c, baselinePolicies(c)), []);
        }
        const prod = config("prod");
        assert.deepStrictEqual(enforcementProblems(prod, baselinePolicies(prod).filter(p => p.name !== "host-allow-ssh")), ["policy host-allow-ssh is missing"]);
        const always = config("local", { policyEnforcementMode: "always" });
        assert.deepStrictEqual(enforcementProblems(always, baselinePolicies(always).filter(p => p.name !== "ep-default")),
            ["policyEnforcementMode always needs an egress rule for every endpoint that allows DNS (ep-default)"]);
    });
});

describe("policies: commit-confirmed enforcement on the recorded graph", () => {
    // Going back to audit runs the audit graph after an enforcing one: the same order, and (below) triggers that
    // differ from the enforcing run's, so every step of the chain runs again.
    const GRAPHS: [string, "local" | "prod", Record<string, unknown>][] = [
        ["prod, first install (audit)", "prod", {}],
        ["prod, enabling enforcement", "prod", { policyAuditMode: false }],
        ["prod, policy set changed while enforcing", "prod", { policyAuditMode: false, worldIngressPolicy: true, hubbleRelay: false, hubbleUi: false }],
        ["prod, back to audit", "prod", { policyAuditMode: true }],
        ["local, enabling enforcement", "local", { policyAuditMode: false }],
    ];
    const chainOf = (g: Graph) => {
        const cmd = (suffix: string) => g.ofType("command:remote:Command").filter(r => r.name.endsWith(suffix));
        return {
            policies: g.ofType("kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy"),
            gate: g.get("k3s-cilium-enforce-gate"),
            arm: cmd("-enforce-arm"),
            nodeConfig: g.get("policy-enforcement"),
            restart: g.get("k3s-cilium-enforce-restart"),
            verify: cmd("-enforce-verify"),
            outside: g.get("policy-enforcement-verified"),
            confirm: cmd("-enforce-confirm"),
        };
    };
    for (const [label, stack, overrides] of GRAPHS) {
        it(`${label}: policies → gate → arm → CiliumNodeConfig → restart → verify → confirm`, async () => {
            const g: Graph = await runProgram({ stack, overrides });
            const c = config(stack, overrides);
            const crdGate = g.get("k3s-cilium-cilium-crd-gate");
            const ch = chainOf(g);
            const tierOf = (r: typeof ch.policies[0]) => r.inputs.metadata.labels["k3s-cilium.io/tier"] as string;
            const byTier = (t: string) => ch.policies.filter(p => tierOf(p) === t);
            assert.deepStrictEqual(ch.policies.map(p => p.inputs.metadata.name).sort(), baselinePolicies(c).map(p => p.name).sort());
            for (const p of ch.policies) assert.ok(g.dependsOn(p, crdGate), `${p.name} after the CRD gate`);
            for (const later of byTier("endpoint-defaults")) for (const earlier of byTier("host-access")) assert.ok(g.dependsOn(later, earlier));
            for (const later of byTier("components")) for (const earlier of byTier("endpoint-defaults")) assert.ok(g.dependsOn(later, earlier));
            const firstServer = g.resources.find(r => r.custom && r.name === "k3s-cilium-server-1" || r.name === "k3s-cilium-colima")!;
            for (const p of ch.policies) assert.strictEqual(p.deletedWith, firstServer.urn, `${p.name} deletedWith the cluster's machine`);

            // Where each step runs: arm and confirm on every server, verify on every node, gate and restart once.
            const servers = Array.from({ length: c.nodes.controlPlaneCount }, (_, i) => `k3s-cilium-server-${i + 1}`);
            const nodeNames = [...servers, ...Array.from({ length: c.nodes.workerCount }, (_, i) => `k3s-cilium-agent-${i + 1}`)];
            const serverNames = servers;
            assert.deepStrictEqual(ch.arm.map(r => r.name).sort(), serverNames.map(n => `${n}-enforce-arm`).sort());
            assert.deepStrictEqual(ch.confirm.map(r => r.name).sort(), serverNames.map(n => `${n}-enforce-confirm`).sort());
            assert.deepStrictEqual(ch.verify.map(r => r.name).sort(), nodeNames.map(n => `${n}-enforce-verify`).sort());

            // The order, step by step (transitively), and nothing earlier waits for anything later.
            const steps: [string, RecordedResource[]][] = [
                ["policies", ch.policies], ["gate", [ch.gate]], ["arm", ch.arm], ["CiliumNodeConfig", [ch.nodeConfig]],
                ["restart", [ch.restart]], ["verify", [...ch.verify, ch.outside]], ["confirm", ch.confirm],
            ];
            for (let i = 1; i < steps.length; i++) {
                for (const later of steps[i][1]) for (const earlier of steps[i - 1][1]) {
                    assert.ok(g.dependsOn(later, earlier), `${later.name} (${steps[i][0]}) must wait for ${earlier.name} (${steps[i - 1][0]})`);
                    assert.ok(!g.dependsOn(earlier, later), `${earlier.name} must not wait for ${later.name}`);
                }
            }
            for (const guard of lockoutGuardNames(c)) {
                const p = g.get(`ccnp-${guard}`);
                assert.ok(!g.dependsOn(p, ch.nodeConfig) && !g.dependsOn(p, ch.restart), `${guard} must not wait for enforcement`);
            }
            // The chart itself always installs audit mode; only the chain's CiliumNodeConfig changes it.
            assert.strictEqual(g.get("cilium", "kubernetes:helm.sh/v4:Chart").inputs.values.policyAuditMode, true);
            assert.strictEqual(ch.nodeConfig.inputs.spec.defaults["policy-audit-mode"], String(c.cilium.policyAuditMode));
            // The API check from outside goes through the operator's kubeconfig (the Kubernetes provider).
            assert.strictEqual(ch.outside.provider, ch.nodeConfig.provider);
            assert.deepStrictEqual(ch.outside.inputs.data.policyAuditMode, String(c.cilium.policyAuditMode));

            // Whatever Pulumi runs (create on replace, update on an input change), the same convergent script runs,
            // and every command of the chain carries the same triggers.
            const commands = [ch.gate, ...ch.arm, ch.restart, ...ch.verify, ...ch.confirm];
            for (const r of commands) {
                assert.strictEqual(r.inputs.update, r.inputs.create, `${r.name}: update is the same script as create`);
                assert.deepStrictEqual(r.inputs.triggers, ch.gate.inputs.triggers, `${r.name}: same triggers as the gate`);
            }
            const audit = String(c.cilium.policyAuditMode);
            const lines = Object.fromEntries(commands.map(r => [r.name, parseScriptCommands(r.inputs.create)![0]]));
            assert.match(lines["k3s-cilium-enforce-gate"].args, new RegExp(`^ k3s-cilium-server-1 ${audit} 30m false true 120 `));
            assert.match(lines["k3s-cilium-enforce-restart"].args, new RegExp(`^ k3s-cilium-server-1 ${audit} 180 5$`));
            const rollbackAfter = enforcementTimings(nodeNames.length).rollbackAfter;
            // The triggers' hash covers exactly the scripts these commands run (rollback.sh on the arm's stdin), so a
            // change of any of them re-runs the whole chain instead of updating one command alone.
            const ran = new Map<string, string>();
            const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");
            for (const r of commands) for (const s of parseScriptCommands(r.inputs.create)!) ran.set(s.name, sha256(s.text));
            for (const r of ch.arm) ran.set("rollback.sh", sha256(r.inputs.stdin));
            assert.strictEqual(ch.gate.inputs.triggers[1], enforcementChainHash(contentHash(baselinePolicies(c)),
                [...ran].map(([name, hash]) => ({ name, sha256: hash })), enforcementTimings(nodeNames.length).rollbackAfter), [...ran.keys()].join());
            for (const r of ch.arm) {
                assert.strictEqual(lines[r.name].name, "arm-rollback.sh");
                assert.strictEqual(lines[r.name].args, ` ${r.name.replace(/-enforce-arm$/, "")} ${audit} ${rollbackAfter}`);
                assert.ok(r.inputs.stdin.startsWith("#!/usr/bin/env bash\n# The dead-man's switch itself"), "the rollback script travels on stdin");
            }
        });
    }

    it("the timer starts only once every node is up: the gate and every arm wait for agents-joined and every server's install", async () => {
        // Confirm waits for every node's verify, an agent's verify for `<cluster>-agents-joined` (up to 900 s): were
        // the gate to wait only for the first server, a scale-up's new agents would eat the timer's budget.
        const g = await runProgram({ stack: "prod", overrides: { policyAuditMode: false, workerCount: 3 } });
        const ch = chainOf(g);
        const joined = g.get("k3s-cilium-agents-joined");
        const installs = g.ofType("command:remote:Command").filter(r => /^k3s-cilium-server-\d+-install$/.test(r.name));
        assert.strictEqual(installs.length, config("prod").nodes.controlPlaneCount, installs.map(r => r.name).join());
        for (const step of [ch.gate, ...ch.arm]) {
            for (const ready of [joined, ...installs]) assert.ok(g.dependsOn(step, ready), `${step.name} must wait for ${ready.name}`);
        }
    });

    it("a change of the arm's own inputs (its deadline grows with the node count) re-runs the whole chain, never the arm alone", async () => {
        // 5 nodes are one restart batch, 6 are two: the rollback deadline in the arm's command line changes.
        const five = chainOf(await runProgram({ stack: "prod", overrides: { policyAuditMode: false, workerCount: 2 } }));
        const six = chainOf(await runProgram({ stack: "prod", overrides: { policyAuditMode: false, workerCount: 3 } }));
        assert.notStrictEqual(six.arm[0].inputs.create, five.arm[0].inputs.create, "the deadline is in the arm's command");
        for (const [a, b] of [[five.gate, six.gate], [five.arm[0], six.arm[0]], [five.restart, six.restart], [five.confirm[0], six.confirm[0]]]) {
            assert.notDeepStrictEqual(b.inputs.triggers, a.inputs.triggers, `${b.name} runs again with the arm`);
        }
    });

    it("every step of the chain runs again when the mode flips or the policy set changes, and only then", async () => {
        const audit = chainOf(await runProgram({ stack: "prod", overrides: {} }));
        const enforcing = chainOf(await runProgram({ stack: "prod", overrides: { policyAuditMode: false } }));
        const changed = chainOf(await runProgram({ stack: "prod", overrides: { policyAuditMode: false, worldIngressPolicy: true, hubbleRelay: false, hubbleUi: false } }));
        const again = chainOf(await runProgram({ stack: "prod", overrides: { policyAuditMode: true } }));
        assert.notDeepStrictEqual(enforcing.gate.inputs.triggers, audit.gate.inputs.triggers, "audit → enforce re-runs the chain");
        assert.notDeepStrictEqual(changed.gate.inputs.triggers, enforcing.gate.inputs.triggers, "a policy change while enforcing re-runs it");
        assert.deepStrictEqual(again.gate.inputs.triggers, audit.gate.inputs.triggers, "back to audit: the audit chain, different from the enforcing one");
        assert.notDeepStrictEqual(again.restart.inputs.create, enforcing.restart.inputs.create);
        // A Cilium version change re-runs the chain too (the checks from outside after every upgrade). Only 1.18.4 is
        // pinned, so the other version is set on the validated config the program used.
        const prod = config("prod");
        const policyHash = String(audit.gate.inputs.triggers[1]);
        assert.deepStrictEqual(enforcementChainTriggers(prod, policyHash), audit.gate.inputs.triggers, "the chain carries these triggers");
        const bumped = { ...prod, versions: { ...prod.versions, cilium: "1.19.0" } };
        assert.notDeepStrictEqual(enforcementChainTriggers(bumped, policyHash), audit.gate.inputs.triggers,
            "a Cilium version change re-runs gate → arm → restart → verify → confirm");
        // After a rollback nothing else may change: raising enforcementAttempt re-runs every command of the chain.
        const retry = chainOf(await runProgram({ stack: "prod", overrides: { policyAuditMode: false, enforcementAttempt: 2 } }));
        // ... and the write through the operator's kubeconfig (the API from outside) happens again too: its data carry
        // the chain's trigger hash, not only the mode and the policy set, which did not change.
        assert.strictEqual(retry.outside.inputs.data.chainTriggers, contentHash(retry.gate.inputs.triggers));
        assert.deepStrictEqual(retry.outside.inputs.data.policySet, enforcing.outside.inputs.data.policySet);
        assert.notStrictEqual(retry.outside.inputs.data.chainTriggers, enforcing.outside.inputs.data.chainTriggers, "the retry updates the ConfigMap");
        for (const [before, after] of [[enforcing.gate, retry.gate], ...enforcing.arm.map((a, i) => [a, retry.arm[i]]),
            [enforcing.restart, retry.restart], ...enforcing.confirm.map((a, i) => [a, retry.confirm[i]])]) {
            assert.notDeepStrictEqual(after.inputs.triggers, before.inputs.triggers, `${after.name} runs again`);
            assert.strictEqual(after.inputs.create, before.inputs.create, `${after.name}: the same script`);
        }
    });
});
