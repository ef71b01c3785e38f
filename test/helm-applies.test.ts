/**
 * Contract: what helm.v4.Chart really applies. The real 1.18.4 chart is rendered with the program's values, hook
 * objects are dropped (the provider renders with DisableHooks), and every Secret/ConfigMap/ServiceAccount a
 * workload needs must be in that set or created by the program before the chart.
 */
import * as assert from "assert";
import { deepMerge } from "../components/cilium";
import { Graph, runProgram } from "./harness";
import { find, helmV4Applied, K8sObject, ObjectRef, renderCilium, unmetReferences } from "./chart";

const KINDS: Record<string, ObjectRef["kind"]> = {
    "kubernetes:core/v1:Secret": "Secret", "kubernetes:core/v1:ConfigMap": "ConfigMap", "kubernetes:core/v1:ServiceAccount": "ServiceAccount",
};

function chartOf(g: Graph) {
    return g.get("cilium", "kubernetes:helm.sh/v4:Chart");
}

/** Objects of the three kinds the program creates and the chart waits for. */
function providedBeforeChart(g: Graph): ObjectRef[] {
    const chart = chartOf(g);
    return g.resources.filter(r => KINDS[r.type] && g.dependsOn(chart, r)).map(r => ({
        kind: KINDS[r.type], namespace: r.inputs.metadata?.namespace ?? "default", name: r.inputs.metadata?.name ?? r.name,
    }));
}

const MATRIX: [string, "local" | "prod", Record<string, unknown>][] = [
    ["local (hubble, no relay)", "local", {}],
    ["local, relay and UI", "local", { hubbleRelay: true, hubbleUi: true }],
    ["local, relay without UI, no Gateway API", "local", { hubbleRelay: true, gatewayApi: false }],
    ["local, hubble off", "local", { hubbleEnabled: false }],
    ["prod (relay and UI)", "prod", {}],
    ["prod, wireguard", "prod", { wireguard: true }],
    ["prod, relay without UI, no Gateway API", "prod", { hubbleUi: false, gatewayApi: false }],
    ["prod, hubble off", "prod", { hubbleEnabled: false, hubbleRelay: false, hubbleUi: false }],
];

describe("contract: every object a Cilium workload needs exists without Helm hooks (helm.v4.Chart)", function () {
    this.timeout(180000);
    for (const [why, stack, overrides] of MATRIX) {
        it(why, async () => {
            const g = await runProgram({ stack, overrides });
            const applied = helmV4Applied(await renderCilium(chartOf(g).inputs.values));
            assert.ok(find(applied, "DaemonSet", "cilium"), "the agent DaemonSet is rendered");
            assert.deepStrictEqual(unmetReferences(applied, providedBeforeChart(g)), []);
        });
    }

    it("fails on the certgen-hook method main used before (hubble.tls.auto.method: cronJob)", async () => {
        const g = await runProgram({ stack: "prod" });
        const cronJob = deepMerge(chartOf(g).inputs.values, {
            hubble: { tls: { auto: { enabled: true, method: "cronJob" }, server: { existingSecret: "" } }, relay: { tls: { client: { existingSecret: "" } } } },
        });
        const rendered = await renderCilium(cronJob);
        assert.ok(find(rendered, "Job", "hubble-generate-certs"), "helm template renders the certgen hook Job");
        const applied = helmV4Applied(rendered);
        assert.ok(!find(applied, "Job", "hubble-generate-certs"), "helm.v4.Chart applies no hook");
        assert.deepStrictEqual(unmetReferences(applied, []), [
            "Deployment hubble-relay needs Secret kube-system/hubble-relay-client-certs (projected volume tls): not applied by helm.v4.Chart and not created by the program before the chart",
        ]);
    });

    it("fails when the program's Secrets are not created before the chart", async () => {
        const g = await runProgram({ stack: "prod" });
        const applied = helmV4Applied(await renderCilium(chartOf(g).inputs.values));
        assert.deepStrictEqual(unmetReferences(applied, []), [
            "Deployment hubble-relay needs Secret kube-system/hubble-relay-client-certs (projected volume tls): not applied by helm.v4.Chart and not created by the program before the chart",
        ]);
    });

    it("reads every kind of reference, and honours optional", () => {
        const pod = {
            serviceAccountName: "sa",
            volumes: [
                { name: "a", secret: { secretName: "s1" } }, { name: "b", secret: { secretName: "s2", optional: true } },
                { name: "c", configMap: { name: "c1" } }, { name: "d", projected: { sources: [{ configMap: { name: "c2" } }, { secret: { name: "s3", optional: true } }] } },
            ],
            containers: [{ name: "x", envFrom: [{ secretRef: { name: "s4" } }], env: [{ name: "E", valueFrom: { configMapKeyRef: { name: "c3", key: "k" } } }] }],
        };
        const ds: K8sObject = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "w", namespace: "ns" }, spec: { template: { spec: pod } } };
        const unmet = unmetReferences([ds], [{ kind: "ConfigMap", namespace: "ns", name: "c3" }]).map(l => l.split(" (")[0]);
        assert.deepStrictEqual(unmet, [
            "DaemonSet w needs ServiceAccount ns/sa", "DaemonSet w needs Secret ns/s1", "DaemonSet w needs ConfigMap ns/c1",
            "DaemonSet w needs ConfigMap ns/c2", "DaemonSet w needs Secret ns/s4",
        ]);
    });
});

describe("cilium: Hubble certificates from the program", () => {
    it("Secrets are kubernetes.io/tls with secret key material, and the chart waits for them", async () => {
        const g = await runProgram({ stack: "prod" });
        // Besides the Hetzner controllers' Secret `hcloud` (test/hetzner-cloud.test.ts).
        const secrets = g.ofType("kubernetes:core/v1:Secret").filter(s => s.inputs.metadata.name !== "hcloud");
        assert.deepStrictEqual(secrets.map(s => s.inputs.metadata.name).sort(), ["hubble-relay-client-certs", "hubble-server-certs"]);
        for (const s of secrets) {
            assert.strictEqual(s.inputs.type, "kubernetes.io/tls");
            assert.deepStrictEqual(Object.keys(s.inputs.stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
            assert.ok(s.secretInputs.includes("stringData"), `${s.name} stringData is secret`);
            assert.ok(g.dependsOn(chartOf(g), s), `chart after ${s.name}`);
        }
        assert.ok(!JSON.stringify(chartOf(g).inputs.values).includes("BEGIN"), "no key material in the chart values");
    });

    it("the server certificate names the cluster the relay dials (relay config cluster-name)", async () => {
        const g = await runProgram({ stack: "prod", overrides: { clusterName: "edge" } });
        const relayConfig = find(await renderCilium(chartOf(g).inputs.values), "ConfigMap", "hubble-relay-config")!;
        const cluster = /cluster-name: (\S+)/.exec(relayConfig.data["config.yaml"])![1];
        const csr = g.get("hubble-server-certs-csr");
        assert.deepStrictEqual(csr.inputs.dnsNames, [`*.${cluster}.hubble-grpc.cilium.io`]);
        assert.deepStrictEqual(g.get("hubble-relay-client-certs-cert").inputs.allowedUses.includes("client_auth"), true);
        assert.deepStrictEqual(g.get("hubble-server-certs-cert").inputs.allowedUses.includes("server_auth"), true);
    });

    it("no relay, no client certificate; no Hubble, no certificates at all", async () => {
        const local = await runProgram({ stack: "local" });
        assert.deepStrictEqual(local.ofType("kubernetes:core/v1:Secret").map(s => s.inputs.metadata.name), ["hubble-server-certs"]);
        const off = await runProgram({ stack: "local", overrides: { hubbleEnabled: false } });
        assert.deepStrictEqual(off.ofType("kubernetes:core/v1:Secret").length + off.resources.filter(r => r.type.startsWith("tls:") && r.name.startsWith("hubble")).length, 0);
    });
});
