/**
 * Contract: every config.yaml the program renders is accepted by the k3s subcommand that reads it, at the pinned
 * k3s release line. The flag sets are upstream facts kept as test data (test/contracts/k3s-flags.ts, provenance
 * there); the role is the one the node's own install command passes to the installer (INSTALL_K3S_EXEC).
 */
import * as assert from "assert";
import * as YAML from "yaml";
import { Graph, runProgram, RunOptions } from "./harness";
import { CONFIG_KEYS } from "../components/config/keys";
import { kubernetesMinorOfK3s } from "../components/config/versions";
import { parseScriptCommands } from "../components/shared/script";
import { K3S_FLAGS_RELEASE_LINE } from "./contracts/k3s-flags";
import { FIRST_BOOT } from "../components/k3s/first-boot";
import { k3sDualStackErrors, undefinedFlags } from "./contracts/k3s-rules";

export interface RenderedNodeConfig {
    node: string;
    role: "server" | "agent";
    kind: "first server" | "joining server" | "agent" | "agent (first boot)";
    config: Record<string, unknown>;
}

/**
 * Every node's config.yaml as the program sends it: stdin of `<node>-install` (create) or of a first-boot agent's
 * `<agent>-converge` (update), with the role install.sh runs; and each first-boot agent's config.yaml from its user
 * data (kind "agent (first boot)"), which k3s agent reads at first boot.
 */
export function renderedConfigs(g: Graph): RenderedNodeConfig[] {
    const sent: RenderedNodeConfig[] = g.ofType("command:remote:Command").filter(c => /-(install|converge)$/.test(c.name)).map(c => {
        const install = parseScriptCommands(c.inputs.create ?? c.inputs.update)!.find(s => s.name === "install.sh");
        assert.ok(install, `${c.name}: no install.sh in its command`);
        const role = install.args.trim().split(/\s+/)[1] as "server" | "agent";
        assert.ok(role === "server" || role === "agent", `${c.name}: role ${role}`);
        const config = YAML.parse(c.inputs.stdin) as Record<string, unknown>;
        const kind = role === "agent" ? "agent" : config["cluster-init"] === true ? "first server" : "joining server";
        return { node: c.name.replace(/-(install|converge)$/, ""), role, kind, config };
    });
    const firstBoot: RenderedNodeConfig[] = g.ofType("hcloud:index/server:Server").flatMap(m => {
        const files = (YAML.parse(m.inputs.userData, { version: "1.1" }).write_files ?? []) as { path: string; content: string }[];
        const file = files.find(f => f.path.endsWith("/config.yaml"));
        // first-boot.sh puts the machine's public IPv6 address in place of the placeholder (test/first-boot.test.ts).
        const content = file?.content.split(FIRST_BOOT.ipv6Placeholder).join("2001:db8::1");
        return content ? [{ node: m.name, role: "agent" as const, kind: "agent (first boot)" as const, config: YAML.parse(content) }] : [];
    });
    return [...sent, ...firstBoot];
}

export const CONFIG_MATRIX: { label: string; opts: RunOptions }[] = [
    { label: "local", opts: { stack: "local" } },
    { label: "prod", opts: { stack: "prod" } },
    { label: "prod, ipv6 off", opts: { stack: "prod", overrides: { ipv6: false } } },
    { label: "prod, one server (no load balancer) + agents", opts: { stack: "prod", overrides: { controlPlaneCount: 1 } } },
];

describe("k3s contract: config.yaml keys are flags of the node's subcommand", () => {
    it(`the flag data is for the pinned k3s release line (${K3S_FLAGS_RELEASE_LINE})`, () => {
        assert.strictEqual(kubernetesMinorOfK3s(CONFIG_KEYS.k3sVersion.default), K3S_FLAGS_RELEASE_LINE,
            "the default k3sVersion left the release line of test/contracts/k3s-flags.ts: refresh it from the new tag");
    });

    for (const { label, opts } of CONFIG_MATRIX) {
        it(`${label}: every key of every node's config.yaml is defined by k3s server/agent`, async () => {
            const nodes = renderedConfigs(await runProgram(opts));
            assert.ok(nodes.length > 0);
            for (const n of nodes) {
                assert.deepStrictEqual(undefinedFlags(n.config, n.role), [],
                    `${n.node} (${n.kind}): keys that \`k3s ${n.role}\` does not define`);
            }
        });
    }

    it("prod covers the first server, joining servers and agents (their converge command and their first-boot user data)", async () => {
        const kinds = new Set(renderedConfigs(await runProgram({ stack: "prod" })).map(n => n.kind));
        assert.deepStrictEqual([...kinds].sort(), ["agent", "agent (first boot)", "first server", "joining server"]);
    });

    it("the check itself rejects a server-only key on an agent and accepts it on a server", () => {
        assert.deepStrictEqual(undefinedFlags({ "node-ip": "10.0.1.100", "flannel-backend": "none", "token": "x" }, "agent"), ["flannel-backend"]);
        assert.deepStrictEqual(undefinedFlags({ "flannel-backend": "none", "tls-san+": ["a"] }, "server"), []);
    });
});

describe("k3s contract: cluster-cidr, service-cidr and node-ip share IP versions (k3s pkg/agent/run.go)", () => {
    for (const { label, opts } of CONFIG_MATRIX) {
        it(`${label}: every node passes k3s' dual-stack checks with the servers' CIDRs`, async () => {
            const nodes = renderedConfigs(await runProgram(opts));
            const first = nodes.find(n => n.kind === "first server")!;
            for (const n of nodes) {
                // Agents run with the CIDRs the servers hand out; servers with their own.
                const cidrs = n.role === "server" ? n.config : first.config;
                assert.deepStrictEqual(k3sDualStackErrors(cidrs["cluster-cidr"], cidrs["service-cidr"], n.config["node-ip"]), [],
                    `${n.node} (${n.kind})`);
            }
        });
    }

    it("the check itself reproduces k3s' refusals", () => {
        const dualCluster = "10.42.0.0/16,fd42:42::/56", dualService = "10.43.0.0/16,fd42:43::/112";
        assert.deepStrictEqual(k3sDualStackErrors(dualCluster, dualService, "10.0.1.10"),
            ["cluster-cidr: [10.42.0.0/16 fd42:42::/56] and node-ip: [10.0.1.10], must share the same IP version (IPv4, IPv6 or dual-stack)"]);
        assert.deepStrictEqual(k3sDualStackErrors(dualCluster, "10.43.0.0/16", "10.0.1.10,2001:db8::1"),
            ["cluster-cidr: [10.42.0.0/16 fd42:42::/56] and service-cidr: [10.43.0.0/16], must share the same IP version (IPv4, IPv6 or dual-stack)"]);
        assert.strictEqual(k3sDualStackErrors("fd42:42::/56", "fd42:43::/112", "10.0.1.10").length, 1, "IPv6-only cluster, IPv4 node-ip");
        assert.deepStrictEqual(k3sDualStackErrors(dualCluster, dualService, "10.0.1.10,2001:db8::1"), []);
        assert.deepStrictEqual(k3sDualStackErrors(undefined, undefined, "10.0.1.10,2001:db8::1"), [], "a dual-stack node-ip may join an IPv4 cluster");
    });
});
