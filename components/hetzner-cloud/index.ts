import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HCLOUD_CCM_CHART, HCLOUD_CSI_CHART, HCLOUD_HELM_REPO } from "../config";
import { ClusterNode } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { loadScript, scriptCommand } from "../shared/script";
import { ApiEndpoint, ccmValues, csiValues, HCLOUD_SECRET, hetznerCloudParts, HelmValues } from "./values";

export * from "./values";
export * from "./mtu";
export * from "./rules";

export interface HetznerCloudArgs {
    /** Validated config; provider must be "hetzner". */
    readonly config: ClusterConfig;
    /** Kubernetes provider of the k3s stage. */
    readonly provider: k8s.Provider;
    /** The destroy cleanup runs here over SSH; in-cluster objects are `deletedWith` its machine. */
    readonly firstServer: ClusterNode;
    /** Control-plane endpoint the CCM reaches the API on before any CNI (Cilium's k8sServiceHost/port). */
    readonly endpoint: ApiEndpoint;
    /** The API answers (k3s' /readyz gate). */
    readonly apiReady: pulumi.Resource;
    /** The Hetzner private network's id (the CCM's `HCLOUD_NETWORK`). */
    readonly networkId: pulumi.Input<string>;
    /** Hetzner API token (secret) for both controllers. */
    readonly hcloudToken: pulumi.Output<string>;
    /**
     * Every node's last provisioning step (K3sCluster.nodeReady: each server's and SSH-path agent's install, and
     * `<cluster>-agents-joined` for first-boot agents): each machine outlives the destroy cleanup, and the CSI chart
     * is applied only once every node is registered (see below).
     */
    readonly nodeSteps: readonly pulumi.Resource[];
    /** Seconds the destroy cleanup waits for load balancers and volumes to go. @default 600 */
    readonly cleanupTimeoutSeconds?: number;
}

const script = (name: string) => loadScript(__dirname, name);

/**
 * Hetzner cloud parts on a Hetzner cluster, each opt-out by config: the hcloud cloud controller manager (node
 * initialisation, Hetzner load balancers for LoadBalancer Services and Gateways) and the hcloud CSI driver (volumes,
 * default StorageClass), both from Hetzner's official pinned charts, reading one Secret the program creates; and a
 * destroy-time cleanup that removes the load balancers and volumes they created before any machine or the network
 * goes.
 *
 * Order: the CCM needs only the API (hostNetwork, explicit API endpoint, tolerates the not-ready and uninitialised
 * taints), so it starts beside Cilium — neither waits for the other. Cilium tolerates the uninitialised taint too
 * (agent: `operator: Exists`; operator: the taint listed in the 1.18.4 chart's `operator.tolerations`, restored in
 * 1.18.2 by cilium/cilium#41098 after 1.18.0/1.18.1 dropped it). The CSI driver goes beside Cilium too (not after
 * its rollout), after the Secret and the CCM: see `CSI_AWAIT_TIMEOUT_SECONDS` (values.ts) for why its pods may be
 * created before any node is Ready.
 *
 * The CSI chart also waits for every node to be registered (`args.nodeSteps`; registration only: agents-joined.sh
 * does not need Ready, which only Cilium gives). Its DaemonSet's await ends when kstatus says Current
 * (pulumi/pulumi-kubernetes provider/pkg/await/daemonset.go `rolloutComplete` → kstatus `status.Compute`, commit
 * 94977969), i.e. when a pod on every scheduled node is available, and the node plugin tolerates every taint
 * (hcloud-csi 2.22.1 chart templates/node/daemonset.yaml: NoExecute and NoSchedule `operator: Exists`), so each node
 * that joins during the await adds a pod that is Ready only after Cilium on that node and its pulls. Applied before
 * the agents joined, on a large stack the await would hold engine slots the agents' creates need while they queue, and
 * its bound (counted from the apply) would run down meanwhile; applied after, its node set is complete when it starts.
 * The Cilium chart's own DaemonSet await has the same exposure (it starts at API ready, before the agents join, with
 * the provider's 10 min default); it is not moved: Cilium is what makes nodes Ready, and behind agents-joined one
 * agent failing its first boot would keep the CNI off every node, servers included (README Performance).
 */
export class HetznerCloud extends pulumi.ComponentResource {
    readonly secret?: k8s.core.v1.Secret;
    readonly ccm?: k8s.helm.v4.Chart;
    readonly csi?: k8s.helm.v4.Chart;
    readonly ccmValues?: HelmValues;
    readonly csiValues?: HelmValues;
    /** Its `delete` removes the cloud resources the controllers created (see scripts/destroy-cleanup.sh). */
    readonly cleanup: command.remote.Command;

    constructor(name: string, args: HetznerCloudArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:hetzner-cloud:HetznerCloud", name, {}, opts);
        const { config, firstServer } = args;
        if (config.provider !== "hetzner") {
            throw new pulumi.ResourceError(`HetznerCloud needs provider hetzner, got ${config.provider}`, this);
        }
        const parent = this;
        const inCluster = { parent, provider: args.provider, deletedWith: firstServer.machine };
        const parts = hetznerCloudParts(config);
        const charts: pulumi.Resource[] = [];

        // The token Secret both charts read (undefined when neither runs).
        const secret = parts.cloudController || parts.csiDriver ? new k8s.core.v1.Secret(HCLOUD_SECRET.name, {
            metadata: { name: HCLOUD_SECRET.name, namespace: HCLOUD_SECRET.namespace },
            type: "Opaque",
            stringData: pulumi.secret(pulumi.all([args.hcloudToken, args.networkId]).apply(([token, network]) => ({
                [HCLOUD_SECRET.tokenKey]: token, [HCLOUD_SECRET.networkKey]: String(network),
            }))),
        }, { ...inCluster, dependsOn: [args.apiReady] }) : undefined;
        this.secret = secret;
        if (parts.cloudController) {
            this.ccmValues = ccmValues(config, args.endpoint);
            this.ccm = new k8s.helm.v4.Chart(HCLOUD_CCM_CHART.chart, {
                name: HCLOUD_CCM_CHART.chart, chart: HCLOUD_CCM_CHART.chart, version: HCLOUD_CCM_CHART.version,
                repositoryOpts: { repo: HCLOUD_HELM_REPO }, namespace: "kube-system", values: this.ccmValues,
            }, { ...inCluster, dependsOn: [args.apiReady, ...(secret ? [secret] : [])] });
            charts.push(this.ccm);
        }
        if (parts.csiDriver) {
            this.csiValues = csiValues(config);
            this.csi = new k8s.helm.v4.Chart(HCLOUD_CSI_CHART.chart, {
                name: HCLOUD_CSI_CHART.chart, chart: HCLOUD_CSI_CHART.chart, version: HCLOUD_CSI_CHART.version,
                repositoryOpts: { repo: HCLOUD_HELM_REPO }, namespace: "kube-system", values: this.csiValues,
            }, { ...inCluster, dependsOn: [args.apiReady, ...(secret ? [secret] : []), ...(this.ccm ? [this.ccm] : []), ...args.nodeSteps] });
            charts.push(this.csi);
        }

        // Exists on every Hetzner cluster whatever the opt-outs: if turning a part off removed it, its `delete`
        // would run on a live cluster and delete every LoadBalancer Service and PVC. Deliberately NOT deletedWith the
        // machine (every other remote command is): on destroy it must run, and it does so first — it depends on
        // both charts and on every node, so Pulumi deletes it before any of them, and the network goes last.
        const timeout = args.cleanupTimeoutSeconds ?? 600;
        this.cleanup = nodeCommand(`${config.clusterName}-cloud-resources-cleanup`, {
            node: firstServer, create: "true",
            delete: scriptCommand(script("destroy-cleanup.sh"), [firstServer.name, timeout]),
        }, {
            parent, dependsOn: [...charts, ...args.nodeSteps], deletedWith: undefined,
            customTimeouts: { delete: `${timeout + 120}s` },
        });
        this.registerOutputs({ cloudController: parts.cloudController, csiDriver: parts.csiDriver });
    }
}
