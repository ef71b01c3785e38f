import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, PINNED_CILIUM_CHARTS } from "../config";
import { PinnedArtifact, verifiedArtifactFile } from "../shared/artifacts";
import { ClusterNode } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { contentHash, loadScript, scriptCommand } from "../shared/script";
import { datapath } from "./datapath";
import { HubbleTls } from "./hubble-tls";
import { CiliumEndpoint, ciliumValues, HelmValues } from "./values";

export * from "./datapath";
export * from "./hubble-tls";
export * from "./values";

export const CILIUM_HELM_REPO = "https://helm.cilium.io";
/** CRDs the policies stage applies objects of; the gate waits for all of them. */
export const POLICY_CRDS = ["ciliumclusterwidenetworkpolicies.cilium.io", "ciliumnodeconfigs.cilium.io"];
export const L2_CRDS = ["ciliumloadbalancerippools.cilium.io", "ciliuml2announcementpolicies.cilium.io"];

export interface CiliumArgs {
    config: ClusterConfig;
    provider: k8s.Provider;
    endpoint: CiliumEndpoint;
    /** Remote commands for rollout and the CRD gate run here (over SSH, with k3s' kubectl). */
    firstServer: ClusterNode;
    /** API ready and the Gateway API CRDs: Cilium's operator looks for those CRDs only at start-up. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Decided by the policies stage: the chart always installs audit mode (README "Audit first"). */
    policyAuditMode: boolean;
}

const script = (name: string) => loadScript(__dirname, name);

/** The chart archive helm fetches from the repo for a version, as a digest-pinned artifact (sha256 "" when unpinned). */
export function ciliumChartArtifact(version: string): PinnedArtifact {
    return {
        name: `Cilium chart ${version}`, url: `${CILIUM_HELM_REPO}/cilium-${version}.tgz`,
        sha256: PINNED_CILIUM_CHARTS[version]?.sha256 ?? "", mirrorPath: `cilium/${version}/cilium-${version}.tgz`,
    };
}

/** The CRDs the gate waits for with this config. */
export function gatedCrds(config: ClusterConfig): string[] {
    return [...POLICY_CRDS, ...(config.cilium.l2Announcements ? L2_CRDS : [])];
}

/** L2 announcements: one IP pool from config and a policy announcing LoadBalancer IPs on the node interfaces. */
export function l2Resources(config: ClusterConfig): { pool: Record<string, unknown>; policy: Record<string, unknown> } {
    return {
        pool: { blocks: config.cilium.lbIpPools.map(cidr => ({ cidr })) },
        policy: { loadBalancerIPs: true, externalIPs: false, interfaces: [...config.cilium.l2Interfaces] },
    };
}

/**
 * The pinned Cilium chart (helm.v4.Chart: rendered client-side, so `pulumi preview` lists every object), then
 * rollout and the CRD gate. A datapath guard before the chart refuses tunnel/routing changes on a running cluster.
 */
export class Cilium extends pulumi.ComponentResource {
    readonly values: HelmValues;
    readonly chart: k8s.helm.v4.Chart;
    readonly guard: command.remote.Command;
    /** Hubble's certificates as Secrets the chart mounts (helm.v4.Chart runs no certgen hook). */
    readonly hubbleTls: HubbleTls;
    readonly rollout: command.remote.Command;
    readonly crdGate: command.remote.Command;
    readonly l2: pulumi.Resource[] = [];

    constructor(name: string, args: CiliumArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:cilium:Cilium", name, {}, opts);
        const { config, firstServer } = args;
        const parent = this;
        const inCluster = { parent, provider: args.provider, deletedWith: firstServer.machine };
        this.values = ciliumValues(config, args.endpoint, { policyAuditMode: args.policyAuditMode });
        const valuesHash = contentHash(this.values);

        const guardCmd = scriptCommand(script("datapath-guard.sh"), [firstServer.name, datapath(config).mode]);
        this.guard = nodeCommand(`${config.clusterName}-datapath-guard`, {
            node: firstServer, create: guardCmd, update: guardCmd,
        }, { parent, dependsOn: args.dependsOn });

        this.hubbleTls = new HubbleTls("hubble-tls", {
            config, provider: args.provider, deletedWith: firstServer.machine, dependsOn: args.dependsOn,
        }, { parent });

        this.chart = new k8s.helm.v4.Chart("cilium", {
            // The verified archive itself, a local path that resolves only once the program has checked its digest
            // and written it (components/shared/artifacts.ts): Helm never fetches the chart. Same resource, same
            // name, and the Helm release name stays the resource's name whatever `chart` says (pulumi/pulumi-kubernetes
            // @9497796 provider/pkg/provider/helm/v4/chart.go: ReleaseName = args.name, defaulting to the resource
            // name), so the rendered objects and their URNs are unchanged.
            chart: pulumi.output(verifiedArtifactFile(ciliumChartArtifact(config.versions.cilium))),
            namespace: "kube-system",
            values: this.values,
        }, { ...inCluster, dependsOn: [...args.dependsOn, this.guard, this.hubbleTls] });

        // Every chart change (values or version) rolls the agents and may bring new CRDs: the rollout wait and the
        // CRD gate carry the same triggers, so a change replaces both and their `create` runs again, in order
        // (@pulumi/command 1.2.1: a triggers change is a replacement; both scripts only wait, so a re-run converges).
        // The chart version is not part of the values, so it is listed on its own.
        const chartTriggers = [valuesHash, config.versions.cilium];
        this.rollout = nodeCommand(`${config.clusterName}-cilium-rollout`, {
            node: firstServer, create: scriptCommand(script("rollout.sh"), [firstServer.name, 600]),
            triggers: chartTriggers,
        }, { parent, dependsOn: [this.chart], customTimeouts: { create: "15m", update: "15m" } });

        this.crdGate = nodeCommand(`${config.clusterName}-cilium-crd-gate`, {
            node: firstServer, create: scriptCommand(script("crd-gate.sh"), [firstServer.name, 180, ...gatedCrds(config)]),
            triggers: chartTriggers,
        }, { parent, dependsOn: [this.rollout] });

        if (config.cilium.l2Announcements) {
            const l2 = l2Resources(config);
            this.l2.push(new k8s.apiextensions.CustomResource("lb-ip-pool", {
                apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool",
                metadata: { name: `${config.clusterName}-pool` }, spec: l2.pool,
            }, { ...inCluster, dependsOn: [this.crdGate] }));
            this.l2.push(new k8s.apiextensions.CustomResource("l2-announcement-policy", {
                apiVersion: "cilium.io/v2alpha1", kind: "CiliumL2AnnouncementPolicy",
                metadata: { name: `${config.clusterName}-l2` }, spec: l2.policy,
            }, { ...inCluster, dependsOn: [this.crdGate] }));
        }
        this.registerOutputs({ version: config.versions.cilium, valuesHash });
    }
}
