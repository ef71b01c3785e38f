/**
 * Pure decisions of the Hetzner cloud parts: which parts run, the k3s flags they need, and the Helm values of the
 * hcloud cloud controller manager (CCM) and CSI driver charts. Facts are from the charts as released (chart/ of
 * github.com/hetznercloud/hcloud-cloud-controller-manager tag v1.35.0, commit cfbbbd9d, and github.com/hetznercloud/
 * csi-driver tag v2.22.1, commit 3186e787) and the CCM source at v1.35.0 (internal/config/config.go,
 * internal/config/load_balancer_envs.go).
 */
import { ClusterConfig } from "../config";
import { NodeRole } from "../nodes/contract";

export type HelmValues = Record<string, unknown>;

/** Which parts run: only on Hetzner, each opt-out by its config key. */
export function hetznerCloudParts(config: ClusterConfig): { cloudController: boolean; csiDriver: boolean } {
    const hetzner = config.provider === "hetzner";
    return { cloudController: hetzner && config.hetzner.cloudController, csiDriver: hetzner && config.hetzner.csiDriver };
}

/**
 * The Secret both charts read: the CCM chart's env default `HCLOUD_TOKEN` ← secretKeyRef `hcloud`/`token`, and
 * `networking.network` ← `hcloud`/`network` (chart values.yaml); the CSI chart's `controller.hcloudToken.
 * existingSecret` defaults to the same `hcloud`/`token`.
 */
export const HCLOUD_SECRET = Object.freeze({ name: "hcloud", namespace: "kube-system", tokenKey: "token", networkKey: "network" });

/** Set by the kubelet with `cloud-provider=external` at registration, removed by the CCM once it initialised the node. */
export const UNINITIALIZED_TAINT = "node.cloudprovider.kubernetes.io/uninitialized";
/** The node lifecycle controller's taint while a node is NotReady (here: until Cilium runs on it). */
export const NOT_READY_TAINT = "node.kubernetes.io/not-ready";

/** The default StorageClass the CSI chart creates (values.yaml `storageClasses[0].name`). */
export const STORAGE_CLASS = "hcloud-volumes";

/**
 * The k3s flags the cloud parts need, added to a node's config.yaml (called from components/k3s/config.ts).
 * - CCM: servers `disable-cloud-controller: true` (k3s' own CCM would otherwise initialise the nodes with a
 *   `k3s://` providerID); every node `kubelet-arg: cloud-provider=external`, so each kubelet registers with the
 *   uninitialised taint and waits for the hcloud CCM. `disable-cloud-controller` is a flag of `k3s server` only and
 *   `kubelet-arg` of both subcommands (k3s-io/k3s pkg/cli/cmds/server.go `ServerFlags`; pkg/cli/cmds/agent.go
 *   `ExtraKubeletArgs` "kubelet-arg" in NewAgentCommand's Flags, read at commit 00cc29ba) — k3s agent exits on a
 *   flag it does not define, so the server flag never reaches an agent.
 * - CSI: servers also `disable: local-storage`, so hcloud-volumes is the only default StorageClass (k3s' `disable`
 *   "Do not deploy packaged components and delete any deployed components", server.go).
 */
export function cloudProviderK3sFlags(config: ClusterConfig, role: NodeRole, nodeConfig: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const parts = hetznerCloudParts(config);
    const out: Record<string, unknown> = { ...nodeConfig };
    if (parts.cloudController) {
        if (role === "server") out["disable-cloud-controller"] = true;
        out["kubelet-arg"] = [...((nodeConfig["kubelet-arg"] as string[] | undefined) ?? []), "cloud-provider=external"];
    }
    if (parts.csiDriver && role === "server") {
        out.disable = [...((nodeConfig.disable as string[] | undefined) ?? []), "local-storage"];
    }
    return out;
}

/** Where the CCM reaches the API without the CNI: the control-plane endpoint (as Cilium's k8sServiceHost). */
export interface ApiEndpoint {
    serviceHost: string;
    port: number;
}

/**
 * hcloud-cloud-controller-manager values. Why each one:
 * - `networking.enabled` sets `HCLOUD_NETWORK` (from the Secret's `network` key) so node InternalIPs are the private
 *   addresses and load balancers attach to the network, and `hostNetwork: true` (templates/deployment.yaml): the CCM
 *   runs before any CNI. `clusterCIDR` feeds `--cluster-cidr`, which the chart always adds with networking.
 * - `KUBERNETES_SERVICE_HOST/PORT`: without kube-proxy (Cilium replaces it) the API's service IP answers only once
 *   Cilium runs; the endpoint address works from the host network at once. Explicit container env wins over the
 *   kubelet's injected service variables, which is how Cilium's own k8sServiceHost works.
 * - toleration of `node.kubernetes.io/not-ready:NoSchedule`: the chart tolerates the uninitialised taint and
 *   not-ready NoExecute, not the NoSchedule taint a node carries until its CNI is up; with it the CCM needs nothing
 *   from Cilium and the two start in parallel (no order can deadlock).
 * - `HCLOUD_NETWORK_ROUTES_ENABLED=false`: Cilium tunnels pod traffic, so Hetzner network routes for pod CIDRs are
 *   not used (the route controller is on by default with a network, config.go; Routes() returns false when off).
 * - Load balancer defaults (internal/config/load_balancer_envs.go): `HCLOUD_LOAD_BALANCERS_LOCATION` = the cluster's
 *   location (mutually exclusive with `…_NETWORK_ZONE`, Validate()), `HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP=true`
 *   (targets over the private network): a plain `type: LoadBalancer` Service, and so every Cilium Gateway, gets a
 *   Hetzner load balancer with a public address and no annotations.
 * - `HCLOUD_INSTANCES_ADDRESS_FAMILY=dualstack` with ipv6: the kubelet's dual-stack node-ip (private v4, public v6)
 *   must be among the addresses the CCM reports, and it reports the public IPv6 only for dualstack/ipv6
 *   (hcloud/instances.go); default ipv4.
 * - two replicas (leader election, which the chart turns on above one replica) with an HA control plane.
 */
export function ccmValues(config: ClusterConfig, endpoint: ApiEndpoint): HelmValues {
    return {
        replicaCount: config.nodes.controlPlaneCount > 1 ? 2 : 1,
        networking: { enabled: true, clusterCIDR: config.network.podCidr },
        env: {
            KUBERNETES_SERVICE_HOST: { value: endpoint.serviceHost },
            KUBERNETES_SERVICE_PORT: { value: String(endpoint.port) },
            HCLOUD_NETWORK_ROUTES_ENABLED: { value: "false" },
            HCLOUD_LOAD_BALANCERS_LOCATION: { value: config.hetzner.location },
            HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: { value: "true" },
            HCLOUD_INSTANCES_ADDRESS_FAMILY: { value: config.network.ipv6 ? "dualstack" : "ipv4" },
        },
        additionalTolerations: [{ key: NOT_READY_TAINT, operator: "Exists", effect: "NoSchedule" }],
    };
}

/**
 * pulumi-kubernetes' await bound of a Deployment and of a DaemonSet without a `pulumi.com/timeoutSeconds` annotation:
 * 10 min each (pulumi/pulumi-kubernetes provider/pkg/await/deployment.go `DefaultDeploymentTimeoutMins = 10`,
 * daemonset.go `_defaultDaemonSetTimeout = 10 * time.Minute`; the annotation is read by metadata/overrides.go
 * `TimeoutDuration`). Read at commit 94977969, which is main after v4.32.0 (`git describe`: v4.32.0-27), not the
 * 4.34.2 this program pins: the source mirror available here has no v4.33/v4.34 tags. Cilium's chart keeps it.
 */
export const PULUMI_KUBERNETES_DEFAULT_AWAIT_SECONDS = 10 * 60;

/**
 * How long pulumi-kubernetes awaits the CSI chart's Deployment and DaemonSet (its `pulumi.com/timeoutSeconds`
 * annotation, instead of PULUMI_KUBERNETES_DEFAULT_AWAIT_SECONDS). The chart is applied beside Cilium's, once every
 * node is registered (components/hetzner-cloud), so its pods may exist before any node is Ready, and that is safe
 * because every step waits and none fails:
 * - a helm.v4.Chart finishes only when its children are created and awaited (the provider's Construct returns after
 *   `ctx.wait()`, pulumi/pulumi sdk/go/pulumi/provider.go `construct`), and neither await fails early on pending or
 *   not-yet-started pods: the Deployment awaiter leaves its loop only on success, timeout or cancellation
 *   (deployment.go `await`), the DaemonSet awaiter until kstatus reports Current or the timeout (daemonset.go
 *   `rolloutComplete` → kstatus `status.Compute`, in the provider since 4.12.0, pulumi/pulumi-kubernetes#2953; same
 *   commit 94977969 as above);
 * - the controller tolerates neither `not-ready` nor the uninitialised taint (chart templates/controller/
 *   deployment.yaml), so the scheduler places it once Cilium and the CCM have made a node Ready and initialised;
 * - the node plugin tolerates every NoSchedule/NoExecute taint (templates/node/daemonset.yaml) and runs on the pod
 *   network, so it is placed at once and its sandbox waits for Cilium's CNI: the kubelet retries a pod whose sync
 *   failed with "network is not ready" after ~1 s (kubernetes/kubernetes pkg/kubelet/pod_workers.go `completeWork`:
 *   `backOffOnTransientErrorPeriod`, jitter 0.5), not after the 10 s of other errors; image pulls follow the sandbox.
 * So the await ends shortly after Cilium is Ready on every node. Its bound must outlast Cilium's own: the Cilium
 * chart's agents get the provider default (no annotation), and Cilium may still be rolling out on every node when
 * the CSI await starts; 5 more minutes cover the CSI's own pulls after it. Past it, `up` fails on the CSI await and
 * the next `up` awaits again. `commonAnnotations` reach the objects' metadata, never a pod template (chart
 * templates; test/hetzner-cloud.test.ts renders the chart with and without them), so on a running cluster adding it
 * restarts no pod.
 */
export const CSI_AWAIT_TIMEOUT_SECONDS = PULUMI_KUBERNETES_DEFAULT_AWAIT_SECONDS + 5 * 60;

/**
 * hcloud-csi values: the token from the shared Secret (the chart default, stated so a chart change cannot move it),
 * volumes created in the cluster's location and labelled with the cluster (so a leftover volume is attributable),
 * and one default StorageClass with reclaimPolicy Delete (deleting a PVC deletes the Hetzner volume; the destroy
 * cleanup relies on it). `commonAnnotations`: the await bound, see CSI_AWAIT_TIMEOUT_SECONDS.
 */
export function csiValues(config: ClusterConfig): HelmValues {
    return {
        commonAnnotations: { "pulumi.com/timeoutSeconds": String(CSI_AWAIT_TIMEOUT_SECONDS) },
        controller: {
            hcloudToken: { existingSecret: { name: HCLOUD_SECRET.name, key: HCLOUD_SECRET.tokenKey } },
            hcloudVolumeDefaultLocation: config.hetzner.location,
            volumeExtraLabels: { cluster: config.clusterName },
        },
        storageClasses: [{ name: STORAGE_CLASS, defaultStorageClass: true, reclaimPolicy: "Delete" }],
    };
}
