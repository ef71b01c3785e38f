import * as assert from "assert";
import { stackConfig } from "./harness";
import { ClusterConfig, validateConfig } from "../components/config";
import { ciliumMtu, mtuPlan, MtuInput } from "../components/hetzner-cloud/mtu";
import { l2OnHetznerProblems, L2RuleInput } from "../components/hetzner-cloud/rules";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) assert.fail(r.errors.join("\n"));
    return r.config;
}

describe("hetzner-cloud: MTU from the interface Cilium's tunnel uses", () => {
    // underlay → device MTU Cilium is given, pod route MTU Cilium derives (pkg/mtu/mtu.go getRouteMTU).
    const TABLE: [MtuInput, number, number][] = [
        [{ underlayMtu: 1450, routingMode: "tunnel", wireguard: false }, 1450, 1400],
        [{ underlayMtu: 1450, routingMode: "tunnel", wireguard: true }, 1450, 1320],
        [{ underlayMtu: 1450, routingMode: "native", wireguard: false }, 1450, 1450],
        [{ underlayMtu: 1450, routingMode: "native", wireguard: true }, 1450, 1370],
        [{ underlayMtu: 1500, routingMode: "tunnel", wireguard: false }, 1500, 1450],
        [{ underlayMtu: 1500, routingMode: "tunnel", wireguard: true }, 1500, 1370],
    ];
    for (const [input, device, pod] of TABLE) {
        it(`underlay ${input.underlayMtu}, ${input.routingMode}${input.wireguard ? " + WireGuard" : ""} → device ${device}, pods ${pod}`, () => {
            const plan = mtuPlan(input);
            assert.strictEqual(plan.deviceMtu, device);
            assert.strictEqual(plan.podMtu, pod);
            assert.strictEqual(plan.deviceMtu - plan.tunnelOverhead - plan.wireguardOverhead, plan.podMtu);
        });
    }

    it("Hetzner uses the private interface (1450, not the public 1500) for GENEVE and VXLAN alike; Colima is left to auto-detection", () => {
        assert.deepStrictEqual(ciliumMtu(config("prod")), { deviceMtu: 1450, tunnelOverhead: 50, wireguardOverhead: 0, podMtu: 1400 });
        assert.deepStrictEqual(ciliumMtu(config("prod", { tunnelProtocol: "vxlan", wireguard: true })), { deviceMtu: 1450, tunnelOverhead: 50, wireguardOverhead: 80, podMtu: 1320 });
        assert.strictEqual(ciliumMtu(config("local")), undefined);
    });
});

describe("hetzner-cloud: L2 announcements and LB IP pools are refused on Hetzner", () => {
    const base: L2RuleInput = { provider: "hetzner", l2Announcements: false, lbIpPools: [], cloudController: true };
    const TABLE: { why: string; input: L2RuleInput; expect: RegExp[] }[] = [
        { why: "nothing asked", input: base, expect: [] },
        { why: "L2 on", input: { ...base, l2Announcements: true }, expect: [/^k3s-cilium:l2Announcements = true: Hetzner Cloud networks are routed \(layer 3\).*accepted on provider hetzner: false — a plain Service of type LoadBalancer/] },
        { why: "a pool alone", input: { ...base, lbIpPools: ["10.0.200.0/24"] }, expect: [/^k3s-cilium:lbIpPools = \["10\.0\.200\.0\/24"\]: .*only deliver addresses Hetzner allocated.*accepted on provider hetzner: \[\]/] },
        { why: "both, without the cloud controller", input: { ...base, l2Announcements: true, lbIpPools: ["10.0.200.0/24"], cloudController: false },
            expect: [/l2Announcements = true:.*set k3s-cilium:hcloudCloudController: true/, /lbIpPools = .*set k3s-cilium:hcloudCloudController: true/] },
        { why: "Colima keeps them (an L2 segment of its own)", input: { ...base, provider: "colima", l2Announcements: true, lbIpPools: ["192.168.6.0/24"] }, expect: [] },
    ];
    for (const row of TABLE) {
        it(row.why, () => {
            const problems = l2OnHetznerProblems(row.input);
            assert.strictEqual(problems.length, row.expect.length, problems.join("\n"));
            row.expect.forEach((re, i) => assert.match(problems[i], re));
        });
    }

    it("is wired into config validation: the prod stack with L2 on is rejected before anything is created", () => {
        const r = validateConfig(stackConfig("prod", { l2Announcements: true, lbIpPools: ["10.0.200.0/24"] }), { stack: "prod", hcloudTokenSet: true });
        assert.ok(!r.ok);
        assert.deepStrictEqual(r.errors.map(e => e.split(" = ")[0]), ["k3s-cilium:l2Announcements", "k3s-cilium:lbIpPools"]);
    });
});
