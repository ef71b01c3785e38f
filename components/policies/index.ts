import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config";
import { ClusterNode, ControlPlaneEndpoint } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { contentHash, loadScript, scriptCommand } from "../shared/script";
import { BaselinePolicy, baselinePolicies, TIERS } from "./baseline";

export * from "./baseline";

/**
 * The chart always installs audit mode; enforcement is a separate, later step (this component). That is what
 * makes "enforcement never precedes the allow policies" a property of the graph rather than of good intentions.
 */
export const CHART_POLICY_AUDIT_MODE = true;

export interface BaselinePoliciesArgs {
    config: ClusterConfig;
    provider: k8s.Provider;
    /** The CRD gate: nothing here is applied before the CCNP CRD is Established. */
    crdGate: pulumi.Resource;
    nodes: ClusterNode[];
    /** Node whose `install` each reachability check follows, by node name. */
    nodeReady: Record<string, pulumi.Resource>;
    firstServer: ClusterNode;
    endpoint: ControlPlaneEndpoint;
}

/**
 * The enforcement object: agents read CiliumNodeConfig at start-up, overriding the chart's audit mode. It always
 * exists (saying "true" in audit mode) so that switching back to audit is an update ordered before the agent
 * restart, not a delete that Pulumi would only run at the end of the update.
 */
export function enforcementNodeConfig(policyAuditMode: boolean): Record<string, unknown> {
    return { nodeSelector: {}, defaults: { "policy-audit-mode": String(policyAuditMode) } };
}

export class BaselinePolicies extends pulumi.ComponentResource {
    readonly policies: { policy: BaselinePolicy; resource: k8s.apiextensions.CustomResource }[] = [];
    readonly reachability: command.remote.Command[];
    readonly enforcement: k8s.apiextensions.CustomResource;
    readonly auditModeApplied: command.remote.Command;

    constructor(name: string, args: BaselinePoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:policies:BaselinePolicies", name, {}, opts);
        const { config, firstServer } = args;
        const parent = this;
        const inCluster = { parent, provider: args.provider, deletedWith: firstServer.machine };
        const set = baselinePolicies(config);
        const setHash = contentHash(set);

        // Tier by tier: every policy of a tier depends on all policies of the tier before it.
        let previousTier: pulumi.Resource[] = [args.crdGate];
        for (const tier of TIERS) {
            const current = set.filter(p => p.tier === tier).map(policy => {
                const resource = new k8s.apiextensions.CustomResource(`ccnp-${policy.name}`, {
                    apiVersion: "cilium.io/v2",
                    kind: "CiliumClusterwideNetworkPolicy",
                    metadata: { name: policy.name, labels: { "app.kubernetes.io/managed-by": "pulumi", "k3s-cilium.io/tier": tier } },
                    spec: policy.spec,
                }, { ...inCluster, dependsOn: previousTier });
                this.policies.push({ policy, resource });
                return resource;
            });
            if (current.length) previousTier = current;
        }
        const allPolicies = this.policies.map(p => p.resource);

        // Reachability with the policies in place: SSH on every node, /readyz through the endpoint on servers.
        this.reachability = args.nodes.map(node => nodeCommand(`${node.name}-reachable`, {
            node,
            create: scriptCommand(loadScript(__dirname, "reachability.sh"),
                [node.name, node.role, args.endpoint.serviceHost, args.endpoint.port, 120]),
            triggers: [setHash],
        }, { parent, dependsOn: [...allPolicies, args.nodeReady[node.name]] }));

        const gate = [...allPolicies, ...this.reachability];
        this.enforcement = new k8s.apiextensions.CustomResource("policy-enforcement", {
            apiVersion: "cilium.io/v2",
            kind: "CiliumNodeConfig",
            metadata: { name: "policy-enforcement", namespace: "kube-system" },
            spec: enforcementNodeConfig(config.cilium.policyAuditMode),
        }, { ...inCluster, dependsOn: gate });
        const audit = String(config.cilium.policyAuditMode);
        this.auditModeApplied = nodeCommand(`${config.clusterName}-audit-mode`, {
            node: firstServer,
            create: scriptCommand(loadScript(__dirname, "apply-audit-mode.sh"), [firstServer.name, audit, "create", 600]),
            update: scriptCommand(loadScript(__dirname, "apply-audit-mode.sh"), [firstServer.name, audit, "update", 600]),
            triggers: [audit],
        }, { parent, dependsOn: [...gate, this.enforcement], customTimeouts: { create: "15m", update: "15m" } });

        this.registerOutputs({ policies: set.map(p => p.name), policyAuditMode: config.cilium.policyAuditMode });
    }
}
