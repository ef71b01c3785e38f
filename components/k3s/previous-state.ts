import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, ConfigError } from "../config";
import { LifecycleState, lifecycleProblems, parseLifecycleState } from "./lifecycle";

/** The stack output the program exports and reads back on the next `up`. */
export const LIFECYCLE_OUTPUT = "lifecycleState";

/**
 * What the previous `up` of THIS stack deployed, read at preview time through a StackReference to the stack itself
 * (same organization/project/stack). Why a self-reference and not something else:
 * - Pulumi resolves a StackReference from the referenced stack's last checkpoint, so a self-reference yields the
 *   outputs of the previous update, in `preview` as in `up`; this is the pattern a Pulumi maintainer gives for
 *   "a single stack that has an output from one update, that it then reads back into itself in a later update"
 *   (pulumi/pulumi#3722, lukehoban, 2020-01-07). A new stack has no outputs: `getOutput` is undefined, nothing to
 *   protect. It works with the Pulumi Cloud and the self-managed backends alike (both implement stack references).
 * - Config cannot hold it (the user edits config: that is the change being judged), and reading the cloud with
 *   hcloud data sources would miss what is mid-change and needs a token at preview time.
 * The output is plain data (names, counts, image/type/location), never a secret.
 */
export function previousLifecycleState(config: ClusterConfig, opts?: pulumi.CustomResourceOptions): pulumi.Output<LifecycleState | undefined> {
    const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    const ref = new pulumi.StackReference(`${config.clusterName}-previous-state`, { name: self }, opts);
    return ref.getOutput(LIFECYCLE_OUTPUT).apply(raw => parseLifecycleState(raw));
}

/**
 * Resolves once the previous state allows this config, and rejects (the whole run, before the machines it gates
 * are registered) with every lifecycle refusal at once. Used as `dependsOn` of the machines: Pulumi waits for an
 * Output `dependsOn` before registering, so nothing gated is created or replaced when a refusal is due.
 */
export function lifecycleGate(previous: pulumi.Output<LifecycleState | undefined>, config: ClusterConfig): pulumi.Output<pulumi.Resource[]> {
    return previous.apply(prev => {
        const problems = lifecycleProblems(prev, config);
        if (problems.length) throw new ConfigError(problems);
        return [] as pulumi.Resource[];
    });
}
