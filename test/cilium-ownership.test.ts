/**
 * Contract: no ciliumValues override that validation accepts moves a cilium-config key (or agent endpoint) the
 * program owns. The consumer is the real Cilium 1.18.4 chart (test/chart.ts renders it with helm); the owned
 * keys are what the datapath module, the guard, the host policies and the enforcement gate rely on.
 */
import * as assert from "assert";
import { ClusterConfig, validateConfig } from "../components/config";
import { ciliumValuesProblems, FIXED_VALUE_PATHS } from "../components/config/cilium-values";
import { ciliumValues } from "../components/cilium";
import { stackConfig } from "./harness";
import { find, renderCilium } from "./chart";

/** cilium-config keys the program decides (chart 1.18.4 templates/cilium-configmap.yaml names). */
const OWNED_CONFIG_KEYS = [
    "cluster-name", "routing-mode", "tunnel-protocol", "tunnel-port", "underlay-protocol", "policy-audit-mode", "enable-policy",
    "kube-proxy-replacement", "ipam", "enable-ipv4", "enable-ipv6", "enable-bpf-masquerade", "enable-ipv4-masquerade", "enable-ipv6-masquerade",
    "enable-ip-masq-agent", "enable-host-firewall", "mtu", "enable-wireguard", "encrypt-node", "enable-l2-announcements", "enable-bgp-control-plane",
    "enable-gateway-api", "enable-hubble", "hubble-listen-address", "datapath-mode", "enable-host-legacy-routing", "bpf-lb-mode", "bpf-lb-acceleration",
    "enable-endpoint-routes", "auto-direct-node-routes", "ipv4-native-routing-cidr", "agent-health-port", "cni-chaining-mode", "cni-exclusive",
    "enable-node-port", "bpf-lb-sock", "k8s-require-ipv4-pod-cidr", "k8s-require-ipv6-pod-cidr", "enable-health-checking",
];

/** Overrides a user might write: ordinary tuning, and every datapath change the review found accepted. */
const PLAUSIBLE: Record<string, unknown>[] = [
    { operator: { podAnnotations: { team: "net" } } }, { resources: { requests: { cpu: "100m", memory: "256Mi" } } },
    { hubble: { metrics: { enabled: ["dns", "drop", "tcp", "flow"] } } }, { prometheus: { enabled: true } }, { operator: { prometheus: { enabled: true } } },
    { debug: { enabled: true } }, { bpf: { monitorAggregation: "maximum" } }, { hubble: { relay: { replicas: 2 } } }, { tolerations: [{ operator: "Exists" }] },
    { podAnnotations: { a: "b" } }, { k8sClientRateLimit: { qps: 50, burst: 100 } }, { envoy: { enabled: true } },
    { extraConfig: { "routing-mode": "native", "policy-audit-mode": "false" } }, { extraArgs: ["--routing-mode=native"] },
    { tunnelPort: 7000 }, { underlayProtocol: "ipv6" }, { bpf: { datapathMode: "netkit" } }, { bpf: { hostLegacyRouting: true } },
    { cni: { chainingMode: "generic-veth" } }, { endpointRoutes: { enabled: true } }, { loadBalancer: { mode: "dsr" } },
    { encryption: { nodeEncryption: true } }, { healthPort: 9900 }, { hubble: { peerService: { targetPort: 4300 } } }, { socketLB: { enabled: false } },
    { nodePort: { enabled: false } }, { k8sServiceHostRef: { name: "x", key: "y" } }, { ipMasqAgent: { enabled: true } }, { k8s: { requireIPv4PodCIDR: true } },
];

const ENDPOINT = { serviceHost: "10.0.1.2", port: 6443 };

function validated(stack: "local" | "prod", override?: Record<string, unknown>): ClusterConfig | undefined {
    const overrides = override ? { ciliumValues: JSON.stringify(override) } : {};
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    return r.ok ? r.config : undefined;
}

async function ownedRendering(config: ClusterConfig): Promise<Record<string, string | undefined>> {
    const objects = await renderCilium(ciliumValues(config, ENDPOINT, { policyAuditMode: true }));
    const cm = find(objects, "ConfigMap", "cilium-config")!.data as Record<string, string>;
    const env = (find(objects, "DaemonSet", "cilium")!.spec.template.spec.containers[0].env ?? []) as { name: string; value?: string }[];
    const out: Record<string, string | undefined> = Object.fromEntries(OWNED_CONFIG_KEYS.map(k => [k, cm[k]]));
    for (const name of ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"]) out[`agent ${name}`] = env.find(e => e.name === name)?.value;
    return out;
}

describe("contract: a ciliumValues override validation accepts never moves a program-owned cilium-config key (real 1.18.4 chart)", function () {
    this.timeout(300000);
    for (const stack of ["prod", "local"] as const) {
        it(`${stack}: every accepted plausible override renders the owned keys exactly as the program alone does`, async () => {
            const base = await ownedRendering(validated(stack)!);
            assert.strictEqual(base["routing-mode"], "tunnel", "the baseline is the program's own datapath");
            let accepted = 0;
            const moved: string[] = [];
            for (const override of PLAUSIBLE) {
                const config = validated(stack, override);
                if (!config) continue;
                accepted++;
                const got = await ownedRendering(config);
                for (const k of Object.keys(base)) {
                    if (got[k] !== base[k]) moved.push(`${JSON.stringify(override)} moves ${k}: ${JSON.stringify(base[k])} → ${JSON.stringify(got[k])}`);
                }
            }
            assert.deepStrictEqual(moved, []);
            assert.ok(accepted >= 10, `only ${accepted} overrides accepted: the contract would prove nothing`);
        });
    }
});

describe("ciliumValues: values fixed by design are refused with why (components/config/cilium-values.ts FIXED_VALUE_PATHS)", () => {
    for (const [path, why] of Object.entries(FIXED_VALUE_PATHS)) {
        it(`refuses ${path}`, () => {
            const override = path.split(".").reverse().reduce<unknown>((inner, k) => ({ [k]: inner }), "x") as Record<string, unknown>;
            assert.deepStrictEqual(ciliumValuesProblems(override), [`key ${path} is ${why}`]);
            assert.match(why, path.startsWith("extra") ? /^not overridable: it writes raw cilium-config keys.*accepted: leave it out/
                : /^not overridable, fixed by design: .*accepted: leave it out$/);
        });
    }

    it("prod: extraConfig {routing-mode: native, policy-audit-mode: 'false'} is refused before anything is created, naming the key", () => {
        const r = validateConfig(stackConfig("prod", { ciliumValues: "extraConfig:\n  routing-mode: native\n  policy-audit-mode: 'false'\n" }), { stack: "prod", hcloudTokenSet: true });
        assert.ok(!r.ok);
        assert.match(r.errors.join("\n"), /^k3s-cilium:ciliumValues = .*key extraConfig is not overridable: it writes raw cilium-config keys/m);
    });
});
