import * as assert from "assert";
import { Graph, runProgram, stackConfig } from "./harness";
import { artifact, ARTIFACTS } from "./upstream";
import { crdValidator } from "./crd-schema";
import { validateConfig, ClusterConfig } from "../components/config";
import {
    baselinePolicies, enforcementProblems, K3S_CONTROL_PLANE_LABEL, lockoutGuardNames, orderedFileNames, TIERS,
} from "../components/policies";

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
            "07-allow-hubble-relay-to-agents.yaml", "08-allow-world-ingress-labelled.yaml",
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

describe("policies: order and the enforcement invariant on the recorded graph", () => {
    const GRAPHS: [string, "local" | "prod", Record<string, unknown>][] = [
        ["prod, audit (first up)", "prod", {}],
        ["prod, enforcing", "prod", { policyAuditMode: false }],
        ["prod, enforcing, policy set changed", "prod", { policyAuditMode: false, worldIngressPolicy: true, hubbleRelay: false, hubbleUi: false }],
        ["local, enforcing", "local", { policyAuditMode: false }],
    ];
    for (const [label, stack, overrides] of GRAPHS) {
        it(label, async () => {
            const g: Graph = await runProgram({ stack, overrides });
            const c = config(stack, overrides);
            const gate = g.get("k3s-cilium-cilium-crd-gate");
            const policies = g.ofType("kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy");
            const tierOf = (r: typeof policies[0]) => r.inputs.metadata.labels["k3s-cilium.io/tier"] as string;
            const byTier = (t: string) => policies.filter(p => tierOf(p) === t);
            // Same-tier policies apply in parallel, so registration order within a tier means nothing.
            assert.deepStrictEqual(policies.map(p => p.inputs.metadata.name).sort(), baselinePolicies(c).map(p => p.name).sort());
            for (const p of policies) assert.ok(g.dependsOn(p, gate), `${p.name} before the CRD gate`);
            for (const later of byTier("endpoint-defaults")) for (const earlier of byTier("host-access")) assert.ok(g.dependsOn(later, earlier));
            for (const later of byTier("components")) for (const earlier of byTier("endpoint-defaults")) assert.ok(g.dependsOn(later, earlier));

            const firstServer = g.resources.find(r => r.custom && r.name === "k3s-cilium-server-1" || r.name === "k3s-cilium-colima")!;
            for (const p of policies) assert.strictEqual(p.deletedWith, firstServer.urn, `${p.name} deletedWith the cluster's machine`);

            // The invariant: enforcement (CiliumNodeConfig + agent restart) waits for every policy, above all the
            // lock-out guards, and for a reachability check on every node; no guard policy waits for enforcement.
            const enforcement = g.get("policy-enforcement");
            const restart = g.get("k3s-cilium-audit-mode");
            assert.strictEqual(enforcement.inputs.spec.defaults["policy-audit-mode"], String(c.cilium.policyAuditMode));
            const reach = g.ofType("command:remote:Command").filter(r => r.name.endsWith("-reachable"));
            assert.strictEqual(reach.length, c.nodes.controlPlaneCount + c.nodes.workerCount);
            for (const step of [enforcement, restart]) {
                for (const p of policies) assert.ok(g.dependsOn(step, p), `${step.name} must wait for ${p.name}`);
                for (const r of reach) assert.ok(g.dependsOn(step, r), `${step.name} must wait for ${r.name}`);
            }
            for (const r of reach) for (const p of policies) assert.ok(g.dependsOn(r, p), `${r.name} runs with ${p.name} in place`);
            for (const guard of lockoutGuardNames(c)) {
                const p = g.get(`ccnp-${guard}`);
                assert.ok(!g.dependsOn(p, enforcement) && !g.dependsOn(p, restart), `${guard} must not wait for enforcement`);
            }
            // The chart itself always installs audit mode: enforcing before the policies exist is impossible.
            assert.strictEqual(g.get("cilium", "kubernetes:helm.sh/v4:Chart").inputs.values.policyAuditMode, true);
            assert.ok(restart.inputs.create.endsWith(` apply-audit-mode.sh k3s-cilium-server-1 ${c.cilium.policyAuditMode} create 600`));
        });
    }
});
