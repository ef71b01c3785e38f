/**
 * The real Hetzner charts (test data in ../shared/upstream/hetzner, see its README), rendered with helm, and the
 * Kubernetes taint/toleration rule used to check the bootstrap order against them.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { K8sObject } from "./chart";
import { artifact, Artifact, CACHE, helmTemplate } from "./upstream";

/**
 * `helm package` of the charts at their release tags (provenance in ../shared/upstream/README.md). Their bytes
 * differ from the official repository's packages (packaging time), so the download fallback of `artifact()` fails
 * its SHA-256 check by design: these tests need ../shared/upstream or the env var; nobody pins a digest we cannot
 * verify here.
 */
export const HETZNER_CHARTS = {
    ccm: {
        path: "hetzner/hcloud-cloud-controller-manager/1.35.0/hcloud-cloud-controller-manager-1.35.0.tgz", env: "HCLOUD_CCM_CHART",
        sha256: "b6e66dd5960fbfdb8fa43581f70469f307cc6dd1edca2be6e02f8b20f8d4175b",
        url: "https://charts.hetzner.cloud/hcloud-cloud-controller-manager-1.35.0.tgz",
    },
    csi: {
        path: "hetzner/hcloud-csi/2.22.1/hcloud-csi-2.22.1.tgz", env: "HCLOUD_CSI_CHART",
        sha256: "ed201918c7d59f26363b030cfc2a15ca2e43b6caf53f6cef7f954beb89b07b30",
        url: "https://charts.hetzner.cloud/hcloud-csi-2.22.1.tgz",
    },
} satisfies Record<string, Artifact>;

/** Rendered as helm.v4.Chart releases it: release name = the Chart's `name` input (components/hetzner-cloud). */
export async function renderHetznerChart(which: keyof typeof HETZNER_CHARTS, values: unknown, releaseName: string): Promise<K8sObject[]> {
    const chart = await artifact(HETZNER_CHARTS[which]);
    return YAML.parseAllDocuments(helmTemplate(chart, values, { releaseName })).map(d => d.toJS()).filter(Boolean) as K8sObject[];
}

/** A file from inside a chart package (extracted once into .cache). */
export async function chartFile(which: keyof typeof HETZNER_CHARTS, file: string): Promise<string> {
    const a = HETZNER_CHARTS[which];
    const tgz = await artifact(a);
    const dir = path.join(CACHE, `chart-${path.basename(a.path, ".tgz")}`);
    const top = path.basename(path.dirname(path.dirname(a.path)));
    const target = path.join(dir, top, file);
    if (!fs.existsSync(target)) {
        fs.mkdirSync(dir, { recursive: true });
        execFileSync("tar", ["-xzf", tgz, "-C", dir, `${top}/${file}`]);
    }
    return fs.readFileSync(target, "utf8");
}

export interface Taint { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }
export interface Toleration { key?: string; operator?: "Exists" | "Equal"; value?: string; effect?: string }

/**
 * Kubernetes' rule (k8s.io/api core/v1 toleration.go `ToleratesTaint`): an empty effect matches every effect; an
 * empty key with operator Exists matches every key; operator Exists ignores the value; Equal (the default) needs
 * the same value.
 */
export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
    return tolerations.some(t => {
        if (t.effect && t.effect !== taint.effect) return false;
        if (t.key && t.key !== taint.key) return false;
        if (!t.key && t.operator !== "Exists") return false;
        return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
    });
}

/** The taints a fresh node carries here before the CCM and the CNI run. */
export const FRESH_NODE_TAINTS: Taint[] = [
    { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" },
    { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
];

export function podSpec(o: K8sObject | undefined): any {
    if (!o) throw new Error("workload not rendered");
    return o.spec.template.spec;
}

export function envOf(container: { env?: { name: string; value?: string; valueFrom?: unknown }[] }): Record<string, unknown> {
    return Object.fromEntries((container.env ?? []).map(e => [e.name, e.value ?? e.valueFrom]));
}
