/** Host (node) policies: rules chosen by what they are, joining nodes let in, descriptions that say what they do. */
import * as assert from "assert";
import { validateConfig, ClusterConfig } from "../components/config";
import { joiningNodesCidr } from "../components/cilium";
import { baselinePolicies, BaselinePolicy } from "../components/policies";
import { stackConfig } from "./harness";
import { artifact, ARTIFACTS } from "./upstream";
import { crdValidator } from "./crd-schema";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

const policy = (set: BaselinePolicy[], name: string) => set.find(p => p.name === name)!.spec as any;
/** "fromEntities cluster: 6081/UDP 10250/TCP" per ingress rule with ports. */
function ingress(spec: any): string[] {
    return (spec.ingress as any[]).filter(r => r.toPorts).map(r => {
        const from = r.fromEntities ? `entities ${r.fromEntities.join(",")}` : `cidr ${r.fromCIDR.join(",")}`;
        const ports = r.toPorts[0].ports.map((p: any) => `${p.port}${p.endPort ? `-${p.endPort}` : ""}/${p.protocol}`).join(" ");
        return `${from}: ${ports}`;
    });
}

describe("host policies: joining nodes, selection by kind, honest descriptions", () => {
    it("a joining node (no Cilium yet: world) reaches etcd (servers), the API, kubelet and the tunnel from the node subnet", () => {
        const prod = baselinePolicies(config("prod"));
        assert.deepStrictEqual(ingress(policy(prod, "host-allow-etcd")), ["entities remote-node: 2379-2380/TCP", "cidr 10.0.1.0/24: 2379-2380/TCP"]);
        assert.deepStrictEqual(policy(prod, "host-allow-etcd").nodeSelector, { matchLabels: { "node-role.kubernetes.io/control-plane": "true" } });
        assert.deepStrictEqual(ingress(policy(prod, "host-allow-kube-api")), [
            "cidr 203.0.113.0/24,10.0.1.2/32: 6443/TCP", "entities cluster: 6443/TCP", "cidr 10.0.1.0/24: 6443/TCP",
        ]);
        assert.deepStrictEqual(ingress(policy(prod, "host-allow-cluster-datapath")), [
            "entities cluster: 6081/UDP 4240/TCP 4244/TCP 10250/TCP", "cidr 10.0.1.0/24: 6081/UDP 10250/TCP",
        ]);
    });

    it("a single-server cluster keeps the etcd rule, so servers added later can join", () => {
        const one = baselinePolicies(config("prod", { controlPlaneCount: 1, operatorReplicas: 1 }));
        assert.deepStrictEqual(ingress(policy(one, "host-allow-etcd")), ["entities remote-node: 2379-2380/TCP", "cidr 10.0.1.0/24: 2379-2380/TCP"]);
    });

    it("Colima (one VM, whose subnet holds the laptop's side of Lima's network) gets no joining range", () => {
        assert.strictEqual(joiningNodesCidr(config("local")), undefined);
        assert.strictEqual(joiningNodesCidr(config("prod")), "10.0.1.0/24");
    });

    it("rules are chosen by kind, not port: a non-default apiPort moves only the API rule", () => {
        const c = baselinePolicies(config("prod", { apiPort: 8443 }));
        assert.deepStrictEqual(ingress(policy(c, "host-allow-kube-api")).map(l => l.split(": ")[1]), ["8443/TCP", "8443/TCP", "8443/TCP"]);
        assert.deepStrictEqual(ingress(policy(c, "host-allow-cluster-datapath"))[0], "entities cluster: 6081/UDP 4240/TCP 4244/TCP 10250/TCP");
    });

    it("descriptions name exactly what is allowed (WireGuard only when on)", () => {
        const off = baselinePolicies(config("prod"));
        const datapathOff = policy(off, "host-allow-cluster-datapath").description as string;
        assert.ok(!/wireguard/i.test(datapathOff), datapathOff);
        assert.match(datapathOff, /Cilium GENEVE tunnel 6081\/udp, Cilium health checks 4240\/tcp, Hubble server \(relay → agents\) 4244\/tcp, kubelet API 10250\/tcp/);
        assert.match(datapathOff, /also from the node subnet 10\.0\.1\.0\/24 \(nodes still joining/);
        const on = policy(baselinePolicies(config("prod", { wireguard: true, tunnelProtocol: "vxlan" })), "host-allow-cluster-datapath").description as string;
        assert.match(on, /Cilium VXLAN tunnel 8472\/udp.*WireGuard transparent encryption 51871\/udp/);
        const etcd = policy(off, "host-allow-etcd").description as string;
        assert.strictEqual(etcd, "etcd client and peer traffic 2379-2380/tcp on the k3s servers only, from every node running Cilium (remote-node); etcd client and peer traffic 2379-2380/tcp also from the node subnet 10.0.1.0/24 (nodes still joining, without Cilium yet)");
    });

    it("every host policy still validates against the real CCNP CRD schema", async () => {
        const schema = crdValidator(await artifact(ARTIFACTS.ccnpCrd), "v2");
        for (const c of [config("prod"), config("prod", { wireguard: true, apiPort: 8443 }), config("prod", { controlPlaneCount: 1, operatorReplicas: 1, workerCount: 0 })]) {
            for (const p of baselinePolicies(c)) {
                assert.ok(schema.validate({ apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name: p.name }, spec: p.spec }), `${p.name}: ${schema.errors()}`);
            }
        }
    });
});
