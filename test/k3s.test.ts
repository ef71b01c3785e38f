import * as assert from "assert";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { Graph, lastRecording, MOCK_AGENT_TOKEN, MOCK_BOOTSTRAP_TOKEN, MOCK_TOKEN, resolve, runProgram, stackConfig } from "./harness";
import { numericId } from "../tools/mocks";
import { convergeBootTimeout, FIRST_BOOT, FIRST_BOOT_START_TIMEOUT_SECONDS, scriptDefault } from "../components/k3s/first-boot";
import { IMAGE_PULL_TIMEOUT_SECONDS } from "../components/k3s/script-args";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { parse as parseShell } from "shell-quote";
import { scriptPath } from "./shell";
import { CILIUM_NODE_IMAGES } from "../components/cilium/images";
import { BOOTSTRAP_TOKEN_PATTERN, BOOTSTRAP_TOKEN_RANDOM_LENGTH, bootstrapToken, nodeConfigFile } from "../components/k3s";
import { validateConfig } from "../components/config/validate";
import { K3S_INSTALLER } from "../components/config/versions";
import { ClusterNode } from "../components/nodes/contract";
import { k3sConfigProblems, K3sRuleInput } from "../components/k3s/rules";
import { rewriteKubeconfig } from "../components/k3s";
import { parseScriptCommands } from "../components/shared/script";
import { dialRetrySeconds, WAIT_FOR_SSH_DIAL_ATTEMPTS } from "../components/shared/remote";

const SERVERS = ["k3s-cilium-server-1", "k3s-cilium-server-2", "k3s-cilium-server-3"];
const AGENTS = ["k3s-cilium-agent-1", "k3s-cilium-agent-2"];
const NODES = [...SERVERS, ...AGENTS];
const PROD = (() => {
    const r = validateConfig(stackConfig("prod"), { stack: "prod", hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
})();

/** A node's convergence command: `<server>-install` (create = update), `<agent>-converge` (update only, prod). */
function convergeOf(g: Graph, node: string) {
    return g.resources.find(r => r.name === `${node}-install`) ?? g.get(`${node}-converge`);
}

function configOf(g: Graph, node: string): Record<string, any> {
    return YAML.parse(convergeOf(g, node).inputs.stdin);
}

describe("k3s: per-node order and cross-node order (prod 3+2)", () => {
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });
    const step = (node: string, s: string) => g.get(`${node}-${s}`);

    const scriptsOf = (cmd: string) => parseScriptCommands(cmd)!.map(s => `${s.name}${s.args}`);

    it("servers: boot wait ≺ preflight ≺ config ≺ install, and the first command follows the machine", () => {
        for (const n of SERVERS) {
            const preflight = step(n, "preflight");
            const install = step(n, "install");
            assert.ok(g.dependsOn(preflight, g.get(n, "hcloud:index/server:Server")), `${n}: preflight waits for the server`);
            assert.ok(g.dependsOn(install, preflight), `${n}: install after preflight`);
            assert.ok(!g.dependsOn(preflight, install), "no cycle");
            assert.deepStrictEqual(scriptsOf(preflight.inputs.create).map(s => s.split(" ")[0]), ["wait-boot.sh", "preflight.sh"], `${n}: boot wait first`);
            // Servers check, before k3s starts, that an empty disk neither bootstraps a second cluster nor joins none.
            assert.deepStrictEqual(scriptsOf(install.inputs.create).map(s => s.split(" ")[0]), ["configure.sh", "install.sh", "etcd-guard.sh", "start.sh", "prefetch-images.sh"], `${n}: config, binary, the bounded start, then the image pulls handed to the background`);
            assert.strictEqual(scriptsOf(install.inputs.create)[4], `prefetch-images.sh ${n} background 300 ${CILIUM_NODE_IMAGES["1.18.4"].join(" ")}`);
            assert.strictEqual(install.inputs.update, install.inputs.create, `${n}: an update rewrites the config and converges the version`);
        }
    });

    it("agents: no SSH command on create; one converge command whose update is boot wait ≺ kernel preflight ≺ config ≺ install ≺ start on this machine", () => {
        for (const n of AGENTS) {
            assert.ok(!g.resources.some(r => r.name === `${n}-preflight` || r.name === `${n}-install`), `${n}: first boot runs preflight and install`);
            const converge = step(n, "converge");
            const machine = g.get(n, "hcloud:index/server:Server");
            assert.strictEqual(converge.inputs.create, undefined, `${n}: creating it opens no SSH session`);
            assert.ok(!converge.inputs.triggers?.length && !converge.inputs.delete, `${n}: never replaced, deletes nothing`);
            assert.deepStrictEqual(scriptsOf(converge.inputs.update),
                [`wait-boot.sh ${n} ${convergeBootTimeout(PROD, 900)} ${numericId(n)}`, `preflight.sh ${n} 5.10 geneve false ${machine.inputs.networks[0].ip}`, `configure.sh ${n} agent`,
                    `install.sh ${n} agent v1.33.5+k3s1 ${K3S_INSTALLER.url} ${K3S_INSTALLER.sha256}`, `start.sh ${n} agent 600`]);
            assert.ok(g.dependsOn(converge, machine));
            // The same scripts, from the agent's own user data, at first boot.
            const userData = YAML.parse(machine.inputs.userData, { version: "1.1" });
            assert.deepStrictEqual(userData.runcmd[0].slice(0, 3), ["bash", `${FIRST_BOOT.dir}/first-boot.sh`, n]);
        }
    });
    it("the converge waits for cloud-init at least as long as a first boot can take within its own bounds, plus the boot", () => {
        const firstBoot = scriptPath("k3s", "first-boot.sh");
        // Every numeric default first-boot.sh sets, as bash evaluates them; INTERVAL is a poll period, not a bound.
        const defaults = Object.fromEntries(fs.readFileSync(firstBoot, "utf8").split("\n").filter(l => /^[A-Z_]+=\$\{[A-Z_]+:-[0-9]+\}$/.test(l))
            .map(l => l.split("=")[0]).filter(name => name !== "INTERVAL")
            .map(name => [name, Number(execFileSync("bash", ["-c", `eval "$(grep -E '^${name}=' "$1")"; echo "$${name}"`, "x", firstBoot], { encoding: "utf8", env: {} }).trim())]));
        // A new bounded wait in first-boot.sh must be counted in the converge's wait (firstBootBounds) before this passes.
        assert.deepStrictEqual(Object.keys(defaults).sort(), ["ADDRESS_WAIT", "INSTALL_ATTEMPTS", "INSTALL_RETRY_DELAY", "PULL_TIMEOUT"]);
        assert.strictEqual(defaults.PULL_TIMEOUT, IMAGE_PULL_TIMEOUT_SECONDS, "first boot pulls with the SSH path's bound (components/k3s/script-args.ts)");
        const installer = fs.readFileSync(scriptPath("k3s", "install.sh"), "utf8");
        const curl = parseShell(installer.split("\n").find(l => /^\s*curl /.test(l))!) as string[];
        const flag = (f: string) => Number(curl[curl.indexOf(f) + 1]);
        const installTimeout = Number(execFileSync("bash", ["-c", `eval "$(grep -E '^INSTALL_TIMEOUT=' "$1")"; echo "$INSTALL_TIMEOUT"`, "x", scriptPath("k3s", "install.sh")], { encoding: "utf8", env: {} }).trim());
        const oneInstall = (flag("--retry") + 1) * flag("--max-time") + flag("--retry") * flag("--retry-delay") + installTimeout;
        const images = CILIUM_NODE_IMAGES[PROD.versions.cilium].length;
        const worstCase = 900 + 2 * defaults.ADDRESS_WAIT + defaults.INSTALL_ATTEMPTS * oneInstall + (defaults.INSTALL_ATTEMPTS - 1) * defaults.INSTALL_RETRY_DELAY +
            FIRST_BOOT_START_TIMEOUT_SECONDS + (1 + images) * defaults.PULL_TIMEOUT;
        assert.ok(installTimeout > 0 && flag("--max-time") > 0 && images > 0, "the bounds were found");
        for (const n of AGENTS) {
            const converge = step(n, "converge");
            const wait = Number(scriptsOf(converge.inputs.update)[0].split(" ")[2]);
            assert.ok(wait >= worstCase, `${n}: the converge waits ${wait}s for cloud-init, a first boot may take ${worstCase}s`);
            const timeout = Number(/^(\d+)s$/.exec(converge.customTimeouts.update ?? "")?.[1]);
            assert.ok(timeout > wait, `${n}: customTimeouts ${timeout}s under the cloud-init wait ${wait}s`);
        }
        assert.throws(() => scriptDefault("ADDRESS_WAIT=180\n", "ADDRESS_WAIT"), /no ADDRESS_WAIT=\$\{ADDRESS_WAIT:-<number>\} line/);
    });

    it("waits for SSH with a finite dial limit whose retries end before customTimeouts (so a host key mismatch is named)", () => {
        for (const n of AGENTS) {
            const converge = step(n, "converge");
            assert.strictEqual(converge.inputs.connection.dialErrorLimit, WAIT_FOR_SSH_DIAL_ATTEMPTS, `${n}: a replaced machine may still boot`);
            const timeout = Number(/^(\d+)s$/.exec(converge.customTimeouts.update ?? "")?.[1]);
            assert.ok(dialRetrySeconds(WAIT_FOR_SSH_DIAL_ATTEMPTS) < timeout - 60, `${n}: dial retries outlast ${timeout}s`);
        }
        for (const n of SERVERS) {
            const preflight = step(n, "preflight");
            assert.strictEqual(preflight.inputs.connection.dialErrorLimit, WAIT_FOR_SSH_DIAL_ATTEMPTS);
            assert.match(preflight.customTimeouts.create ?? "", /^\d+s$/);
            const timeout = Number(/^(\d+)s$/.exec(preflight.customTimeouts.create!)![1]);
            assert.ok(dialRetrySeconds(WAIT_FOR_SSH_DIAL_ATTEMPTS) < timeout - 60, `${n}: dial retries outlast ${timeout}s`);
            assert.ok(dialRetrySeconds(WAIT_FOR_SSH_DIAL_ATTEMPTS) > 300, "sshd gets at least 5 minutes to come up");
            assert.match(scriptsOf(preflight.inputs.create)[0], new RegExp(`^wait-boot.sh ${n} \\d+$`));
            assert.strictEqual(step(n, "install").inputs.connection.dialErrorLimit, 10);
        }
    });

    it("joins servers one at a time after the first server's API is ready", () => {
        const api = g.get("k3s-cilium-api-ready");
        assert.ok(g.dependsOn(api, step("k3s-cilium-server-1", "install")));
        assert.ok(g.dependsOn(step("k3s-cilium-server-2", "install"), api));
        assert.ok(g.dependsOn(step("k3s-cilium-server-3", "install"), step("k3s-cilium-server-2", "install")));
        assert.ok(!g.dependsOn(step("k3s-cilium-server-2", "install"), step("k3s-cilium-server-3", "install")));
    });

    it("every agent depends on the first server and the endpoint, and on no other agent", () => {
        const lbService = g.get("k3s-cilium-api", "hcloud:index/loadBalancerService:LoadBalancerService");
        for (const a of AGENTS) {
            const install = step(a, "converge");
            assert.ok(g.dependsOn(install, step("k3s-cilium-server-1", "install")));
            assert.ok(g.dependsOn(install, lbService), `${a} joins through the endpoint`);
            assert.ok(g.dependsOn(install, g.get("k3s-cilium-servers-at-version")), `${a} waits for the version-skew gate`);
            assert.ok(!g.dependsOn(install, step("k3s-cilium-server-2", "install")), `${a} must not queue behind the serial server joins`);
            for (const other of AGENTS.filter(o => o !== a)) {
                assert.ok(!g.dependsOn(install, step(other, "converge")), `${a} must not wait for ${other}`);
                // Machines never wait for each other. A first-boot agent's converge (it creates nothing) does wait for
                // every agent's machine, through the bootstrap-token registration whose triggers are their ids: a
                // replaced agent can join only once the token is registered again (register-bootstrap-token.sh).
                assert.ok(!g.dependsOn(g.get(a, "hcloud:index/server:Server"), g.get(other, "hcloud:index/server:Server")), `${a}'s machine must not wait for ${other}'s machine`);
                assert.strictEqual(install.inputs.create, undefined, `${a}: its converge creates nothing, so waiting for the registration costs nothing`);
            }
        }
    });

    it("API ready ≺ kubeconfig ≺ Kubernetes provider", () => {
        const api = g.get("k3s-cilium-api-ready");
        const kubeconfig = g.get("k3s-cilium-kubeconfig");
        const provider = g.get("k3s-cilium-k8s", "pulumi:providers:kubernetes");
        assert.ok(g.dependsOn(kubeconfig, api));
        assert.ok(g.dependsOn(provider, kubeconfig));
        assert.match(api.inputs.create, /k3s kubectl get --raw \/readyz/);
        assert.ok(!/get nodes|condition=Ready/.test(api.inputs.create), "must not wait for nodes to be Ready (no CNI yet)");
    });

    it("the kubeconfig is read again after the first server's k3s version changes (k3s renews its certificates at start)", () => {
        const kubeconfig = g.get("k3s-cilium-kubeconfig");
        const firstInstall = g.get("k3s-cilium-server-1-install");
        assert.deepStrictEqual(kubeconfig.inputs.triggers, ["v1.33.5+k3s1"]);
        assert.ok((firstInstall.inputs.create as string).includes(" v1.33.5+k3s1 "), "the same version the install restarts k3s with");
        assert.ok(g.dependsOn(kubeconfig, firstInstall), "read after that restart");
        const provider = g.get("k3s-cilium-k8s", "pulumi:providers:kubernetes");
        // A new kubeconfig is a provider update, not a replacement of every object in the cluster (clusterIdentifier).
        assert.strictEqual(provider.inputs.clusterIdentifier, "k3s-cilium");
    });

    it("remote commands on a machine are deleted with it; agent drains run on the first server", () => {
        for (const n of NODES) {
            const server = g.get(n, "hcloud:index/server:Server");
            for (const s of n.includes("-agent-") ? ["converge"] : ["preflight", "install"]) {
                assert.strictEqual(step(n, s).deletedWith, server.urn, `${n}-${s}`);
            }
        }
        const first = g.get("k3s-cilium-server-1", "hcloud:index/server:Server");
        for (const a of ["k3s-cilium-agent-1", "k3s-cilium-agent-2"]) {
            const drain = g.get(`${a}-drain`);
            assert.strictEqual(drain.deletedWith, first.urn, "skipped when the whole cluster goes, runs when one agent goes");
            assert.ok(g.dependsOn(drain, step(a, "converge")), "deleted (drained) before the agent's machine");
            assert.strictEqual(drain.inputs.create, undefined, "creating it opens no SSH session");
            assert.match(drain.inputs.delete, /kubectl drain/);
            assert.ok((drain.inputs.delete as string).endsWith(` drain.sh ${a} 300`));
        }
    });
});

describe("k3s: config.yaml rendered per node", () => {
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });

    it("servers disable flannel, the network-policy controller and kube-proxy; agents carry only agent flags", () => {
        for (const n of NODES) {
            const c = configOf(g, n);
            if (n.includes("-agent-")) {
                // Agents receive these settings from the servers; `k3s agent` would exit on them.
                // kubelet-arg (cloud-provider=external) is the Hetzner cloud controller's, test/hetzner-cloud.test.ts.
                assert.deepStrictEqual(Object.keys(c).sort(), ["kubelet-arg", "node-ip", "node-name", "server", "token"], n);
                continue;
            }
            assert.strictEqual(c["flannel-backend"], "none", n);
            assert.strictEqual(c["disable-network-policy"], true, n);
            assert.strictEqual(c["disable-kube-proxy"], true, n);
        }
    });

    it("node-ip is the private IPv4 then the server's public IPv6 (prod is dual-stack), on every role", async () => {
        for (const n of NODES) {
            const server = g.get(n, "hcloud:index/server:Server");
            // The mocked hcloud server's ipv6Address (test/harness.ts mockState): the value must come from the server.
            const ordinal = Number(/-(\d+)$/.exec(n)![1]);
            const expected6 = `2001:db8:${n.includes("-agent-") ? "b" : "a"}:${ordinal}::1`;
            assert.strictEqual(configOf(g, n)["node-ip"], `${server.inputs.networks[0].ip},${expected6}`, n);
        }
        const v4only = await runProgram({ stack: "prod", overrides: { ipv6: false } });
        for (const n of NODES) {
            assert.strictEqual(configOf(v4only, n)["node-ip"], v4only.get(n, "hcloud:index/server:Server").inputs.networks[0].ip, n);
        }
    });

    it("servers: tls-san with the endpoint, CIDRs, disables, 0600 kubeconfig; cluster-init only on the first", () => {
        for (const n of NODES.slice(0, 3)) {
            const c = configOf(g, n);
            assert.ok(c["tls-san"].includes("10.0.1.2") && c["tls-san"].includes("192.0.2.200"), `${n} tls-san lacks the endpoint`);
            assert.strictEqual(c["cluster-cidr"], "10.42.0.0/16,fd42:42::/56");
            assert.strictEqual(c["service-cidr"], "10.43.0.0/16,fd42:43::/112");
            // local-storage: the hcloud CSI driver's StorageClass is the default (test/hetzner-cloud.test.ts).
            assert.deepStrictEqual(c.disable, ["traefik", "servicelb", "local-storage"]);
            assert.strictEqual(c["write-kubeconfig-mode"], "0600");
            assert.strictEqual(c["advertise-address"], c["node-ip"].split(",")[0], "the API advertises the private IPv4");
        }
        assert.strictEqual(configOf(g, NODES[0])["cluster-init"], true);
        for (const n of NODES.slice(1)) assert.strictEqual(configOf(g, n)["cluster-init"], undefined, n);
    });

    it("joiners register with the control-plane endpoint; the first server does not", () => {
        assert.strictEqual(configOf(g, NODES[0]).server, undefined);
        for (const n of NODES.slice(1)) assert.strictEqual(configOf(g, n).server, "https://10.0.1.2:6443", n);
    });

    it("local: single server with cluster-init and IPv4-only ranges", async () => {
        const local = await runProgram({ stack: "local" });
        const c = configOf(local, "k3s-cilium-server-1");
        assert.strictEqual(c["cluster-init"], true);
        assert.strictEqual(c["cluster-cidr"], "10.42.0.0/16");
        assert.strictEqual(c["node-ip"], "192.168.5.15");
        assert.ok(c["tls-san"].includes("127.0.0.1"));
    });
});

describe("k3s: secrets", () => {
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });

    it("an agent's user data carries the bootstrap token, never the agent or the server token, and is a secret input of its machine", () => {
        // Hetzner serves user data unauthenticated for the machine's life (169.254.169.254/hetzner/v1/userdata):
        // only a token that expires after the join window may be in it (components/k3s/bootstrap-token.ts).
        for (const n of AGENTS) {
            const machine = g.get(n, "hcloud:index/server:Server");
            assert.ok(machine.secretInputs.includes("userData"), `${n}: userData not secret`);
            const files = YAML.parse(machine.inputs.userData, { version: "1.1" }).write_files as { path: string; content: string }[];
            const token = YAML.parse(files.find(f => f.path.endsWith("/config.yaml"))!.content).token;
            assert.strictEqual(token, MOCK_BOOTSTRAP_TOKEN);
            assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/, "k8s.io/cluster-bootstrap BootstrapTokenPattern");
            assert.ok(!machine.inputs.userData.includes(MOCK_AGENT_TOKEN), `${n}: the long-lived agent token must never be in user data`);
            assert.ok(!machine.inputs.userData.includes(MOCK_TOKEN), `${n}: the server token must never reach an agent`);
        }
        for (const n of SERVERS) assert.ok(!g.get(n, "hcloud:index/server:Server").inputs.userData.includes(MOCK_AGENT_TOKEN), n);
    });

    it("the bootstrap token's random value can only be 22 lower-case letters and digits, so every token made of it is <id>.<secret>", () => {
        // bootstrapToken() does not check its input: this RandomString's inputs are the guarantee. terraform-provider-random
        // (hashicorp/terraform-provider-random internal/random/string.go @04572027 CreateString) draws `length`
        // characters from the enabled classes only; upper, numeric and special default to true, min_* to 0.
        const random = g.get("k3s-cilium-k3s-bootstrap-token", "random:index/randomString:RandomString").inputs;
        const classes: Record<string, string> = { upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", lower: "abcdefghijklmnopqrstuvwxyz", numeric: "0123456789", special: "!@#$%&*()-_=+[]{}<>:?" };
        const charset = Object.keys(classes).filter(c => random[c] !== false).map(c => classes[c]).join("");
        assert.strictEqual(charset, classes.lower + classes.numeric, "only lower-case letters and digits");
        for (const min of ["minUpper", "minSpecial"]) assert.ok(!random[min], `${min} draws from a class the token must not contain`);
        assert.strictEqual(random.length, BOOTSTRAP_TOKEN_RANDOM_LENGTH);
        for (const sample of [charset.slice(0, random.length), charset.slice(-random.length)]) {
            assert.match(bootstrapToken(sample), BOOTSTRAP_TOKEN_PATTERN, sample);
        }
    });

    it("servers get the server token and define the agent token; agents get only the agent token; both only on stdin, which is secret", () => {
        for (const n of NODES) {
            const cfg = convergeOf(g, n);
            const doc = YAML.parse(cfg.inputs.stdin);
            if (n.includes("-agent-")) {
                assert.strictEqual(doc.token, MOCK_AGENT_TOKEN, n);
                assert.ok(!cfg.inputs.stdin.includes(MOCK_TOKEN), `${n}: an agent must never receive the server token`);
            } else {
                assert.strictEqual(doc.token, MOCK_TOKEN, n);
                assert.strictEqual(doc["agent-token"], MOCK_AGENT_TOKEN, n);
            }
            assert.ok(cfg.secretInputs.includes("stdin"), `${n}: stdin not secret`);
            assert.ok(cfg.additionalSecretOutputs.includes("stdin"));
        }
        for (const cmd of g.ofType("command:remote:Command")) {
            for (const field of ["create", "update", "delete"]) {
                for (const secret of [MOCK_TOKEN, MOCK_AGENT_TOKEN, MOCK_BOOTSTRAP_TOKEN]) {
                    assert.ok(!String(cmd.inputs[field] ?? "").includes(secret), `${cmd.name}.${field} carries a token`);
                }
            }
        }
        assert.deepStrictEqual(g.ofType("random:index/randomPassword:RandomPassword").map(r => r.name).sort(),
            ["k3s-cilium-k3s-agent-token", "k3s-cilium-k3s-token"]);
    });

    it("a node's config file is a secret Output even when built from plain token values (pulumi.isSecret)", async () => {
        const config = validateConfig(stackConfig("prod"), { stack: "prod", hcloudTokenSet: true });
        assert.ok(config.ok);
        const node = { name: "agent-x", role: "agent" as const, privateAddress: "10.0.1.100", publicIpv6Address: pulumi.output("2001:db8::1") } as unknown as ClusterNode;
        const file = nodeConfigFile(config.config, node, { isFirstServer: false, joinUrl: "https://10.0.1.2:6443", tlsSans: [] },
            { server: pulumi.output("plain-server"), agent: pulumi.output("plain-agent") });
        const { value, secret } = await resolve(file);
        assert.ok(secret, "the rendered config.yaml must be secret");
        assert.deepStrictEqual(YAML.parse(value), {
            // kubelet-arg: the Hetzner cloud controller's (components/hetzner-cloud/values.ts cloudProviderK3sFlags).
            "node-name": "agent-x", "node-ip": "10.0.1.100,2001:db8::1", server: "https://10.0.1.2:6443", "kubelet-arg": ["cloud-provider=external"], token: "plain-agent",
        });
    });

    it("the kubeconfig is secret, read from a command whose stdout is secret and not logged", async () => {
        const read = g.get("k3s-cilium-kubeconfig");
        assert.ok(read.additionalSecretOutputs.includes("stdout"), String(read.additionalSecretOutputs));
        assert.strictEqual(read.inputs.logging, "stderr");
        const kc = await resolve(g.outputs.kubeconfig as any);
        assert.ok(kc.secret);
        const doc = YAML.parse(kc.value as string);
        assert.strictEqual(doc.clusters[0].cluster.server, "https://192.0.2.1:6443", "the first server's public address (private API load balancer)");
        assert.strictEqual(doc["current-context"], "k3s-cilium");
        assert.ok(g.get("k3s-cilium-k8s", "pulumi:providers:kubernetes").secretInputs.includes("kubeconfig"));
    });

    it("rewriteKubeconfig fails clearly on a kubeconfig without clusters", () => {
        assert.throws(() => rewriteKubeconfig("kind: Config\n", "https://x:6443", "c"), /has no clusters/);
    });
});

describe("k3s: config rules (dual-stack needs an IPv6 node-ip)", () => {
    const table: { input: K3sRuleInput; problems: RegExp[] }[] = [
        { input: { provider: "hetzner", ipv6: true, publicIpv6: true }, problems: [] },
        { input: { provider: "hetzner", ipv6: false, publicIpv6: false }, problems: [] },
        { input: { provider: "colima", ipv6: false, publicIpv6: true }, problems: [] },
        { input: { provider: "hetzner", ipv6: true, publicIpv6: false }, problems: [/^k3s-cilium:publicIpv6 = false: k3s-cilium:ipv6 is true and k3s needs an IPv6 node-ip.*accepted: true, or k3s-cilium:ipv6: false$/] },
        { input: { provider: "colima", ipv6: true, publicIpv6: true }, problems: [/^k3s-cilium:ipv6 = true: .*192\.168\.5\.15.*accepted: false on provider colima$/] },
    ];
    for (const { input, problems } of table) {
        it(`${JSON.stringify(input)} → ${problems.length} problem(s)`, () => {
            const got = k3sConfigProblems(input);
            assert.strictEqual(got.length, problems.length, got.join("\n"));
            problems.forEach((re, i) => assert.match(got[i], re));
        });
    }

    it("validation reports them before anything is created", async () => {
        await assert.rejects(runProgram({ stack: "prod", overrides: { publicIpv6: false } }), /k3s-cilium:publicIpv6 = false: k3s-cilium:ipv6 is true/);
        await assert.rejects(runProgram({ stack: "local", overrides: { ipv6: true } }), /k3s-cilium:ipv6 = true: .*Colima VM/);
        assert.ok(!lastRecording().some(r => r.type === "command:remote:Command"), "no remote command registered");
    });
});
