/**
 * After an ephemeral cluster is destroyed: asks the Hetzner Cloud API for anything still labelled with the cluster —
 * the program's servers, network, firewall, placement groups, SSH key and API load balancer carry `cluster=<name>`
 * (components/nodes/hetzner.ts labelsFor), and so do the CSI driver's volumes (components/hetzner-cloud/values.ts
 * volumeExtraLabels). Load balancers the cloud controller created carry only `hcloud-ccm/service-uid`; they are
 * attached to the cluster's network, whose deletion fails while one is left, so a completed destroy already rules
 * them out.
 */
export const LABELLED_KINDS = ["servers", "networks", "load_balancers", "volumes", "firewalls", "placement_groups", "ssh_keys"] as const;

export const HCLOUD_API = "https://api.hetzner.cloud/v1";

export type Fetch = (url: string, init: { headers: Record<string, string> }) => Promise<{ ok: boolean; status: number; json(): Promise<any> }>;

/** One line per leftover ("volumes pvc-1a2b (id 123)"); throws when the API cannot be asked. */
export async function hetznerLeftovers(clusterName: string, token: string, fetchFn: Fetch): Promise<string[]> {
    const selector = encodeURIComponent(`cluster=${clusterName}`);
    const found: string[] = [];
    for (const kind of LABELLED_KINDS) {
        // GET /v1/<kind>?label_selector=… lists resources of the project with that label (Hetzner Cloud API, "Label selector").
        const res = await fetchFn(`${HCLOUD_API}/${kind}?label_selector=${selector}&per_page=50`, { headers: { Authorization: `Bearer ${token}` } });
        if (!res.ok) throw new Error(`Hetzner API ${kind}: HTTP ${res.status}`);
        const body = await res.json();
        for (const r of (body[kind] ?? []) as { id: number; name?: string }[]) found.push(`${kind} ${r.name ?? ""} (id ${r.id})`.replace("  ", " "));
    }
    return found;
}
