import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Address4 } from "ip-address";
import * as YAML from "yaml";
import { colimaSshConfigFixture, COLIMA_KEY_FIXTURE, lastRecording, MOCK_ADDRESSES, mockHostKey, RecordedResource, resolve, ROOT, runProgram, stackConfig } from "./harness";
import { ClusterConfig, validateConfig } from "../components/config";
import { colimaHost, colimaStartFlags, colimaVmType, firewallRules, hostColima, hostToolProblems, limaLoopbackOverride, parseSshConfig, planNodes } from "../components/nodes";
import { parseScriptCommands } from "../components/shared/script";
import { parse as parseShell } from "shell-quote";

/** The mocked public IPv4 of a recorded hcloud server (tools/mocks.ts mockState). */
function mockState(server: RecordedResource): { ipv4Address: string } {
    const n = Number(/-(\d+)$/.exec(server.name)![1]);
    return { ipv4Address: server.name.includes("-agent-") ? MOCK_ADDRESSES.agentIpv4(n) : MOCK_ADDRESSES.serverIpv4(n) };
}

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

describe("nodes: Hetzner (prod)", () => {
    it("creates exactly the cloud resources for 3 servers + 2 agents", async () => {
        const g = await runProgram({ stack: "prod" });
        const count = (t: string) => g.ofType(`hcloud:index/${t}`).length;
        assert.deepStrictEqual({
            network: count("network:Network"), subnet: count("networkSubnet:NetworkSubnet"), sshKey: count("sshKey:SshKey"),
            placement: count("placementGroup:PlacementGroup"), firewall: count("firewall:Firewall"), server: count("server:Server"),
            lb: count("loadBalancer:LoadBalancer"), lbNetwork: count("loadBalancerNetwork:LoadBalancerNetwork"),
            lbService: count("loadBalancerService:LoadBalancerService"), lbTarget: count("loadBalancerTarget:LoadBalancerTarget"),
        }, { network: 1, subnet: 1, sshKey: 1, placement: 2, firewall: 1, server: 5, lb: 1, lbNetwork: 1, lbService: 1, lbTarget: 3 });
        const servers = g.ofType("hcloud:index/server:Server");
        assert.deepStrictEqual(servers.map(s => s.inputs.serverType), ["cx33", "cx33", "cx33", "cx23", "cx23"]);
        for (const s of servers) {
            assert.strictEqual(s.inputs.image, "ubuntu-24.04");
            assert.strictEqual(s.inputs.location, "fsn1");
            assert.deepStrictEqual(Object.keys(s.inputs.labels).sort(), ["cluster", "managed-by", "role", "stack"]);
            assert.deepStrictEqual(s.ignoreChanges, ["userData", "sshKeys"],
                "neither a cloud-init change nor an SSH key rotation may replace production servers");
            assert.match(s.inputs.userData, /^#cloud-config\nssh_pwauth: false\n/);
        }
        assert.strictEqual(g.get("k3s-cilium-subnet").inputs.networkZone, "eu-central");
        assert.strictEqual(g.get("k3s-cilium-subnet").inputs.ipRange, "10.0.1.0/24");
    });

    it("gives every server a unique private IP inside the subnet, from the documented scheme", async () => {
        const g = await runProgram({ stack: "prod" });
        const ips = g.ofType("hcloud:index/server:Server").map(s => s.inputs.networks[0].ip as string);
        assert.deepStrictEqual(ips, ["10.0.1.10", "10.0.1.11", "10.0.1.12", "10.0.1.100", "10.0.1.101"]);
        assert.strictEqual(new Set(ips).size, ips.length);
        const subnet = new Address4("10.0.1.0/24");
        for (const ip of ips) assert.ok(new Address4(ip).isInSubnet(subnet), `${ip} outside the subnet`);
        assert.strictEqual(g.get("k3s-cilium-api", "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork").inputs.ip, "10.0.1.2");
    });

    it("keeps IPs unique and in-subnet at 97 agents, with spread groups of at most 10", () => {
        const c = config("prod", { workerCount: 97, nodeSubnetCidr: "10.0.1.0/24" });
        const nodes = planNodes(c);
        assert.strictEqual(nodes.length, 100);
        assert.strictEqual(new Set(nodes.map(n => n.privateAddress)).size, 100);
        const subnet = new Address4("10.0.1.0/24");
        assert.ok(nodes.every(n => new Address4(n.privateAddress).isInSubnet(subnet)));
        const groups = new Map<string, number>();
        for (const n of nodes) groups.set(n.placementGroup, (groups.get(n.placementGroup) ?? 0) + 1);
        assert.ok([...groups.values()].every(size => size <= 10));
        assert.strictEqual(groups.size, 1 + 10);
    });

    it("targets the 3 servers (by private IP) from the API load balancer, with TCP health checks", async () => {
        const g = await runProgram({ stack: "prod" });
        const targets = g.ofType("hcloud:index/loadBalancerTarget:LoadBalancerTarget");
        const serverIds = g.ofType("hcloud:index/server:Server").filter(s => s.name.includes("-server-")).map(s => s.urn);
        assert.strictEqual(targets.length, 3);
        for (const t of targets) {
            assert.strictEqual(t.inputs.usePrivateIp, true);
            assert.strictEqual(t.inputs.type, "server");
            assert.ok(serverIds.some(u => t.propertyDependencies.serverId?.includes(u)), `${t.name} does not target a server`);
        }
        const service = g.get("k3s-cilium-api", "hcloud:index/loadBalancerService:LoadBalancerService");
        assert.deepStrictEqual([service.inputs.listenPort, service.inputs.destinationPort, service.inputs.healthCheck.protocol], [6443, 6443, "tcp"]);
        const endpoint = await resolve(g.outputs.apiEndpoint as any);
        assert.strictEqual(endpoint.value, "https://192.0.2.1:6443", "the LB is private: kubeconfig uses the first server's public IP");
        assert.strictEqual(g.outputs.k8sServiceHost, "10.0.1.2", "k8sServiceHost is the LB's private IP (the control-plane VIP)");
    });

    it("puts every server and LB address into tls-san", async () => {
        const g = await runProgram({ stack: "prod" });
        const cfg = g.get("k3s-cilium-server-1-install").inputs.stdin as string;
        for (const addr of ["10.0.1.2", "192.0.2.200", "2001:db8:ff::1", "10.0.1.10", "10.0.1.11", "10.0.1.12", "192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
            assert.ok(cfg.includes(`- ${addr}`), `tls-san lacks ${addr}`);
        }
    });

    it("with one server: no load balancer, and the endpoint is that server", async () => {
        const g = await runProgram({ stack: "prod", overrides: { controlPlaneCount: 1, workerCount: 1, operatorReplicas: 1 } });
        assert.strictEqual(g.ofType("hcloud:index/loadBalancer:LoadBalancer").length, 0);
        assert.strictEqual(g.ofType("hcloud:index/loadBalancerTarget:LoadBalancerTarget").length, 0);
        assert.strictEqual(g.outputs.k8sServiceHost, "10.0.1.10");
        assert.strictEqual((await resolve(g.outputs.apiEndpoint as any)).value, "https://192.0.2.1:6443");
    });

    it("keeps the hcloud token and the SSH private keys secret", async () => {
        const g = await runProgram({ stack: "prod" });
        const key = await resolve(g.outputs.sshPrivateKey as any);
        assert.ok(key.secret, "generated SSH private key must be secret");
        for (const cmd of g.ofType("command:remote:Command")) {
            assert.ok(cmd.secretInputs.includes("connection"), `${cmd.name}: connection (private key) is not secret`);
        }
        assert.ok(g.get("k3s-cilium-ssh", "tls:index/privateKey:PrivateKey").additionalSecretOutputs.includes("privateKeyOpenssh"));
        const configured = await runProgram({
            stack: "prod", overrides: { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA me" },
            extra: { "k3s-cilium:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nconfigured\n-----END OPENSSH PRIVATE KEY-----\n" },
        });
        assert.strictEqual(configured.ofType("tls:index/privateKey:PrivateKey").filter(r => r.name === "k3s-cilium-ssh").length, 0);
        const k = await resolve(configured.outputs.sshPrivateKey as any);
        assert.ok(k.secret && k.value.includes("configured"));
        // The token is read by the hcloud provider from its own (secret) config; the only resource input carrying it
        // is the in-cluster Secret `hcloud` for the Hetzner controllers, as a secret input.
        for (const r of g.resources) {
            const carries = Object.keys(r.inputs).filter(k => JSON.stringify(r.inputs[k]).includes("mock-hcloud-token"));
            assert.deepStrictEqual(carries, r.type === "kubernetes:core/v1:Secret" && r.name === "hcloud" ? ["stringData"] : [], `${r.type}::${r.name} carries the hcloud token`);
            assert.ok(carries.every(k => r.secretInputs.includes(k)), `${r.type}::${r.name}: the hcloud token must be secret`);
        }
    });

    it("pins each server's own host key on every remote command to it, the first one included", async () => {
        const g = await runProgram({ stack: "prod" });
        const servers = g.ofType("hcloud:index/server:Server");
        const keyOf = new Map(servers.map(s => [mockState(s).ipv4Address, mockHostKey(`${s.name}-host-key`).publicKeyOpenssh]));
        const commands = g.ofType("command:remote:Command");
        assert.ok(commands.length >= 2 * servers.length, "every node's commands are checked");
        for (const cmd of commands) {
            const { host, hostKey } = cmd.inputs.connection;
            assert.ok(keyOf.has(host), `${cmd.name}: dials ${host}, which is no server's address`);
            assert.strictEqual(hostKey, keyOf.get(host), `${cmd.name}: connection to ${host} does not pin that server's host key`);
        }
        // The first command on every node (the SSH wait; on a first-boot agent its converge) verifies the key too.
        for (const s of servers) {
            const first = g.resources.find(r => r.name === `${s.name}-preflight`) ?? g.get(`${s.name}-converge`);
            assert.strictEqual(first.inputs.connection.hostKey, keyOf.get(mockState(s).ipv4Address), first.name);
        }
        // The operator's ssh gets the same keys (stack output sshKnownHosts).
        const known = (await resolve(g.outputs.sshKnownHosts as any)).value as string;
        assert.deepStrictEqual(known.trim().split("\n"), servers.map(s => `${mockState(s).ipv4Address} ${keyOf.get(mockState(s).ipv4Address)!.trim()}`));
    });

    it("installs the host key at first boot through cloud-init user data; private host keys and user data are secret", async () => {
        const g = await runProgram({ stack: "prod" });
        for (const s of g.ofType("hcloud:index/server:Server")) {
            const key = g.get(`${s.name}-host-key`, "tls:index/privateKey:PrivateKey");
            assert.strictEqual(key.inputs.algorithm, "ED25519");
            for (const out of ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"]) {
                assert.ok(key.additionalSecretOutputs.includes(out), `${key.name}: ${out} is not secret`);
            }
            assert.ok(s.secretInputs.includes("userData"), `${s.name}: user data (with the private host key) is not secret`);
            const ud = s.inputs.userData as string;
            assert.ok(ud.startsWith("#cloud-config\n"), "cloud-init only reads user data whose first line is #cloud-config");
            const doc = YAML.parse(ud);
            const mock = mockHostKey(key.name);
            assert.deepStrictEqual(doc.ssh_keys, { ed25519_private: mock.privateKeyOpenssh, ed25519_public: mock.publicKeyOpenssh.trim() });
            assert.strictEqual(doc.ssh_deletekeys, true, "the image's own host keys are removed");
            assert.strictEqual(doc.ssh_pwauth, false);
        }
    });

    it("fails with one clear error when hcloud:token is missing, before anything is created", async () => {
        await assert.rejects(runProgram({ stack: "prod", extra: { "hcloud:token": null } }),
            (e: Error) => /hcloud:token = \(not set\)/.test(e.message) && /nothing was created/.test(e.message));
        assert.strictEqual(lastRecording().length, 0, "no resource may be registered before validation passes");
    });
});

describe("nodes: firewallRules", () => {
    const matrix: { tunnel: "geneve" | "vxlan"; hubble: boolean; wireguard: boolean }[] = [];
    for (const tunnel of ["geneve", "vxlan"] as const) for (const hubble of [true, false]) for (const wireguard of [true, false]) matrix.push({ tunnel, hubble, wireguard });

    for (const m of matrix) {
        it(`tunnel ${m.tunnel}, hubble ${m.hubble ? "on" : "off"}, wireguard ${m.wireguard ? "on" : "off"}`, () => {
            const c = config("prod", {
                tunnelProtocol: m.tunnel, hubbleEnabled: m.hubble, hubbleRelay: m.hubble, hubbleUi: m.hubble, wireguard: m.wireguard,
            });
            const rules = firewallRules(c);
            assert.deepStrictEqual(rules.public.map(r => [r.protocol, r.port ?? "", r.sourceIps]), [
                ["tcp", "22", ["203.0.113.0/24"]],
                ["tcp", "6443", ["203.0.113.0/24"]],
                ["icmp", "", ["203.0.113.0/24"]],
            ]);
            // Node-to-node ports: components/cilium/datapath.ts (test/datapath.test.ts).
        });
    }

    it("opens nothing to the world beyond what the allow-lists say", () => {
        const c = config("prod", { sshAllowList: ["198.51.100.7/32"], apiAllowList: ["192.0.2.0/24", "2001:db8::/48"] });
        const rules = firewallRules(c);
        const sources = new Set(rules.public.flatMap(r => r.sourceIps));
        assert.deepStrictEqual([...sources].sort(), ["192.0.2.0/24", "198.51.100.7/32", "2001:db8::/48"]);
        for (const r of rules.public) {
            assert.ok(!r.sourceIps.includes("0.0.0.0/0") && !r.sourceIps.includes("::/0"), r.description);
        }
        const world = firewallRules(config("prod", { sshAllowList: ["0.0.0.0/0"], allowWorldOpenAccess: true }));
        assert.deepStrictEqual(world.public[0].sourceIps, ["0.0.0.0/0"], "the explicit opt-in is honoured");
    });

    it("is what the hcloud.Firewall receives", async () => {
        const g = await runProgram({ stack: "prod" });
        const fw = g.get("k3s-cilium-firewall").inputs.rules as { protocol: string; port?: string; direction: string }[];
        assert.deepStrictEqual(fw.map(r => `${r.direction} ${r.protocol} ${r.port ?? ""}`.trim()), ["in tcp 22", "in tcp 6443", "in icmp"]);
    });
});

describe("nodes: Colima (local)", () => {
    it("starts with the configured size and no built-in Kubernetes, and deletes on destroy", async () => {
        const g = await runProgram({ stack: "local" });
        const vm = g.get("k3s-cilium-colima", "command:local:Command");
        const create = vm.inputs.create as string;
        assert.match(create, /colima start --profile "\$profile" "\$@"/);
        const [up] = parseScriptCommands(create)!;
        assert.strictEqual(up.name, "colima-up.sh");
        assert.deepStrictEqual(parseShell(up.args),
            ["k3s-cilium", "26022", limaLoopbackOverride(), ...colimaStartFlags(config("local").colima, hostColima())]);
        assert.ok(create.includes(" --kubernetes=false"), "k3s is installed over SSH, not by Colima");
        assert.match(vm.inputs.delete, /colima delete --profile "\$profile" --force --data/);
        assert.strictEqual(vm.deleteBeforeReplace, true, "a replacement must not delete the VM it just reused");
        assert.ok((vm.inputs.delete as string).endsWith(" colima-delete.sh k3s-cilium"));
        assert.strictEqual(g.outputs.k8sServiceHost, "127.0.0.1");
        assert.strictEqual((await resolve(g.outputs.apiEndpoint as any)).value, "https://127.0.0.1:6443");
    });

    it("connects over SSH to the pinned port (not the one the first start printed), with the key as a secret", async () => {
        const g = await runProgram({ stack: "local" });
        const boot = g.get("k3s-cilium-server-1-preflight");
        assert.match(colimaSshConfigFixture(), /Port 60022/);
        assert.deepStrictEqual([boot.inputs.connection.host, boot.inputs.connection.port, boot.inputs.connection.user], ["127.0.0.1", 26022, "dev"]);
        assert.strictEqual(boot.inputs.connection.privateKey, fs.readFileSync(COLIMA_KEY_FIXTURE, "utf8"));
        assert.ok(boot.secretInputs.includes("connection"));
    });

    it("picks the VM type for the host OS", () => {
        assert.strictEqual(colimaVmType("auto", colimaHost("darwin", "24.1.0")), "vz");
        assert.strictEqual(colimaVmType("auto", colimaHost("darwin", "21.6.0")), "qemu", "macOS 12: Colima has no vz");
        assert.strictEqual(colimaVmType("auto", colimaHost("linux", "6.8.0")), "qemu");
        assert.strictEqual(colimaVmType("qemu", colimaHost("darwin", "22.0.0")), "qemu");
    });

    it("stops with the install hint when colima is not installed", () => {
        const c = config("local");
        const mac = colimaHost("darwin", "24.1.0"); // auto = vz: no QEMU needed
        const problems = hostToolProblems(c, "/usr/bin:/bin", () => false, mac);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /colima is not installed.*brew install colima/);
        assert.deepStrictEqual(hostToolProblems(c, "/usr/bin:/opt/homebrew/bin", f => f === "/opt/homebrew/bin/colima", mac), []);
        assert.deepStrictEqual(hostToolProblems(config("prod"), "", () => false, mac), [], "prod does not need colima");
    });

    it("needs qemu-img wherever the VM is QEMU (Linux, macOS 12, colimaVmType qemu), as Colima checks before starting", () => {
        const onlyColima = (f: string) => f === "/usr/bin/colima";
        const qemu = /^qemu-img is not installed \(not found on PATH\); Colima's qemu VM type needs QEMU: macOS: brew install qemu;/;
        assert.match(hostToolProblems(config("local"), "/usr/bin", onlyColima, colimaHost("linux", "6.8.0")).join("\n"), qemu);
        assert.match(hostToolProblems(config("local"), "/usr/bin", onlyColima, colimaHost("darwin", "21.6.0")).join("\n"), qemu);
        assert.match(hostToolProblems(config("local", { colimaVmType: "qemu" }), "/usr/bin", onlyColima, colimaHost("darwin", "24.1.0")).join("\n"), qemu);
        assert.deepStrictEqual(hostToolProblems(config("local"), "/usr/bin", f => onlyColima(f) || f === "/usr/bin/qemu-img", colimaHost("linux", "6.8.0")), []);
    });
});

describe("nodes: colima ssh-config parser", () => {
    const sample = (name: string) => fs.readFileSync(path.join(ROOT, "test", "fixtures", name), "utf8");

    it("parses the macOS format (quoted IdentityFile, several keys, Lima's first)", () => {
        assert.deepStrictEqual(parseSshConfig(fs.readFileSync(path.join(ROOT, "tools", "mock-data", "colima-ssh-config-macos.txt"), "utf8"), "k3s-cilium"),
            { host: "127.0.0.1", port: 60022, user: "dev", identityFile: "/Users/dev/.colima/_lima/_config/user" });
    });
    it("parses the Linux format", () => {
        assert.deepStrictEqual(parseSshConfig(sample("colima-ssh-config-linux.txt"), "k3s-cilium"),
            { host: "127.0.0.1", port: 41235, user: "dev", identityFile: "/home/dev/.colima/_lima/_config/user" });
    });
    it("accepts keywords in any case and key=value form", () => {
        assert.deepStrictEqual(parseSshConfig("HOSTNAME=10.0.0.5\nport = 2222\nuser root\nidentityfile ~/.ssh/id\n", "p"),
            { host: "10.0.0.5", port: 2222, user: "root", identityFile: "~/.ssh/id" });
    });
    it("names the profile and the missing Port line", () => {
        const broken = colimaSshConfigFixture().replace(/^\s*Port .*$/m, "");
        assert.throws(() => parseSshConfig(broken, "k3s-cilium"), /colima ssh-config --profile k3s-cilium has no Port line/);
    });
    it("explains empty output", () => {
        assert.throws(() => parseSshConfig("", "dev-vm"), /colima ssh-config --profile dev-vm printed nothing.*colima status --profile dev-vm/);
        assert.throws(() => parseSshConfig("  \n", "dev-vm"), /printed nothing/);
    });
    it("rejects a Port that is not a port", () => {
        assert.throws(() => parseSshConfig("Hostname h\nPort abc\nUser u\nIdentityFile f\n", "p"), /Port "abc" is not a TCP port/);
    });
});
