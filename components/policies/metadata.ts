import { ClusterConfig, HCLOUD_CSI_CHART } from "../config";
import { hetznerCloudParts } from "../hetzner-cloud/values";
import type { BaselinePolicy } from "./baseline";

/**
 * The cloud metadata service. Hetzner serves each server's user data there without authentication
 * (`/hetzner/v1/userdata`: cloud-init's Hetzner datasource; hcloud-go `hcloud/metadata/client.go` `Endpoint =
 * "http://169.254.169.254/hetzner/v1/metadata"`), and a pod's traffic leaves masqueraded as its node, so a pod reads its
 * node's user data: the node's private SSH host key, and on agents the k3s agent token.
 */
export const CLOUD_METADATA_CIDR = "169.254.169.254/32";

/** Cilium's label for a pod's namespace; a pod label `k` is `k8s:k` to Cilium. */
const NAMESPACE_LABEL = "k8s:io.kubernetes.pod.namespace";

/** Pods that keep the metadata service, with why (from upstream source). */
export interface MetadataExemption {
    namespace: string;
    /** Pod labels (as in the pod template), all of which must match. */
    labels: Readonly<Record<string, string>>;
    why: string;
}

/**
 * The hcloud CSI node plugin reads its server ID (and, without HCLOUD_VOLUME_DEFAULT_LOCATION, its location) from
 * the metadata service at start-up and exits without it: `metadataClient.InstanceIDWithContext` → "failed to fetch
 * server ID from metadata service" (hetznercloud/csi-driver cmd/main.go `setup`, tag v2.22.1, commit 3186e787; no
 * environment override). It runs on the pod network (chart values.yaml `node.hostNetwork: false`,
 * templates/node/daemonset.yaml), so a deny would keep every node from mounting volumes. It is `privileged: true`
 * with the host's /dev and kubelet directories (same template): root on its node already, so the exemption gives it
 * nothing new. Its pod labels: chart `_common_labels.tpl` (`app.kubernetes.io/name` = the chart name) and
 * `app.kubernetes.io/component: node`.
 * Not exempt: the CSI controller (the program sets HCLOUD_VOLUME_DEFAULT_LOCATION, so `GetServerLocation` returns
 * before the metadata fallback, internal/app/app.go; its `IsHcloudServerWithContext` check only warns, after
 * hcloud-go's 5 s metadata timeout), the CCM (host network: chart templates/deployment.yaml `hostNetwork: true`, so
 * it is the node, not a pod endpoint), Cilium and k3s (host processes / host network).
 */
export const HCLOUD_CSI_NODE: MetadataExemption = Object.freeze({
    namespace: "kube-system",
    labels: Object.freeze({ "app.kubernetes.io/name": HCLOUD_CSI_CHART.chart, "app.kubernetes.io/component": "node" }),
    why: "the CSI node plugin reads its server ID there at start-up; privileged, root on its node anyway",
});

export function metadataExemptions(config: ClusterConfig): MetadataExemption[] {
    return hetznerCloudParts(config).csiDriver ? [HCLOUD_CSI_NODE] : [];
}

type Requirement = { key: string; operator: "In" | "NotIn"; values: string[] };
export interface EndpointSelector { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] }

/**
 * Endpoint selectors that together select every pod except those matching all of `exempt` (namespace and labels):
 * the i-th selects pods that match the first i-1 requirements and not the i-th. They are disjoint and cover exactly
 * the complement, because a `NotIn` requirement also matches a pod without that label (k8s.io/apimachinery
 * pkg/labels/selector.go `Requirement.Matches`; Cilium builds its EndpointSelector from those requirements,
 * cilium/cilium pkg/policy/api/selector.go `labelSelectorToRequirements`). One selector cannot say "not (a and b)":
 * its requirements are ANDed (CRD `matchExpressions`: "The requirements are ANDed").
 */
export function complementSelectors(exempt: MetadataExemption): { named: string; selector: EndpointSelector }[] {
    const requirements: [string, string][] = [
        [NAMESPACE_LABEL, exempt.namespace],
        ...Object.entries(exempt.labels).map(([k, v]) => [`k8s:${k}`, v] as [string, string]),
    ];
    return requirements.map(([key, value], i) => {
        const before = requirements.slice(0, i);
        return {
            named: i === 0 ? "" : before[i - 1][1],
            selector: {
                ...(before.length ? { matchLabels: Object.fromEntries(before) } : {}),
                matchExpressions: [{ key, operator: "NotIn", values: [value] }],
            },
        };
    });
}

/**
 * Pod egress to the metadata service is denied (every port and protocol), on every stack: where nothing answers it
 * costs nothing, and the set stays the same across providers. `egressDeny` wins over every allow, ep-default's
 * `toEntities: all` included (cilium/cilium bpf/lib/policy.h @010e7c21, `__policy_can_access`: "Deny policy, if any,
 * is selected"). `enableDefaultDeny` false: this policy puts no endpoint into default deny (CRD: "If not
 * specified, the default is true for each traffic direction that has rules").
 * Audit mode: Cilium turns every policy drop, deny included, into an allow (policy.h `policy_can_egress`: under
 * POLICY_AUDIT_MODE `if (IS_ERR(ret)) { ret = CTX_ACT_OK; *audited = 1; }`; docs gettingstarted/policy-creation.rst
 * "When Policy Audit Mode is enabled, no network policy is enforced"). So this closes the hole only once enforcing;
 * in audit mode it only marks the flows (Hubble verdict AUDIT). Nothing on the node stands in for it: with kernel
 * ≥ 5.10, kube-proxy replacement and eBPF masquerade (this datapath) Cilium uses eBPF host routing, which "fully
 * bypass[es] iptables and the upper host stack" (docs.cilium.io operations/performance/tuning, "eBPF Host-Routing").
 */
export function metadataDenyPolicies(config: ClusterConfig): BaselinePolicy[] {
    const rule = { egressDeny: [{ toCIDR: [CLOUD_METADATA_CIDR] }], enableDefaultDeny: { egress: false, ingress: false } };
    const what = `may not reach the cloud metadata service ${CLOUD_METADATA_CIDR} (Hetzner user data: SSH host key, agent token); dropped only when enforcing`;
    const exemptions = metadataExemptions(config);
    if (exemptions.length === 0) {
        return [{ name: "deny-cloud-metadata", tier: "endpoint-defaults", purpose: `pods ${what}`, spec: { endpointSelector: {}, ...rule } }];
    }
    if (exemptions.length > 1) throw new Error("metadataDenyPolicies: one exemption is supported");
    const [exempt] = exemptions;
    const who = Object.entries(exempt.labels).map(([k, v]) => `${k}=${v}`).join(",");
    return complementSelectors(exempt).map(({ named, selector }) => ({
        name: named ? `deny-cloud-metadata-${named}` : "deny-cloud-metadata",
        tier: "endpoint-defaults" as const,
        purpose: `pods with ${describeSelector(selector)} ${what}. Exempt: ${exempt.namespace} pods ${who} (${exempt.why})`,
        spec: { endpointSelector: selector, ...rule },
    }));
}

function describeSelector(s: EndpointSelector): string {
    const is = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    const not = (s.matchExpressions ?? []).map(r => `${r.key}!=${r.values.join("|")}`);
    return [...is, ...not].join(", ");
}
