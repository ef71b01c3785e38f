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
    for (const k of ["enable-host-firewall", "enable-l2-announcements", "enable-bgp-control-plane"]) {
        if ((cm.data[k] === "true") !== expect.prodToggles) {
            problems.push(`cilium-config ${k} = ${JSON.stringify(cm.data[k])}, expected ${expect.prodToggles ? "\"true\"" : "off"}`);
        }
    }
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
