/**
 * Pods may not read the cloud metadata service (Hetzner user data: SSH host keys, the agent token). The deny
 * policies are applied on every stack, validate against the real CCNP CRD, exempt exactly the pods of the real
 * hcloud-csi chart that need the service, and cover every other pod exactly once.
 */
import * as assert from "assert";
import { Graph, runProgram, stackConfig } from "./harness";
import { artifact, ARTIFACTS } from "./upstream";
import { crdValidator } from "./crd-schema";
import { find, helmV4Applied, K8sObject } from "./chart";
import { envOf, podSpec, renderHetznerChart } from "./hetzner-charts";
import { validateConfig, ClusterConfig } from "../components/config";
import { baselinePolicies, CLOUD_METADATA_CIDR, EndpointSelector, HCLOUD_CSI_NODE, metadataExemptions } from "../components/policies";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

const denies = (c: ClusterConfig) => baselinePolicies(c).filter(p => p.name.startsWith("deny-cloud-metadata"));

/** A pod as Cilium labels it: `k8s:<label>` for each pod label, plus its namespace. */
function ciliumLabels(namespace: string, labels: Record<string, string>): Map<string, string> {
    return new Map([["k8s:io.kubernetes.pod.namespace", namespace], ...Object.entries(labels).map(([k, v]) => [`k8s:${k}`, v] as [string, string])]);
}

/** k8s.io/apimachinery pkg/labels/selector.go Requirement.Matches (In needs the key; NotIn matches without it), ANDed. */
function selects(sel: EndpointSelector, pod: Map<string, string>): boolean {
    const labelsOk = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => pod.get(k) === v);
    const exprOk = (sel.matchExpressions ?? []).every(r => {
        if (r.operator === "In") return pod.has(r.key) && r.values.includes(pod.get(r.key)!);
        return !pod.has(r.key) || !r.values.includes(pod.get(r.key)!);
    });
    return labelsOk && exprOk;
}

function denying(c: ClusterConfig, namespace: string, labels: Record<string, string>): string[] {
    const pod = ciliumLabels(namespace, labels);
    return denies(c).filter(p => selects(p.spec.endpointSelector as EndpointSelector, pod)).map(p => p.name);
}

describe("metadata deny: the policies in the applied set", () => {
    for (const stack of ["prod", "local"] as const) {
        it(`${stack}: every deny policy is a CCNP in the endpoint-defaults tier, denies ${CLOUD_METADATA_CIDR} and is in place before enforcement`, async () => {
            const g: Graph = await runProgram({ stack });
            const c = config(stack);
            const expected = stack === "prod"
                ? ["deny-cloud-metadata", "deny-cloud-metadata-kube-system", "deny-cloud-metadata-hcloud-csi"]
                : ["deny-cloud-metadata"];
            const applied = g.ofType("kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy").filter(r => r.inputs.metadata.name.startsWith("deny-"));
            assert.deepStrictEqual(applied.map(r => r.inputs.metadata.name), expected);
            const enforcement = g.get("policy-enforcement");
            const epDefault = g.get("ccnp-ep-default");
            for (const r of applied) {
                assert.strictEqual(r.inputs.metadata.labels["k3s-cilium.io/tier"], "endpoint-defaults");
                assert.deepStrictEqual(r.inputs.spec.egressDeny, [{ toCIDR: ["169.254.169.254/32"] }]);
                assert.deepStrictEqual(r.inputs.spec.enableDefaultDeny, { egress: false, ingress: false }, "a deny must not put pods into default deny");
                assert.ok(!("egress" in r.inputs.spec) && !("ingress" in r.inputs.spec), "the deny allows nothing");
                assert.ok(g.dependsOn(enforcement, r), `enforcement waits for ${r.name}`);
                assert.ok(!g.dependsOn(r, epDefault) && !g.dependsOn(epDefault, r), "same tier as ep-default: applied beside it");
            }
            assert.strictEqual(denies(c).length, expected.length);
        });
    }

    it("the exemption exists only where the CSI driver runs", () => {
        assert.deepStrictEqual(metadataExemptions(config("prod")), [HCLOUD_CSI_NODE]);
        assert.deepStrictEqual(metadataExemptions(config("prod", { hcloudCsiDriver: false })), []);
        assert.deepStrictEqual(metadataExemptions(config("local")), []);
        assert.deepStrictEqual(denies(config("prod", { hcloudCsiDriver: false })).map(p => p.spec.endpointSelector), [{}]);
    });
});

describe("metadata deny: valid against the real CCNP CRD schema", () => {
    let schema: ReturnType<typeof crdValidator>;
    before(async () => { schema = crdValidator(await artifact(ARTIFACTS.ccnpCrd), "v2"); });

    for (const [label, stack, overrides] of [["prod", "prod", {}], ["prod without CSI", "prod", { hcloudCsiDriver: false }], ["local", "local", {}]] as const) {
        it(label, () => {
            const set = denies(config(stack, overrides));
            assert.ok(set.length >= 1);
            for (const p of set) {
                assert.ok(schema.validate({ apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name: p.name }, spec: p.spec }), `${p.name}:\n${schema.errors()}`);
            }
        });
    }

    it("the schema refuses what the policy must not be: a CIDR string instead of a list, an unknown operator", () => {
        const bad: [Record<string, unknown>, RegExp][] = [
            [{ endpointSelector: {}, egressDeny: [{ toCIDR: CLOUD_METADATA_CIDR }] }, /toCIDR must be array/],
            [{ endpointSelector: { matchExpressions: [{ key: "k8s:a", operator: "NotEquals", values: ["b"] }] }, egressDeny: [{ toCIDR: [CLOUD_METADATA_CIDR] }] }, /operator must be equal to one of the allowed values/],
        ];
        for (const [spec, message] of bad) {
            assert.strictEqual(schema.validate({ apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name: "x" }, spec }), false);
            assert.match(schema.errors(), message);
        }
    });
});

describe("metadata deny: who is covered (label-selector semantics)", () => {
    const prod = config("prod");
    const SAMPLES: [string, Record<string, string>][] = [
        ["default", { app: "shop" }],
        ["default", { "app.kubernetes.io/name": "hcloud-csi", "app.kubernetes.io/component": "node" }], // forged labels outside kube-system
        ["kube-system", { "k8s-app": "kube-dns" }],
        ["kube-system", {}],
        ["kube-system", { "app.kubernetes.io/name": "hcloud-csi", "app.kubernetes.io/component": "controller" }],
        ["kube-system", { "app.kubernetes.io/name": "hcloud-csi" }],
        ["kube-system", { "app.kubernetes.io/component": "node" }],
        ["monitoring", { "app.kubernetes.io/component": "node" }],
    ];
    for (const [ns, labels] of SAMPLES) {
        it(`${ns} ${JSON.stringify(labels)}: denied by exactly one policy (prod), and by the one policy on local`, () => {
            assert.strictEqual(denying(prod, ns, labels).length, 1, denying(prod, ns, labels).join(", "));
            assert.deepStrictEqual(denying(config("local"), ns, labels), ["deny-cloud-metadata"]);
        });
    }
    it("only the exempt pod is denied by none", () => {
        assert.deepStrictEqual(denying(prod, "kube-system", { ...HCLOUD_CSI_NODE.labels, extra: "x" }), []);
        assert.deepStrictEqual(denying(config("prod", { hcloudCsiDriver: false }), "kube-system", { ...HCLOUD_CSI_NODE.labels }), ["deny-cloud-metadata"]);
    });
});

describe("metadata deny: the exemption matches the real hcloud charts' pods", function () {
    this.timeout(180000);
    let g: Graph;
    let csi: K8sObject[];
    let ccm: K8sObject[];
    before(async () => {
        g = await runProgram({ stack: "prod" });
        const chart = (name: string) => g.get(name, "kubernetes:helm.sh/v4:Chart").inputs;
        const csiChart = chart("hcloud-csi");
        csi = helmV4Applied(await renderHetznerChart("csi", csiChart.values, csiChart.name));
        const ccmChart = chart("hcloud-cloud-controller-manager");
        ccm = helmV4Applied(await renderHetznerChart("ccm", ccmChart.values, ccmChart.name));
    });
    const namespaceOf = (name: string) => g.get(name, "kubernetes:helm.sh/v4:Chart").inputs.namespace as string;

    it("the CSI node plugin runs on the pod network (so it needs the exemption) and is exempt; it is privileged", () => {
        const ds = find(csi, "DaemonSet", "hcloud-csi-node");
        const pod = podSpec(ds);
        assert.notStrictEqual(pod.hostNetwork, true, "on the host network it would need no exemption");
        assert.strictEqual(namespaceOf("hcloud-csi"), HCLOUD_CSI_NODE.namespace);
        assert.deepStrictEqual(denying(config("prod"), namespaceOf("hcloud-csi"), ds!.spec.template.metadata.labels), []);
        const driver = pod.containers.find((c: { name: string }) => c.name === "hcloud-csi-driver");
        assert.strictEqual(driver.securityContext.privileged, true);
    });

    it("the CSI controller is denied: it has its location from the environment, so it does not need the service", () => {
        const deploy = find(csi, "Deployment", "hcloud-csi-controller");
        const driver = podSpec(deploy).containers.find((c: { name: string }) => c.name === "hcloud-csi-driver");
        assert.strictEqual(envOf(driver).HCLOUD_VOLUME_DEFAULT_LOCATION, "fsn1");
        assert.deepStrictEqual(denying(config("prod"), namespaceOf("hcloud-csi"), deploy!.spec.template.metadata.labels), ["deny-cloud-metadata-hcloud-csi"]);
    });

    it("every other pod-network workload of both charts is denied; the CCM is on the host network (not a pod endpoint)", () => {
        const workloads = [...csi, ...ccm].filter(o => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind));
        assert.ok(workloads.length >= 3);
        for (const w of workloads) {
            const onPodNetwork = podSpec(w).hostNetwork !== true;
            const exempt = w.kind === "DaemonSet" && w.metadata.name === "hcloud-csi-node";
            const ns = w.metadata.namespace ?? "kube-system";
            if (onPodNetwork) assert.strictEqual(denying(config("prod"), ns, w.spec.template.metadata.labels).length, exempt ? 0 : 1, `${w.kind} ${w.metadata.name}`);
        }
        assert.strictEqual(podSpec(find(ccm, "Deployment", "hcloud-cloud-controller-manager")).hostNetwork, true);
    });
});
