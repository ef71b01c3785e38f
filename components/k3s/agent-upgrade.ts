/**
 * Agents during a k3s version change: cordon and drain before the restart, uncordon once the kubelet reports the
 * new version, in bounded batches. docs.k3s.io/upgrades/manual: "upgrade server nodes first one at a time, then any
 * agent nodes"; the servers-at-version gate holds every agent until the servers are done, and the batches keep
 * at most AGENT_BATCH_FRACTION of the agents unschedulable at a time (like system-upgrade-controller's
 * `concurrency`, rancher/system-upgrade-controller examples/k3s-upgrade.yaml, `cordon: true`).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { loadScript, scriptCommand } from "../shared/script";

const script = (name: string) => loadScript(__dirname, name);

/** Seconds a drain may take, and an upgraded kubelet to report its version. */
export const AGENT_DRAIN_TIMEOUT_SECONDS = 300;
export const AGENT_REPORT_TIMEOUT_SECONDS = 300;

/** Agents upgraded at once: a quarter of them, at least one. */
export function agentBatchSize(agents: number): number {
    return Math.max(1, Math.floor(agents / 4));
}

/** Agent indexes in batches of `size`, in order. */
export function agentBatches<T>(agents: readonly T[], size: number): T[][] {
    const out: T[][] = [];
    for (let i = 0; i < agents.length; i += size) out.push(agents.slice(i, i + size));
    return out;
}

/**
 * Whether this `up` changes the k3s version of a running cluster (from the previous up's lifecycleState). Only then
 * do the batches wait for each other: a first install (or a state without versions) joins every agent at once.
 */
export function isK3sUpgrade(previousVersion: string | undefined, desired: string): boolean {
    return previousVersion !== undefined && previousVersion !== desired;
}

/**
 * A `dependsOn` list: `always` as plain resources, then `conditional` (an Output of resources). Kept apart for
 * evaluation time: the SDK walks every Output's value for unknowns (@pulumi/pulumi v3.270.0 output.ts
 * `containsUnknowns`), and a Resource reaches the whole graph through its parent, so a resource inside an Output
 * costs a walk of every node's steps (~57k objects per batch at 3+97, quadratic in node count). The SDK flattens
 * nested arrays and Outputs into the same dependencies in the same order (runtime/dependsOn.ts
 * `gatherExplicitDependencies`, including the Output's own resources); the declared type names one level only.
 */
export function plainAndConditional(always: pulumi.Resource[], conditional: pulumi.Output<pulumi.Resource[]>): pulumi.Input<pulumi.Resource>[] {
    return [...always, conditional as unknown as pulumi.Input<pulumi.Resource>];
}

export interface BatchCommands {
    drain: command.remote.Command;
    uncordon: (installs: pulumi.Resource[]) => command.remote.Command;
}

/**
 * The drain before and the uncordon after one batch's installs, both on the first server, both re-run on a version
 * change (the version is in their command line; `update` is the script). One pair per batch, not per agent: at 100
 * agents that is 8 commands instead of 200. `create` runs the script only while `upgrading` (a batch created during
 * a version change, e.g. after its agents moved between batches); otherwise creating them opens no SSH session:
 * a new agent is not registered yet, so there is nothing to drain or uncordon. `dependsOn`: what the drain waits
 * for (the servers' version gate, and during an upgrade the previous batch's uncordon).
 */
export function batchCommands(
    name: string, batch: readonly ClusterNode[], firstServer: ClusterNode, version: string, parent: pulumi.Resource,
    upgrading: pulumi.Output<boolean>, dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]>,
): BatchCommands {
    // An Output that resolves to undefined is left out of the inputs (pulumi serializeProperties skips undefined).
    const onCreate = (cmd: string) => upgrading.apply(u => (u ? cmd : undefined)) as pulumi.Output<string>;
    const names = batch.map(a => a.name);
    const drainCmd = scriptCommand(script("upgrade-drain.sh"), [version, AGENT_DRAIN_TIMEOUT_SECONDS, ...names]);
    const drain = nodeCommand(`${name}-upgrade-drain`, {
        node: firstServer, create: onCreate(drainCmd), update: drainCmd,
    }, { parent, dependsOn, customTimeouts: { create: "30m", update: "30m" } });
    const uncordonCmd = scriptCommand(script("uncordon.sh"), [version, AGENT_REPORT_TIMEOUT_SECONDS, ...names]);
    return {
        drain,
        uncordon: installs => nodeCommand(`${name}-uncordon`, {
            node: firstServer, create: onCreate(uncordonCmd), update: uncordonCmd,
        }, { parent, dependsOn: installs, customTimeouts: { create: "10m", update: "10m" } }),
    };
}
