/** The real Cilium chart, rendered with helm, parsed for assertions. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { artifact, ARTIFACTS, CACHE, helmTemplate } from "./upstream";

export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    [k: string]: any;
}

export async function renderCilium(values: unknown): Promise<K8sObject[]> {
    const chart = await artifact(ARTIFACTS.ciliumChart);
    return YAML.parseAllDocuments(helmTemplate(chart, values)).map(d => d.toJS()).filter(Boolean) as K8sObject[];
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
    return objects.find(o => o.kind === kind && o.metadata.name === name);
}

/** values.schema.json from inside the chart package (extracted once into .cache). */
export async function chartSchema(): Promise<object> {
    const chart = await artifact(ARTIFACTS.ciliumChart);
    const dir = path.join(CACHE, "chart-cilium-1.18.4");
    const file = path.join(dir, "cilium", "values.schema.json");
    if (!fs.existsSync(file)) {
        fs.mkdirSync(dir, { recursive: true });
        execFileSync("tar", ["-xzf", chart, "-C", dir, "cilium/values.schema.json"]);
    }
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** What the program promises about the rendered chart; returns every mismatch (empty = as promised). */
export function renderedMismatches(objects: K8sObject[], expect: {
    serviceHost: string; servicePort: number; operatorReplicas: number; prodToggles: boolean; policyAuditMode: boolean;
    /** L2 announcements (never on Hetzner, see components/hetzner-cloud/rules.ts). */
    l2Announcements: boolean;
    /** cilium-config `mtu` (the chart leaves it out when MTU is 0 = auto-detect). */
    mtu?: number;
}): string[] {
    const problems: string[] = [];
    const cm = find(objects, "ConfigMap", "cilium-config");
    if (!cm) return ["no cilium-config ConfigMap"];
    const want: Record<string, string> = {
        "kube-proxy-replacement": "true",
        "routing-mode": "tunnel",
        "tunnel-protocol": "geneve",
        ipam: "kubernetes",
        "enable-bpf-masquerade": "true",
        "enable-gateway-api": "true",
        "enable-hubble": "true",
        "policy-audit-mode": String(expect.policyAuditMode),
        "enable-ipv6": String(expect.prodToggles),
    };
    for (const [k, v] of Object.entries(want)) {
        if (cm.data[k] !== v) problems.push(`cilium-config ${k} = ${JSON.stringify(cm.data[k])}, expected ${JSON.stringify(v)}`);
    }
    // The chart leaves these keys out when the feature is off: on means exactly "true".
    const toggles: [string, boolean][] = [
        ["enable-host-firewall", expect.prodToggles], ["enable-l2-announcements", expect.l2Announcements], ["enable-bgp-control-plane", expect.prodToggles],
    ];
    for (const [k, on] of toggles) {
        if ((cm.data[k] === "true") !== on) {
            problems.push(`cilium-config ${k} = ${JSON.stringify(cm.data[k])}, expected ${on ? "\"true\"" : "off"}`);
        }
    }
    const mtu = expect.mtu === undefined ? undefined : String(expect.mtu);
    if (cm.data.mtu !== mtu) problems.push(`cilium-config mtu = ${JSON.stringify(cm.data.mtu)}, expected ${mtu === undefined ? "absent (auto-detect)" : JSON.stringify(mtu)}`);
    const agent = find(objects, "DaemonSet", "cilium");
    const env = (agent?.spec.template.spec.containers[0].env ?? []) as { name: string; value?: string }[];
    const host = env.find(e => e.name === "KUBERNETES_SERVICE_HOST")?.value;
    const port = env.find(e => e.name === "KUBERNETES_SERVICE_PORT")?.value;
    if (host !== expect.serviceHost) problems.push(`agent KUBERNETES_SERVICE_HOST = ${host}, expected ${expect.serviceHost}`);
    if (port !== String(expect.servicePort)) problems.push(`agent KUBERNETES_SERVICE_PORT = ${port}, expected ${expect.servicePort}`);
    const operator = find(objects, "Deployment", "cilium-operator");
    if (operator?.spec.replicas !== expect.operatorReplicas) problems.push(`operator replicas = ${operator?.spec.replicas}, expected ${expect.operatorReplicas}`);
    for (const name of ["hubble-relay", "hubble-ui"]) {
        const present = !!find(objects, "Deployment", name);
        if (present !== expect.prodToggles) problems.push(`${name} Deployment ${present ? "present" : "absent"}`);
    }
    return problems;
}

/** kind + namespace + name, the identity the API server resolves a reference by. */
export interface ObjectRef { kind: "Secret" | "ConfigMap" | "ServiceAccount"; namespace: string; name: string }
export interface WorkloadReference extends ObjectRef { workload: string; via: string }

const refKey = (r: ObjectRef) => `${r.kind} ${r.namespace}/${r.name}`;

/**
 * What helm.v4.Chart applies of a `helm template` output: everything except Helm hooks. The provider renders with
 * `cmd.DisableHooks = true` (pulumi/pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go @0ea14f02), so an
 * object annotated `helm.sh/hook` is never created (pulumi-kubernetes#3284).
 */
export function helmV4Applied(objects: K8sObject[]): K8sObject[] {
    return objects.filter(o => !(o.metadata as { annotations?: Record<string, string> }).annotations?.["helm.sh/hook"]);
}

/**
 * The Secrets, ConfigMaps and ServiceAccounts each Deployment/DaemonSet/StatefulSet needs to start: volumes
 * (secret, configMap, projected sources) without `optional: true`, envFrom and env valueFrom refs without
 * `optional: true`, and serviceAccountName. A missing one keeps the pod in ContainerCreating / the controller
 * from creating pods, so the provider's await on the workload times out.
 */
export function workloadReferences(objects: K8sObject[], defaultNamespace = "kube-system"): WorkloadReference[] {
    const out: WorkloadReference[] = [];
    for (const o of objects.filter(x => ["Deployment", "DaemonSet", "StatefulSet"].includes(x.kind))) {
        const workload = `${o.kind} ${o.metadata.name}`;
        const namespace = o.metadata.namespace ?? defaultNamespace;
        const pod = o.spec.template.spec;
        const add = (kind: ObjectRef["kind"], name: string, via: string, optional?: boolean) => {
            if (!optional) out.push({ workload, kind, namespace, name, via });
        };
        add("ServiceAccount", pod.serviceAccountName ?? pod.serviceAccount ?? "default", "serviceAccountName");
        for (const v of pod.volumes ?? []) {
            if (v.secret) add("Secret", v.secret.secretName, `volume ${v.name}`, v.secret.optional);
            if (v.configMap) add("ConfigMap", v.configMap.name, `volume ${v.name}`, v.configMap.optional);
            for (const s of v.projected?.sources ?? []) {
                if (s.secret) add("Secret", s.secret.name, `projected volume ${v.name}`, s.secret.optional);
                if (s.configMap) add("ConfigMap", s.configMap.name, `projected volume ${v.name}`, s.configMap.optional);
            }
        }
        for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
            for (const e of c.envFrom ?? []) {
                if (e.secretRef) add("Secret", e.secretRef.name, `container ${c.name} envFrom`, e.secretRef.optional);
                if (e.configMapRef) add("ConfigMap", e.configMapRef.name, `container ${c.name} envFrom`, e.configMapRef.optional);
            }
            for (const e of c.env ?? []) {
                const s = e.valueFrom?.secretKeyRef, m = e.valueFrom?.configMapKeyRef;
                if (s) add("Secret", s.name, `container ${c.name} env ${e.name}`, s.optional);
                if (m) add("ConfigMap", m.name, `container ${c.name} env ${e.name}`, m.optional);
            }
        }
    }
    return out;
}

/**
 * Every non-optional reference that neither the applied chart objects nor `provided` (objects the program creates
 * before the chart) satisfy, one line each. "default" ServiceAccounts exist in every namespace.
 */
export function unmetReferences(applied: K8sObject[], provided: ObjectRef[], defaultNamespace = "kube-system"): string[] {
    const have = new Set([
        ...applied.map(o => refKey({ kind: o.kind as ObjectRef["kind"], namespace: o.metadata.namespace ?? defaultNamespace, name: o.metadata.name })),
        ...provided.map(refKey),
    ]);
    return workloadReferences(applied, defaultNamespace)
        .filter(r => !(r.kind === "ServiceAccount" && r.name === "default") && !have.has(refKey(r)))
        .map(r => `${r.workload} needs ${refKey(r)} (${r.via}): not applied by helm.v4.Chart and not created by the program before the chart`);
}
