import * as assert from "assert";
import { validateConfig, ClusterConfig } from "../components/config";
import { ciliumValuesProblems, OWNED_VALUE_PATHS } from "../components/config/cilium-values";
import { ciliumValues, datapath, deepMerge, nodeToNodePorts } from "../components/cilium";
import { Graph, runProgram, stackConfig } from "./harness";
import { find, renderCilium } from "./chart";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

const chartValues = (g: Graph) => g.get("cilium", "kubernetes:helm.sh/v4:Chart").inputs.values;
const preflightArgs = (g: Graph) => (g.get("k3s-cilium-server-1-preflight").inputs.create as string).split(" preflight.sh ").pop()!.split(" ");
const guardMode = (g: Graph) => (g.get("k3s-cilium-datapath-guard").inputs.create as string).split(" ").pop();

describe("datapath: one module decides, every stage reads it", function () {
    this.timeout(120000);
    const CASES: [string, "local" | "prod", Record<string, unknown>, { mode: string; kernel: string; port?: number }][] = [
        ["prod geneve", "prod", {}, { mode: "tunnel/geneve", kernel: "geneve", port: 6081 }],
        ["prod vxlan", "prod", { tunnelProtocol: "vxlan" }, { mode: "tunnel/vxlan", kernel: "vxlan", port: 8472 }],
        ["local native", "local", { routingMode: "native" }, { mode: "native", kernel: "none" }],
    ];
    for (const [why, stack, overrides, want] of CASES) {
        it(`${why}: Helm values, the chart's cilium-config, preflight, guard and host policy agree`, async () => {
            const g = await runProgram({ stack, overrides });
            const dp = datapath(config(stack, overrides));
            assert.deepStrictEqual([dp.mode, dp.kernelTunnel, dp.tunnel?.port], [want.mode, want.kernel, want.port]);
            const cm = find(await renderCilium(chartValues(g)), "ConfigMap", "cilium-config")!.data;
            assert.strictEqual(cm["routing-mode"], dp.routingMode);
            assert.strictEqual(cm["tunnel-protocol"], dp.tunnel?.protocol ?? "vxlan", "the chart renders its default protocol in native mode");
            assert.strictEqual(cm["tunnel-port"], dp.tunnel ? String(dp.tunnel.port) : undefined);
            assert.strictEqual(preflightArgs(g)[2], dp.kernelTunnel);
            assert.strictEqual(guardMode(g), dp.mode);
            // The host firewall exists on prod only (refused on Colima); there its datapath policy allows exactly the tunnel port.
            const policy = g.resources.find(r => r.name === "ccnp-host-allow-cluster-datapath")?.inputs.spec;
            if (stack === "prod") {
                const udp = policy.ingress[0].toPorts[0].ports.filter((p: any) => p.protocol === "UDP").map((p: any) => Number(p.port));
                assert.deepStrictEqual(udp, dp.tunnel ? [dp.tunnel.port] : []);
            }
            const udpNodePorts = nodeToNodePorts(config(stack, overrides)).filter(r => r.protocol === "udp").map(r => Number(r.port));
            assert.deepStrictEqual(udpNodePorts, dp.tunnel ? [dp.tunnel.port] : []);
        });
    }

    it("node-to-node ports: kinds, protocols and who needs them while joining", () => {
        const list = (c: ClusterConfig) => nodeToNodePorts(c).map(r => `${r.kind} ${r.port ?? "-"}/${r.protocol} ${r.from}->${r.to}${r.whileJoining ? " joining" : ""}`);
        assert.deepStrictEqual(list(config("prod")), [
            "tunnel 6081/udp nodes->nodes joining", "health 4240/tcp nodes->nodes", "health-icmp -/icmp nodes->nodes",
            "hubble 4244/tcp nodes->nodes", "kube-api 6443/tcp nodes->servers joining", "etcd 2379-2380/tcp servers->servers joining",
            "kubelet 10250/tcp nodes->nodes joining",
        ]);
        assert.deepStrictEqual(list(config("prod", { tunnelProtocol: "vxlan", wireguard: true, hubbleEnabled: false, hubbleRelay: false, hubbleUi: false })), [
            "tunnel 8472/udp nodes->nodes joining", "health 4240/tcp nodes->nodes", "health-icmp -/icmp nodes->nodes",
            "wireguard 51871/udp nodes->nodes", "kube-api 6443/tcp nodes->servers joining", "etcd 2379-2380/tcp servers->servers joining",
            "kubelet 10250/tcp nodes->nodes joining",
        ]);
        assert.ok(!list(config("local", { routingMode: "native" })).some(l => l.startsWith("tunnel")), "native routing has no tunnel port");
    });
});

describe("ciliumValues may not set what the program owns (components/config/cilium-values.ts)", () => {
    /** Computed values a stack may tune: the program sets them for L2 lease renewals, a bigger cluster may need more. */
    const OVERRIDABLE = ["k8sClientRateLimit.qps", "k8sClientRateLimit.burst"];
    /** Leaf paths of a values object ("hubble.relay.enabled"). */
    const leaves = (v: Record<string, unknown>, prefix = ""): string[] => Object.entries(v).flatMap(([k, x]) =>
        x !== null && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length ? leaves(x as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]);
    const owns = (path: string) => Object.keys(OWNED_VALUE_PATHS).some(o => path === o || path.startsWith(`${o}.`));

    it("every value the program computes is owned or explicitly overridable (both stacks, native routing, wireguard, L2, MTU)", () => {
        const variants = [
            config("local"), config("local", { routingMode: "native", wireguard: true }), config("prod"),
            config("prod", { tunnelProtocol: "vxlan", ipv6: false, wireguard: true }), config("local", { l2Announcements: true, lbIpPools: ["10.0.200.0/24"] }),
        ];
        for (const c of variants) {
            const computed = leaves(ciliumValues(c, { serviceHost: "10.0.1.2", port: 6443 }, { policyAuditMode: true }));
            assert.deepStrictEqual(computed.filter(p => !owns(p) && !OVERRIDABLE.includes(p)), [], `${c.stack}: computed but neither owned nor overridable`);
        }
        assert.deepStrictEqual(OVERRIDABLE.filter(owns), [], "nothing is both");
    });

    for (const [path, key] of Object.entries(OWNED_VALUE_PATHS)) {
        it(`refuses ${path}${key ? ` (use k3s-cilium:${key})` : " (set by the program)"}`, () => {
            const override = path.split(".").reverse().reduce<unknown>((inner: unknown, k: string) => ({ [k]: inner }), "x") as Record<string, unknown>;
            const problems = ciliumValuesProblems(override);
            assert.deepStrictEqual(problems, [key
                ? `key ${path} is set by the program from k3s-cilium:${key}; accepted: set k3s-cilium:${key} instead`
                : `key ${path} is set by the program itself (components/cilium/values.ts); accepted: leave it out`]);
        });
    }

    it("refuses a deeper key under an owned subtree (encryption.nodeEncryption, hubble.relay.tls.server.enabled)", () => {
        assert.match(ciliumValuesProblems({ encryption: { nodeEncryption: true } })[0], /key encryption is set by the program from k3s-cilium:wireguard/);
        assert.match(ciliumValuesProblems({ hubble: { relay: { tls: { server: { enabled: true } } } } })[0], /key hubble\.relay\.tls is set by the program itself/);
    });

    it("prod with ciliumValues 'routingMode: native' is refused before anything is created", async () => {
        await assert.rejects(runProgram({ stack: "prod", overrides: { ciliumValues: "routingMode: native" } }),
            /k3s-cilium:ciliumValues = "routingMode: native": key routingMode is set by the program from k3s-cilium:routingMode/);
    });

    it("the override is still merged last for values the program leaves alone", () => {
        const c = config("prod", { ciliumValues: "hubble:\n  metrics:\n    enabled: [dns]\n" });
        const v = ciliumValues(c, { serviceHost: "10.0.1.2", port: 6443 }, { policyAuditMode: true }) as any;
        assert.deepStrictEqual(v.hubble.metrics.enabled, ["dns"]);
        assert.strictEqual(v.hubble.relay.enabled, true, "merge keeps sibling keys");
        assert.deepStrictEqual(deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } }), { a: { b: 1, c: 3 } });
    });
});
