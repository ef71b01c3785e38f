import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { lastRecording, mockHostKey, resolve, ROOT, runProgram, stackConfig } from "./harness";
import { sandbox } from "./shell";
import { validateConfig } from "../components/config";
import { apiLoadBalancerProblems, firewallRules, liveLoadBalancerProblem, withFailoverContexts } from "../components/nodes";
import { nodeToNodePorts } from "../components/cilium/datapath";

const OPT_IN = { publicApiLoadBalancer: true, allowWorldOpenAccess: true };

describe("API access: the load balancer is private unless opted in (prod)", () => {
    it("has no public interface by default, and a change never replaces the attachment (it would detach the VIP)", async () => {
        const g = await runProgram({ stack: "prod" });
        const attachment = g.get("k3s-cilium-api", "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork");
        assert.strictEqual(attachment.inputs.enablePublicInterface, false);
        assert.deepStrictEqual(attachment.ignoreChanges, ["enablePublicInterface"]);
        assert.strictEqual((await resolve(g.outputs.apiEndpoint as any)).value, "https://192.0.2.1:6443", "the first server, behind the hcloud firewall");
        // The servers' public 6443 admits exactly apiAllowList (the hcloud firewall), nothing else reaches the API.
        const fw = g.get("k3s-cilium-firewall").inputs.rules as { port?: string; sourceIps: string[] }[];
        assert.deepStrictEqual(fw.filter(r => r.port === "6443").map(r => r.sourceIps), [["203.0.113.0/24"]]);
    });

    it("with the opt-in and its acknowledgement: a public interface, and the kubeconfig on the load balancer's IP", async () => {
        const g = await runProgram({ stack: "prod", overrides: OPT_IN });
        const attachment = g.get("k3s-cilium-api", "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork");
        assert.strictEqual(attachment.inputs.enablePublicInterface, true);
        assert.strictEqual((await resolve(g.outputs.apiEndpoint as any)).value, "https://192.0.2.200:6443");
    });

    it("refuses the opt-in without acknowledging that apiAllowList does not protect it, in one line, before anything is created", async () => {
        await assert.rejects(runProgram({ stack: "prod", overrides: { publicApiLoadBalancer: true } }), (e: Error) => {
            const line = e.message.split("\n").find(l => l.includes("k3s-cilium:publicApiLoadBalancer"));
            assert.ok(line, e.message);
            assert.match(line!, /no firewall.*open to the whole internet and apiAllowList does not protect it; accepted: false .*or also set k3s-cilium:allowWorldOpenAccess: true/);
            return true;
        });
        assert.strictEqual(lastRecording().length, 0);
    });

    it("a stack whose load balancer is still public (deployed before the private default) stops with the migration in one line", async () => {
        const live = { "k3s-cilium-api": { enablePublicInterface: true } };
        const g = await runProgram({ stack: "prod", liveState: live });
        // The endpoint (and so the kubeconfig and the Kubernetes provider) fails with the problem: nothing in the
        // cluster can change. Under the engine the same rejection fails the update with this message.
        await assert.rejects(resolve(g.outputs.apiEndpoint as any), (e: Error) => {
            assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
            assert.match(e.message, /k3s-cilium:publicApiLoadBalancer = false, but load balancer k3s-cilium-api still has its public interface/);
            assert.match(e.message, /hcloud load-balancer disable-public-interface k3s-cilium-api`, `pulumi refresh --stack prod`/);
            return true;
        });
        assert.ok(!g.resources.some(r => r.type === "pulumi:providers:kubernetes"), "the Kubernetes provider must wait for the check");
        // The same live state with the opt-in is consistent.
        const optedIn = await runProgram({ stack: "prod", overrides: OPT_IN, liveState: live });
        assert.strictEqual((await resolve(optedIn.outputs.apiEndpoint as any)).value, "https://192.0.2.200:6443");
    });

    it("the Kubernetes provider has a cluster identity, so an endpoint change is an update, not a replacement of the cluster's objects", async () => {
        const g = await runProgram({ stack: "prod" });
        assert.strictEqual(g.get("k3s-cilium-k8s", "pulumi:providers:kubernetes").inputs.clusterIdentifier, "k3s-cilium");
    });

    it("rule table: apiLoadBalancerProblems / liveLoadBalancerProblem", () => {
        const base = { provider: "hetzner", controlPlaneCount: 3, publicApiLoadBalancer: false, allowWorldOpenAccess: false };
        assert.deepStrictEqual(apiLoadBalancerProblems(base), []);
        assert.deepStrictEqual(apiLoadBalancerProblems({ ...base, publicApiLoadBalancer: true, allowWorldOpenAccess: true }), []);
        assert.match(apiLoadBalancerProblems({ ...base, publicApiLoadBalancer: true })[0], /^k3s-cilium:publicApiLoadBalancer = true: /);
        assert.match(apiLoadBalancerProblems({ ...base, publicApiLoadBalancer: true, allowWorldOpenAccess: true, controlPlaneCount: 1 })[0], /there is no API load balancer/);
        assert.match(apiLoadBalancerProblems({ ...base, provider: "colima", publicApiLoadBalancer: true, allowWorldOpenAccess: true })[0], /there is no API load balancer/);
        const v = { publicApiLoadBalancer: false, stack: "prod" };
        assert.strictEqual(liveLoadBalancerProblem(v, { name: "lb", publicInterface: false }), undefined);
        assert.strictEqual(liveLoadBalancerProblem({ ...v, publicApiLoadBalancer: true }, { name: "lb", publicInterface: true }), undefined);
        assert.match(liveLoadBalancerProblem({ ...v, publicApiLoadBalancer: true }, { name: "lb", publicInterface: false })!,
            /has no public interface: run `hcloud load-balancer enable-public-interface lb` and `pulumi refresh --stack prod`/);
        const r = validateConfig(stackConfig("prod", { publicApiLoadBalancer: true, controlPlaneCount: 1, workerCount: 1, operatorReplicas: 1 }), { stack: "prod", hcloudTokenSet: true });
        assert.ok(!r.ok && r.errors.some(e => /publicApiLoadBalancer = true: there is no API load balancer/.test(e)), r.ok ? "accepted" : r.errors.join("\n"));
    });
});

describe("API access: the operator's kubeconfig keeps working with one server down", () => {
    it("has a context per server and a tunnel context; the current context is the endpoint; all share the CA and the user", async () => {
        const g = await runProgram({ stack: "prod" });
        const kc = await resolve(g.outputs.kubeconfig as any);
        assert.ok(kc.secret, "the operator's kubeconfig is secret");
        const doc = YAML.parse(kc.value as string);
        const server = (name: string) => doc.clusters.find((c: any) => c.name === name)?.cluster.server;
        assert.deepStrictEqual(doc.contexts.map((c: any) => `${c.name} → ${server(c.context.cluster)} as ${c.context.user}`), [
            "k3s-cilium → https://192.0.2.1:6443 as k3s-cilium",
            "k3s-cilium-server-1 → https://192.0.2.1:6443 as k3s-cilium",
            "k3s-cilium-server-2 → https://192.0.2.2:6443 as k3s-cilium",
            "k3s-cilium-server-3 → https://192.0.2.3:6443 as k3s-cilium",
            "k3s-cilium-tunnel → https://127.0.0.1:16443 as k3s-cilium",
        ]);
        assert.strictEqual(doc["current-context"], "k3s-cilium");
        const ca = new Set(doc.clusters.map((c: any) => c.cluster["certificate-authority-data"]));
        assert.strictEqual(ca.size, 1, "every context verifies the same cluster CA");
        // Every per-server address is in the API certificate (tls-san), so each context verifies.
        const sans = YAML.parse(g.get("k3s-cilium-server-1-install").inputs.stdin as string)["tls-san"] as string[];
        for (const a of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) assert.ok(sans.includes(a), `tls-san lacks ${a}`);
        // The provider keeps the single-context kubeconfig: its active cluster is what Pulumi diffs.
        const provider = YAML.parse(g.get("k3s-cilium-k8s", "pulumi:providers:kubernetes").inputs.kubeconfig);
        assert.strictEqual(provider.contexts.length, 1);
    });

    it("prints the tunnel: through a server to the private endpoint, on the tunnel context's port", async () => {
        const g = await runProgram({ stack: "prod" });
        const cmds = (await resolve(g.outputs.commands as any)).value as Record<string, string>;
        assert.match(cmds.apiTunnel, /^ssh -o UserKnownHostsFile=k3s-cilium\.known_hosts -o StrictHostKeyChecking=yes -i k3s-cilium\.ssh-key -p 22 -N -L 16443:10\.0\.1\.2:6443 root@192\.0\.2\.1 /);
        assert.match(cmds.apiTunnel, /kubectl --context k3s-cilium-tunnel get nodes$/);
        const local = await runProgram({ stack: "local" });
        const localCmds = (await resolve(local.outputs.commands as any)).value as Record<string, string>;
        assert.strictEqual(localCmds.apiTunnel, undefined, "the local API is on 127.0.0.1 already");
        const localKc = YAML.parse((await resolve(local.outputs.kubeconfig as any)).value as string);
        assert.strictEqual(localKc.contexts.length, 1);
    });

    it("withFailoverContexts brackets IPv6 and refuses a kubeconfig without the cluster's context", () => {
        const kc = YAML.stringify({
            clusters: [{ name: "c", cluster: { server: "https://x:6443", "certificate-authority-data": "Q0E=" } }],
            contexts: [{ name: "c", context: { cluster: "c", user: "c" } }], users: [{ name: "c", user: {} }], "current-context": "c",
        });
        const doc = YAML.parse(withFailoverContexts(kc, "c", [{ name: "s1", address: "2001:db8::1" }], 6443));
        assert.deepStrictEqual(doc.clusters.map((c: any) => c.cluster.server), ["https://x:6443", "https://[2001:db8::1]:6443", "https://127.0.0.1:16443"]);
        assert.throws(() => withFailoverContexts(kc, "other", [], 6443), /no cluster\/context named other/);
    });
});

describe("SSH host keys on servers created before pinning (sshHostKeyAdoption)", () => {
    it("one unverified command per server installs the generated key; every other command waits for it and verifies it", async () => {
        const g = await runProgram({ stack: "prod", overrides: { sshHostKeyAdoption: true } });
        const servers = g.ofType("hcloud:index/server:Server");
        for (const s of servers) {
            const adopt = g.get(`${s.name}-host-key-adopt`, "command:remote:Command");
            const key = mockHostKey(`${s.name}-host-key`);
            assert.strictEqual(adopt.inputs.connection.hostKey, undefined, "the old key is unknown: this one connection cannot verify it");
            assert.ok(adopt.secretInputs.includes("stdin") && adopt.inputs.stdin === key.privateKeyOpenssh, `${adopt.name}: the private key travels on secret stdin`);
            assert.ok((adopt.inputs.create as string).endsWith(`adopt-host-key.sh ${s.name} '${key.publicKeyOpenssh.trim()}'`), adopt.inputs.create.slice(-120));
            const others = g.ofType("command:remote:Command").filter(c => c !== adopt && c.inputs.connection.host === adopt.inputs.connection.host);
            assert.ok(others.length >= 2, `${s.name}: its commands are checked`);
            for (const c of others) {
                assert.strictEqual(c.inputs.connection.hostKey, key.publicKeyOpenssh, `${c.name} does not pin the adopted key`);
                assert.ok(g.dependsOn(c, adopt), `${c.name} does not wait for the key to be installed`);
            }
        }
        const plain = await runProgram({ stack: "prod" });
        assert.deepStrictEqual(plain.resources.filter(r => r.name.endsWith("-host-key-adopt")), [], "off by default: new servers get their key from cloud-init");
    });

    describe("adopt-host-key.sh", () => {
        const script = path.join(ROOT, "components", "nodes", "scripts", "adopt-host-key.sh");
        const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5new";
        const PRIV = "-----BEGIN OPENSSH PRIVATE KEY-----\nnew\n-----END OPENSSH PRIVATE KEY-----";
        function setup() {
            const sb = sandbox();
            const sshDir = path.join(sb.dir, "etc-ssh");
            fs.mkdirSync(sshDir);
            fs.writeFileSync(path.join(sshDir, "ssh_host_ed25519_key.pub"), "ssh-ed25519 AAAAold root@image\n");
            // ssh-keygen -y -f <file>: the public half of the mock private keys is "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5<line 2>".
            sb.stub("ssh-keygen", 'f=${@: -1}; printf "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5%s\\n" "$(sed -n 2p "$f")"');
            sb.stub("systemctl", 'log "systemctl $*"');
            return { sb, sshDir, run: (stdin: string) => sb.run(script, ["k3s-cilium-server-1", `${PUB} comment`], { stdin, env: { SSH_DIR: sshDir } }) };
        }

        it("installs the key pair (0600/0644) and reloads sshd; a rerun changes nothing", () => {
            const { sb, sshDir, run } = setup();
            try {
                const r = run(PRIV);
                assert.strictEqual(r.code, 0, r.stderr);
                assert.strictEqual(fs.readFileSync(path.join(sshDir, "ssh_host_ed25519_key"), "utf8"), `${PRIV}\n`);
                assert.strictEqual(fs.statSync(path.join(sshDir, "ssh_host_ed25519_key")).mode & 0o777, 0o600);
                assert.strictEqual(fs.readFileSync(path.join(sshDir, "ssh_host_ed25519_key.pub"), "utf8"), `${PUB} comment\n`);
                assert.strictEqual(fs.statSync(path.join(sshDir, "ssh_host_ed25519_key.pub")).mode & 0o777, 0o644);
                assert.deepStrictEqual(sb.calls(), ["systemctl reload ssh"]);
                assert.deepStrictEqual(fs.readdirSync(sshDir).filter(f => f.startsWith(".adopt")), [], "no temp file left");
                const again = run(PRIV);
                assert.strictEqual(again.code, 0, again.stderr);
                assert.match(again.stdout, /host key already installed/);
                assert.deepStrictEqual(sb.calls(), ["systemctl reload ssh"], "no second reload");
            } finally { fs.rmSync(sb.dir, { recursive: true, force: true }); }
        });

        it("refuses a private key that does not belong to the public key, in one line, and changes nothing", () => {
            const { sb, sshDir, run } = setup();
            try {
                const r = run(PRIV.replace("\nnew\n", "\nother\n"));
                assert.strictEqual(r.code, 1);
                assert.strictEqual(r.stderr.trim(), "k3s-cilium-server-1: adopt-host-key: ERROR: the private key on stdin does not belong to ssh-ed25519 AAAAC3NzaC1lZDI1NTE5new");
                assert.strictEqual(fs.readFileSync(path.join(sshDir, "ssh_host_ed25519_key.pub"), "utf8"), "ssh-ed25519 AAAAold root@image\n");
                assert.ok(!fs.existsSync(path.join(sshDir, "ssh_host_ed25519_key")));
                assert.deepStrictEqual(fs.readdirSync(sshDir).filter(f => f.startsWith(".adopt")), []);
                assert.deepStrictEqual(sb.calls(), []);
            } finally { fs.rmSync(sb.dir, { recursive: true, force: true }); }
        });
    });
});

describe("README Security: every open port per stack", () => {
    it("names every port of the hcloud firewall and of the node-to-node datapath (every option on, both tunnels)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Security"), readme.indexOf("**Pinned trust.**"));
        const prodRows = section.split("\n").filter(l => l.startsWith("| prod |")).join("\n");
        for (const tunnelProtocol of ["geneve", "vxlan"]) {
            const r = validateConfig(stackConfig("prod", { tunnelProtocol, hubbleEnabled: true, wireguard: true }), { stack: "prod", hcloudTokenSet: true });
            if (!r.ok) throw new Error(r.errors.join("\n"));
            const ports = [...firewallRules(r.config).public, ...nodeToNodePorts(r.config)]
                .map(p => p.protocol === "icmp" ? "ICMP" : `${p.port}/${p.protocol}`);
            assert.ok(ports.length >= 8, "not vacuous");
            for (const port of new Set(ports)) {
                assert.ok(port === "ICMP" ? prodRows.includes("ICMP") : prodRows.includes(port), `README Security does not list ${port} (${tunnelProtocol})`);
            }
        }
    });
});
