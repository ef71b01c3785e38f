import * as assert from "assert";
import { stackConfig } from "./harness";
import * as os from "os";
import { ClusterConfig, ConfigError, gatewayApiVersionFor, hostSize, qualified, validateConfig } from "../components/config";
import { BAD_19, BadCase, KNOCK_ON, sshKeyLine } from "./config-cases";
import { lastRecording, runProgram } from "./harness";

const prodCtx = { stack: "prod", hcloudTokenSet: true };
const localCtx = { stack: "local", hcloudTokenSet: false };

function validate(stack: "local" | "prod", overrides: Record<string, unknown>, ctx = stack === "prod" ? prodCtx : localCtx) {
    return validateConfig(stackConfig(stack, overrides), ctx);
}

function ok(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validate(stack, overrides);
    if (!r.ok) assert.fail(`expected valid config, got:\n${r.errors.join("\n")}`);
    return r.config;
}


const BAD: BadCase[] = [
    { why: "even control-plane count", stack: "prod", overrides: { controlPlaneCount: 2 }, key: "controlPlaneCount", value: "2", accepted: /quorum.*accepted: 1, 3, 5 or 7/ },
    { why: "four servers", stack: "prod", overrides: { controlPlaneCount: 4 }, key: "controlPlaneCount", value: "4", accepted: /accepted: 1, 3, 5 or 7/ },
    { why: "zero nodes", stack: "prod", overrides: { controlPlaneCount: 0, workerCount: 0 }, key: "controlPlaneCount", value: "0", accepted: /zero nodes.*accepted: 1, 3, 5 or 7/ },
    { why: "too many servers", stack: "prod", overrides: { controlPlaneCount: 9 }, key: "controlPlaneCount", value: "9", accepted: /accepted: 1, 3, 5 or 7/ },
    { why: "negative agents", stack: "prod", overrides: { workerCount: -1 }, key: "workerCount", value: "-1", accepted: /accepted: 0 or more/ },
    { why: "non-integer count", stack: "prod", overrides: { workerCount: "two" }, key: "workerCount", value: "\"two\"", accepted: /accepted: a whole number/ },
    { why: "over Hetzner's 100 servers per network", stack: "prod", overrides: { workerCount: 98, nodeSubnetCidr: "10.0.0.0/17" }, key: "workerCount", value: "98", accepted: /limit of 100 servers per private network/ },
    { why: "malformed pod CIDR", stack: "prod", overrides: { podCidr: "10.42.0.0" }, key: "podCidr", value: "\"10.42.0.0\"", accepted: /accepted: an IPv4 CIDR/ },
    { why: "CIDR with host bits", stack: "prod", overrides: { nodeCidr: "10.0.0.1/16" }, key: "nodeCidr", value: "\"10.0.0.1/16\"", accepted: /host bits are set.*10\.0\.0\.0\/16/ },
    { why: "bad prefix length", stack: "prod", overrides: { serviceCidr: "10.43.0.0/33" }, key: "serviceCidr", value: "\"10.43.0.0/33\"", accepted: /0-32/ },
    { why: "pod range overlaps service range", stack: "prod", overrides: { serviceCidr: "10.42.128.0/17" }, key: "serviceCidr", value: "\"10.42.128.0/17\"", accepted: /overlaps k3s-cilium:podCidr/ },
    { why: "pod range overlaps node network", stack: "prod", overrides: { podCidr: "10.0.0.0/16" }, key: "podCidr", value: "\"10.0.0.0/16\"", accepted: /overlaps k3s-cilium:nodeCidr/ },
    { why: "pod range overlaps Colima's network", stack: "local", overrides: { podCidr: "192.168.0.0/16" }, key: "podCidr", value: "\"192.168.0.0/16\"", accepted: /overlaps Colima's VM network/ },
    { why: "subnet outside network", stack: "prod", overrides: { nodeSubnetCidr: "10.1.1.0/24" }, key: "nodeSubnetCidr", value: "\"10.1.1.0/24\"", accepted: /inside nodeCidr/ },
    { why: "subnet too small for the agents", stack: "prod", overrides: { nodeSubnetCidr: "10.0.1.0/26" }, key: "nodeSubnetCidr", value: "\"10.0.1.0/26\"", accepted: /at least 103 addresses/ },
    { why: "IPv6 pod range not IPv6", stack: "prod", overrides: { podCidrV6: "10.44.0.0/16" }, key: "podCidrV6", value: "\"10.44.0.0/16\"", accepted: /accepted: an IPv6 CIDR/ },
    { why: "pod range too small for the nodes", stack: "prod", overrides: { podCidr: "10.42.0.0/23" }, key: "podCidr", value: "\"10.42.0.0/23\"", accepted: /every node gets a \/24/ },
    { why: "invalid port", stack: "prod", overrides: { apiPort: 70000 }, key: "apiPort", value: "70000", accepted: /1-65534/ },
    { why: "port whose successor is no port", stack: "prod", overrides: { apiPort: 65535 }, key: "apiPort", value: "65535", accepted: /1-65534 \(k3s runs kube-apiserver on apiPort \+ 1\)/ },
    { why: "malformed k3s version", stack: "prod", overrides: { k3sVersion: "1.33.5" }, key: "k3sVersion", value: "\"1.33.5\"", accepted: /v1\.33\.5\+k3s1/ },
    { why: "k3s outside Cilium's tested range", stack: "prod", overrides: { k3sVersion: "v1.35.0+k3s1" }, key: "k3sVersion", value: "\"v1.35.0+k3s1\"", accepted: /Kubernetes 1\.30 to 1\.33/ },
    { why: "malformed Cilium version", stack: "prod", overrides: { ciliumVersion: "v1.18" }, key: "ciliumVersion", value: "\"v1.18\"", accepted: /such as 1\.18\.4/ },
    { why: "Cilium minor without Gateway API mapping", stack: "prod", overrides: { ciliumVersion: "1.15.3" }, key: "ciliumVersion", value: "\"1.15.3\"", accepted: /accepted minors: 1\.16, 1\.17, 1\.18, 1\.19/ },
    { why: "unknown tunnel protocol", stack: "prod", overrides: { tunnelProtocol: "wireguard" }, key: "tunnelProtocol", value: "\"wireguard\"", accepted: /accepted: geneve, vxlan/ },
    { why: "unknown routing mode", stack: "prod", overrides: { routingMode: "direct" }, key: "routingMode", value: "\"direct\"", accepted: /accepted: tunnel, native/ },
    { why: "native routing on Hetzner", stack: "prod", overrides: { routingMode: "native" }, key: "routingMode", value: "\"native\"", accepted: /accepted: tunnel/ },
    { why: "unknown enforcement mode", stack: "prod", overrides: { policyEnforcementMode: "strict" }, key: "policyEnforcementMode", value: "\"strict\"", accepted: /accepted: default, always, never/ },
    { why: "hubble UI without relay", stack: "prod", overrides: { hubbleUi: true, hubbleRelay: false }, key: "hubbleUi", value: "true", accepted: /needs Hubble Relay/ },
    { why: "hubble relay without hubble", stack: "prod", overrides: { hubbleEnabled: false, hubbleUi: false }, key: "hubbleRelay", value: "true", accepted: /hubbleEnabled: true/ },
    { why: "prod without SSH allow-list", stack: "prod", overrides: { sshAllowList: [] }, key: "sshAllowList", value: "[]", accepted: /needs an allow-list/ },
    { why: "prod without API allow-list", stack: "prod", overrides: { apiAllowList: null }, key: "apiAllowList", value: "[]", accepted: /needs an allow-list/ },
    { why: "world-open SSH without opt-in", stack: "prod", overrides: { sshAllowList: ["0.0.0.0/0"] }, key: "sshAllowList", value: "[\"0.0.0.0/0\"]", accepted: /allowWorldOpenAccess: true to opt in/ },
    { why: "world-open IPv6 API without opt-in", stack: "prod", overrides: { apiAllowList: ["::/0"] }, key: "apiAllowList", value: "[\"::/0\"]", accepted: /opt in/ },
    { why: "malformed allow-list entry", stack: "prod", overrides: { sshAllowList: ["office"] }, key: "sshAllowList", value: "[\"office\"]", accepted: /IPv4\/IPv6 CIDRs/ },
    { why: "allow-list is not a list", stack: "prod", overrides: { sshAllowList: "203.0.113.0/24" }, key: "sshAllowList", value: "\"203.0.113.0/24\"", accepted: /a YAML list of strings/ },
    { why: "non-positive Colima CPUs", stack: "local", overrides: { colimaCpus: 0 }, key: "colimaCpus", value: "0", accepted: /positive whole number/ },
    { why: "non-positive Colima memory", stack: "local", overrides: { colimaMemoryGiB: -2 }, key: "colimaMemoryGiB", value: "-2", accepted: /positive whole number/ },
    { why: "non-positive Colima disk", stack: "local", overrides: { colimaDiskGiB: 0 }, key: "colimaDiskGiB", value: "0", accepted: /positive whole number/ },
    { why: "unknown Colima VM type", stack: "local", overrides: { colimaVmType: "krunkit" }, key: "colimaVmType", value: "\"krunkit\"", accepted: /accepted: auto, vz, qemu/ },
    { why: "agents on Colima", stack: "local", overrides: { workerCount: 2 }, key: "workerCount", value: "2", accepted: /one VM/ },
    { why: "misspelt key", stack: "prod", overrides: { workerCuont: 3 }, key: "workerCuont", value: "\"3\"", accepted: /did you mean k3s-cilium:workerCount/ },
    { why: "unknown key", stack: "local", overrides: { enableMagic: true }, key: "enableMagic", value: "\"true\"", accepted: /unknown key/ },
    { why: "boolean typo", stack: "local", overrides: { ipv6: "yes" }, key: "ipv6", value: "\"yes\"", accepted: /accepted: true or false/ },
    { why: "operator replicas beyond node count", stack: "local", overrides: { operatorReplicas: 2 }, key: "operatorReplicas", value: "2", accepted: /accepted: 1 to 1/ },
    { why: "unknown Hetzner location", stack: "prod", overrides: { hcloudLocation: "fra1" }, key: "hcloudLocation", value: "\"fra1\"", accepted: /fsn1, nbg1, hel1, ash, hil, sin/ },
    { why: "L2 announcements without pools", stack: "local", overrides: { l2Announcements: true, lbIpPools: [] }, key: "lbIpPools", value: "[]", accepted: /one or more CIDRs/ },
    { why: "LB pool overlapping the pod range", stack: "local", overrides: { l2Announcements: true, lbIpPools: ["10.42.5.0/24"] }, key: "lbIpPools", value: "[\"10.42.5.0/24\"]", accepted: /overlaps k3s-cilium:podCidr/ },
    { why: "L2 announcements on Hetzner (routed L3 network)", stack: "prod", overrides: { l2Announcements: true }, key: "l2Announcements", value: "true", accepted: /routed \(layer 3\).*accepted on provider hetzner: false.*Service of type LoadBalancer/ },
    { why: "LB IP pool on Hetzner", stack: "prod", overrides: { lbIpPools: ["10.0.200.0/24"] }, key: "lbIpPools", value: "[\"10.0.200.0/24\"]", accepted: /only deliver addresses Hetzner allocated.*accepted on provider hetzner: \[\]/ },
    { why: "Cilium values override not a mapping", stack: "prod", overrides: { ciliumValues: "- a\n- b" }, key: "ciliumValues", value: "\"- a\\n- b\"", accepted: /YAML mapping/ },
    { why: "values override of a key the program owns", stack: "local", overrides: { ciliumValues: "hubble:\n  ui:\n    enabled: true\n" }, key: "ciliumValues", value: "\"hubble:\\n  ui:\\n    enabled: true\\n\"", accepted: /key hubble\.ui\.enabled is set by the program from k3s-cilium:hubbleUi; accepted: set k3s-cilium:hubbleUi instead/ },
    { why: "public key without private key", stack: "prod", overrides: { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA me" }, key: "sshPrivateKey", value: "\"\"", accepted: /--secret/ },
    { why: "malformed public key", stack: "prod", overrides: { sshPublicKey: "not a key" }, ctx: { ...prodCtx, secretKeys: [] }, key: "sshPublicKey", value: "\"not a key\"", accepted: /OpenSSH public key/ },
    { why: "cluster name not a DNS label", stack: "prod", overrides: { clusterName: "Prod_Cluster" }, key: "clusterName", value: "\"Prod_Cluster\"", accepted: /DNS label/ },
    { why: "no public address at all", stack: "prod", overrides: { publicIpv4: false, publicIpv6: false }, key: "publicIpv4", value: "false", accepted: /publicIpv6 true/ },
    { why: "missing hcloud token", stack: "prod", overrides: {}, ctx: { stack: "prod", hcloudTokenSet: false }, key: "hcloud:token", value: "(not set)", accepted: /pulumi config set --secret hcloud:token/ },
];

describe("config validation", () => {
    it("accepts both shipped stack files", () => {
        const local = ok("local");
        assert.strictEqual(local.provider, "colima");
        const prod = ok("prod");
        assert.strictEqual(prod.provider, "hetzner");
        assert.strictEqual(prod.nodes.controlPlaneCount, 3);
        assert.strictEqual(prod.nodes.workerCount, 2);
    });

    it("carries the seed's local-vs-prod table", () => {
        const local = ok("local");
        const prod = ok("prod");
        assert.deepStrictEqual(
            [local.apiPort, local.cilium.operatorReplicas, local.cilium.hubble, local.network.ipv6, local.cilium.bgpControlPlane, local.cilium.hostFirewall, local.cilium.l2Announcements, local.cilium.gatewayApi],
            [6443, 1, { enabled: true, relay: false, ui: false }, false, false, false, false, true]);
        assert.deepStrictEqual(
            [prod.apiPort, prod.cilium.operatorReplicas, prod.cilium.hubble, prod.network.ipv6, prod.cilium.bgpControlPlane, prod.cilium.hostFirewall, prod.cilium.l2Announcements, prod.cilium.gatewayApi],
            [6443, 2, { enabled: true, relay: true, ui: true }, true, true, true, false, true]);
        for (const c of [local, prod]) {
            assert.strictEqual(c.cilium.tunnelProtocol, "geneve");
            assert.strictEqual(c.cilium.routingMode, "tunnel");
        }
    });

    it("returns a frozen config", () => {
        const c = ok("prod");
        assert.ok(Object.isFrozen(c) && Object.isFrozen(c.cilium) && Object.isFrozen(c.access.sshAllowList));
    });

});

describe("config validation: one row per bad config (key, value, what is accepted)", () => {
    it("names every table row uniquely (a copy-pasted row would hide a missing case)", () => {
        const seen = new Set<string>();
        const dupes = BAD.map(b => b.why).filter(w => seen.has(w) || !seen.add(w));
        assert.deepStrictEqual(dupes, []);
    });

    for (const bad of [...BAD, ...BAD_19]) {
        it(`rejects ${bad.why}`, () => {
            const r = validate(bad.stack, bad.overrides, bad.ctx);
            assert.ok(!r.ok, "expected the config to be rejected");
            const key = bad.key.includes(":") ? bad.key : qualified(bad.key);
            const hit = r.errors.find(e => e.startsWith(`${key} = ${bad.value}:`));
            assert.ok(hit, `no error for ${key} = ${bad.value}; got:\n${r.errors.join("\n")}`);
            assert.match(hit!, bad.accepted);
        });
    }

});

describe("config validation: all at once, secrets masked, defaults", () => {
    it("reports three problems as three errors, all at once", () => {
        const r = validate("prod", { controlPlaneCount: 2, tunnelProtocol: "gre", hubbleRelay: false });
        assert.ok(!r.ok);
        assert.strictEqual(r.errors.length, 3, r.errors.join("\n"));
        assert.ok(r.errors[0].includes("controlPlaneCount") || r.errors.some(e => e.includes("controlPlaneCount")));
        assert.ok(r.errors.some(e => e.startsWith("k3s-cilium:tunnelProtocol = \"gre\"")));
        assert.ok(r.errors.some(e => e.startsWith("k3s-cilium:hubbleUi = true")));
        const err = new ConfigError(r.errors);
        assert.match(err.message, /3 problems\); nothing was created/);
    });

    it("never shows a secret value in an error (a misspelt key set with --secret)", () => {
        const raw = { ...stackConfig("prod"), "k3s-cilium:sshPrivatKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA" };
        const r = validateConfig(raw, { ...prodCtx, secretKeys: ["k3s-cilium:sshPrivatKey"] });
        assert.ok(!r.ok);
        assert.deepStrictEqual(r.errors, ["k3s-cilium:sshPrivatKey = [secret]: unknown key; did you mean k3s-cilium:sshPrivateKey? accepted keys: see the config reference in README.md"]);
    });

    it("reads secret keys from the runtime when the program runs", async () => {
        const { runProgram } = await import("./harness");
        await assert.rejects(runProgram({ stack: "prod", extra: { "k3s-cilium:sshPrivatKey": "TOPSECRET-VALUE" } }),
            (e: Error) => e.message.includes("k3s-cilium:sshPrivatKey = [secret]") && !e.message.includes("TOPSECRET-VALUE"));
    });

    it("applies Pulumi.yaml defaults for keys a stack leaves out", () => {
        const r = validateConfig({ "k3s-cilium:provider": "colima" }, localCtx);
        assert.ok(r.ok);
        assert.strictEqual(r.config.network.podCidr, "10.42.0.0/16");
        assert.strictEqual(r.config.network.serviceCidr, "10.43.0.0/16");
        assert.strictEqual(r.config.cilium.policyEnforcementMode, "default");
        assert.strictEqual(r.config.cilium.policyAuditMode, true);
    });

    it("accepts the deprecated cx22…cx52 a live stack may still run on (Hetzner changelog 2025-10-16), EU only like every cx", () => {
        for (const type of ["cx22", "cx32", "cx42", "cx52"]) {
            assert.strictEqual(ok("prod", { controlPlaneServerType: type, workerServerType: type }).hetzner.workerServerType, type);
        }
        const r = validate("prod", { hcloudLocation: "ash", controlPlaneServerType: "cpx21", workerServerType: "cx22" });
        assert.ok(!r.ok && r.errors.some(e => /^k3s-cilium:workerServerType = "cx22": not offered in ash \(only in fsn1, nbg1, hel1\)/.test(e)), r.ok ? "accepted" : r.errors.join("\n"));
        const unknown = validate("prod", { workerServerType: "cx21" });
        assert.ok(!unknown.ok && unknown.errors.some(e => /workerServerType = "cx21": not a Hetzner Cloud server type; accepted: one of cx23, .*ccx63 \(and, for servers that already run them, the deprecated cx22, cx32, cx42, cx52\)/.test(e)));
    });

    it("accepts world-open allow-lists with the explicit opt-in", () => {
        const c = ok("prod", { sshAllowList: ["0.0.0.0/0"], allowWorldOpenAccess: true });
        assert.deepStrictEqual(c.access.sshAllowList, ["0.0.0.0/0"]);
    });

    it("maps Cilium minors to Gateway API versions (the mapping, independent of which releases are pinned)", () => {
        assert.deepStrictEqual(["1.16.5", "1.17.9", "1.18.4", "1.19.1", "1.15.3"].map(gatewayApiVersionFor), ["v1.1.0", "v1.2.0", "v1.2.0", "v1.3.0", undefined]);
        assert.strictEqual(ok("prod").versions.gatewayApi, gatewayApiVersionFor(ok("prod").versions.cilium));
    });

    it("parses the Cilium values override as YAML", () => {
        const c = ok("prod", { ciliumValues: "hubble:\n  metrics:\n    enabled: [dns, drop]\n" });
        assert.deepStrictEqual(c.cilium.valuesOverride, { hubble: { metrics: { enabled: ["dns", "drop"] } } });
    });
});

describe("config validation: root causes only (no knock-on problems)", () => {
    for (const k of KNOCK_ON) {
        it(`reports only the ${k.why} itself`, () => {
            const r = validateConfig(stackConfig("prod", k.overrides), prodCtx);
            assert.ok(!r.ok);
            assert.deepStrictEqual(r.errors, [k.error]);
        });
    }
});

describe("config validation: accepted edge cases", () => {
    it("accepts FIDO security-key public keys (sk-ssh-ed25519, sk-ecdsa-sha2-nistp256)", () => {
        for (const type of ["sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]) {
            const r = validateConfig(stackConfig("prod", { sshPublicKey: sshKeyLine(type), sshPrivateKey: "k" }),
                { ...prodCtx, secretKeys: ["k3s-cilium:sshPrivateKey"] });
            assert.ok(r.ok, r.ok ? "" : r.errors.join("\n"));
        }
    });

    it("accepts Cilium values the chart has, free-form maps included, with their schema types", () => {
        const c = ok("local", { ciliumValues: "hubble:\n  metrics:\n    enabled: [dns]\noperator:\n  podAnnotations:\n    team: net\n" });
        assert.deepStrictEqual(Object.keys(c.cilium.valuesOverride), ["hubble", "operator"]);
    });

    it("accepts narrower allow-lists that do not add up to the world, and the world with the opt-in", () => {
        ok("prod", { sshAllowList: ["0.0.0.0/2", "128.0.0.0/1"] });
        ok("prod", { sshAllowList: ["0.0.0.0/1", "128.0.0.0/1"], allowWorldOpenAccess: true });
    });
});

describe("config validation: refusal happens before any resource", () => {
    it("a bad config registers zero resources (every problem reported, nothing created)", async () => {
        await assert.rejects(runProgram({ stack: "prod", overrides: { workerCount: "two", apiPort: 22, sshUser: "a b" } }),
            (e: Error) => /3 problems\); nothing was created/.test(e.message));
        assert.deepStrictEqual(lastRecording().map(r => r.name), []);
    });
});

describe("config validation through the Pulumi runtime (loadConfig)", () => {
    it("refuses an sshPrivateKey the runtime does not report as secret, without echoing it", async () => {
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nPLAINTEXT-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----\n";
        await assert.rejects(runProgram({ stack: "prod", overrides: { sshPublicKey: sshKeyLine("ssh-ed25519"), sshPrivateKey: key } }),
            (e: Error) => e.message.includes("k3s-cilium:sshPrivateKey = (plain text, not shown)") && e.message.includes("pulumi config set --secret")
                && !e.message.includes("PLAINTEXT-KEY-MATERIAL"));
        assert.deepStrictEqual(lastRecording().map(r => r.name), []);
    });

    it("sees keys outside the project namespace: a near-miss namespace is refused with 'did you mean'", async () => {
        await assert.rejects(runProgram({ stack: "local", overrides: { "k3s-cillium:workerCount": 3 } }),
            (e: Error) => e.message.includes("k3s-cillium:workerCount = \"3\": namespace \"k3s-cillium\" is not this project's") && e.message.includes("did you mean k3s-cilium:workerCount?"));
    });
});

describe("config validation: the host's size (Colima)", () => {
    it("loadConfig checks the VM against this machine unless evaluated elsewhere (the host-tools switch)", async () => {
        const { SKIP_HOST_TOOLS_ENV } = await import("../components/nodes/host-tools");
        assert.strictEqual(hostSize({ [SKIP_HOST_TOOLS_ENV]: "1" }), undefined, "the host-tools switch also turns off the host-size check");
        assert.deepStrictEqual(hostSize({}), { cpus: os.cpus().length, memoryGiB: Math.floor(os.totalmem() / 2 ** 30) });
        const r = validateConfig(stackConfig("local", { colimaCpus: 64 }), { ...localCtx, host: { cpus: 4, memoryGiB: 8 } });
        assert.ok(!r.ok && r.errors.some(e => e.startsWith("k3s-cilium:colimaCpus = 64: this machine has 4 CPUs")));
        assert.ok(validateConfig(stackConfig("prod", { colimaCpus: 4 }), { ...prodCtx, host: { cpus: 2, memoryGiB: 8 } }).ok, "hetzner ignores the host");
    });
});
