import * as assert from "assert";
import * as YAML from "yaml";
import { lastRecording, resolve, runProgram, stackConfig } from "./harness";
import { validateConfig } from "../components/config";
import { apiLoadBalancerProblems, liveLoadBalancerProblem, withFailoverContexts } from "../components/nodes";

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
