import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config";
import { ClusterNode, ControlPlaneEndpoint } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { contentHash, loadScript, scriptCommand } from "../shared/script";
import { BaselinePolicy, baselinePolicies, TIERS } from "./baseline";
import {
    criticalTrafficArgs, ENFORCEMENT, enforcementChainHash, enforcementChainTriggers, ENFORCEMENT_SCRIPTS, enforcementTimings,
} from "./enforcement";

export * from "./baseline";
export * from "./enforcement";
export * from "./metadata";
export * from "./rules";

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
    /**
     * Each node's last provisioning step, by node name (first-boot agents share `<cluster>-agents-joined`): the
     * evidence gate, and so the dead-man's switch's timer, starts only once every node is up.
     */
    nodeReady: Record<string, pulumi.Resource>;
    firstServer: ClusterNode;
    endpoint: ControlPlaneEndpoint;
}

/**
 * The enforcement object: agents read CiliumNodeConfig at start-up, overriding the chart's audit mode. It always
 * exists (saying "true" in audit mode) so that switching back to audit is an update ordered before the agent
 * restart, not a delete that Pulumi would only run at the end of the update. The dead-man's switch writes
 * ENFORCEMENT.rollbackNodeConfig, whose name sorts after this one and therefore wins (CiliumNodeConfigs apply in
 * lexical order of their names: cilium/cilium pkg/option/resolver/resolver.go @110ab296, readNodeConfigs).
 */
export const ENFORCEMENT_NODE_CONFIG = "policy-enforcement";
export function enforcementNodeConfig(policyAuditMode: boolean): Record<string, unknown> {
    return { nodeSelector: {}, defaults: { "policy-audit-mode": String(policyAuditMode) } };
}

/**
 * Baseline policies, then commit-confirmed enforcement: evidence gate → arm the dead-man's switch on every server →
 * CiliumNodeConfig → restart exactly the agents whose mode differs → verify from outside → confirm (disarm).
 * Every command of the chain has one script for create and update and the same triggers (desired mode, policy set,
 * gate settings, attempt number), so a change of any of them re-runs the whole chain in order, whichever way Pulumi runs it.
 */
export class BaselinePolicies extends pulumi.ComponentResource {
    readonly policies: { policy: BaselinePolicy; resource: k8s.apiextensions.CustomResource }[] = [];
    readonly gate: command.remote.Command;
    readonly armed: command.remote.Command[];
    readonly enforcement: k8s.apiextensions.CustomResource;
    readonly restart: command.remote.Command;
    readonly verified: command.remote.Command[];
    /** Written through the kubeconfig endpoint from the operator's machine: the API answers from outside. */
    readonly apiFromOutside: k8s.core.v1.ConfigMap;
    readonly confirmed: command.remote.Command[];

    constructor(name: string, args: BaselinePoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:policies:BaselinePolicies", name, {}, opts);
        const { config, firstServer } = args;
        const parent = this;
        const inCluster = { parent, provider: args.provider, deletedWith: firstServer.machine };
        const set = baselinePolicies(config);
        const setHash = contentHash(set);

        const allPolicies = this.applyTiers(set, args.crdGate, inCluster);

        const c = config.cilium;
        const audit = String(c.policyAuditMode);
        const t = enforcementTimings(args.nodes.length);
        // The arm's own inputs are in the chain's triggers: alone, they would arm a switch no confirm stops.
        const rollbackScript = loadScript(__dirname, "rollback.sh").text;
        // Every script of the chain is in it too: a command whose script changed would otherwise be updated alone, e.g.
        // converge-agents.sh or confirm-enforcement.sh without an armed switch (both refuse, so `up` fails), or
        // arm-rollback.sh arming a switch that no confirm stops.
        const scripts = ENFORCEMENT_SCRIPTS.map(name => ({ name, sha256: loadScript(__dirname, name).sha256 }));
        const triggers = enforcementChainTriggers(config, enforcementChainHash(setHash, scripts, t.rollbackAfter));
        const servers = args.nodes.filter(n => n.role === "server");
        const same = (script: string, scriptArgs: (string | number)[]) => {
            const line = scriptCommand(loadScript(__dirname, script), scriptArgs);
            return { create: line, update: line, triggers };
        };

        // The gate waits for every node (first-boot agents share one `<cluster>-agents-joined`, hence the Set): confirm
        // waits for every node's verify, so the timer armed after the gate must not start its budget while a new
        // machine is still joining (up to AGENTS_JOINED_TIMEOUT_SECONDS), or a slow join rolls enforcement back.
        const everyNode = [...new Set(Object.values(args.nodeReady))];
        this.gate = nodeCommand(`${config.clusterName}-enforce-gate`, {
            node: firstServer,
            ...same("audit-gate.sh", [firstServer.name, audit, c.enforcement.evidenceWindow,
                String(c.enforcement.acceptAuditedFlows), String(c.hubble.enabled), t.gate, ...criticalTrafficArgs(config)]),
        }, { parent, dependsOn: [...allPolicies, ...everyNode] });

        this.armed = servers.map(server => nodeCommand(`${server.name}-enforce-arm`, {
            node: server,
            ...same("arm-rollback.sh", [server.name, audit, t.rollbackAfter]),
            stdin: rollbackScript,
        }, { parent, dependsOn: [this.gate, args.nodeReady[server.name]] }));

        this.enforcement = new k8s.apiextensions.CustomResource("policy-enforcement", {
            apiVersion: "cilium.io/v2",
            kind: "CiliumNodeConfig",
            metadata: { name: ENFORCEMENT_NODE_CONFIG, namespace: "kube-system" },
            spec: enforcementNodeConfig(c.policyAuditMode),
        }, { ...inCluster, dependsOn: [this.gate, ...this.armed] });

        this.restart = nodeCommand(`${config.clusterName}-enforce-restart`, {
            node: firstServer,
            ...same("converge-agents.sh", [firstServer.name, audit, t.restartPerBatch, ENFORCEMENT.restartBatch]),
        }, { parent, dependsOn: [this.enforcement, ...this.armed] });

        this.verified = args.nodes.map(node => nodeCommand(`${node.name}-enforce-verify`, {
            node,
            ...same("verify-enforcement.sh", [node.name, node === firstServer ? "cluster" : "ssh",
                args.endpoint.serviceHost, args.endpoint.port, audit, t.verify, ENFORCEMENT.probeImage]),
        }, { parent, dependsOn: [this.restart, args.nodeReady[node.name]] }));

        this.apiFromOutside = new k8s.core.v1.ConfigMap("policy-enforcement-verified", {
            metadata: { name: "k3s-cilium-enforcement", namespace: "kube-system" },
            // The chain's trigger hash: whatever re-runs the chain (attempt, window, Cilium version, node count) changes
            // this object, so every run writes through the operator's kubeconfig, not only a mode or policy change.
            data: { policyAuditMode: audit, policySet: setHash, chainTriggers: contentHash(triggers) },
        }, { ...inCluster, dependsOn: [this.restart] });

        this.confirmed = servers.map(server => nodeCommand(`${server.name}-enforce-confirm`, {
            node: server,
            ...same("confirm-enforcement.sh", [server.name, audit]),
        }, { parent, dependsOn: [...this.verified, this.apiFromOutside] }));

        this.registerOutputs({ policies: set.map(p => p.name), policyAuditMode: c.policyAuditMode });
    }

    /** Tier by tier: every policy of a tier depends on all policies of the tier before it. Returns every policy. */
    private applyTiers(set: BaselinePolicy[], crdGate: pulumi.Resource, inCluster: pulumi.CustomResourceOptions): pulumi.Resource[] {
        let previousTier: pulumi.Resource[] = [crdGate];
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
        return this.policies.map(p => p.resource);
    }
}
