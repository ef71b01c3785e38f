import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { loadScript, scriptCommand } from "../shared/script";
import { NodeSteps } from "./node-steps";

const script = (name: string) => loadScript(__dirname, name);

/** Seconds a removal waits for k3s to remove an etcd member, or for a drain. */
export const REMOVAL_TIMEOUT_SECONDS = 300;

/** The id of the machine a node runs on: a new id means a new machine (a replacement). */
export function machineId(node: ClusterNode): pulumi.Output<string> {
    return (node.machine as pulumi.CustomResource).id;
}

/**
 * Which server removes server `index` from the cluster: the first server removes the others, the second removes the
 * first, and a lone server is its own (remove-server.sh then does nothing: there is no member to hand over to).
 * Keeping the first server's resource registered on a single-server cluster matters: a command dropped from the
 * program is deleted, and its delete script would remove the first server's etcd member.
 */
export function removerOf(servers: readonly ClusterNode[], index: number): ClusterNode {
    return index === 0 ? (servers[1] ?? servers[0]) : servers[0];
}

/**
 * One `<server>-leave` command per server whose `delete` runs remove-server.sh on a surviving server: its etcd
 * member, Node and node password go before its machine does. Pulumi deletes a resource before what it depends on
 * (here: the server's install, hence its machine). `triggers` is the machine's id, so a REPLACED machine (servers are
 * deleteBeforeReplace) also runs the old command's delete first: its new id is unknown until it exists, and a
 * trigger change replaces a command (pulumi-command `triggers`, replaceOnChanges). No `create`: creating one opens
 * no SSH session (components/shared/remote.ts). Each leave depends on the one
 * before it, so several servers leaving in one `up` (3 → 1) leave one at a time, highest ordinal first.
 */
export function serverLeaves(parent: pulumi.Resource, servers: readonly NodeSteps[]): command.remote.Command[] {
    const nodes = servers.map(s => s.node);
    const leaves: command.remote.Command[] = [];
    servers.forEach((s, i) => {
        const runOn = removerOf(nodes, i);
        leaves.push(nodeCommand(`${s.node.name}-leave`, {
            node: s.node, runOn,
            delete: scriptCommand(script("remove-server.sh"), [s.node.name, runOn.name, REMOVAL_TIMEOUT_SECONDS]),
            triggers: [machineId(s.node)],
        }, { parent, dependsOn: [s.install, ...leaves.slice(-1)] }));
    });
    return leaves;
}

/**
 * One `<agent>-drain` per agent, on the first server: drain.sh drains (skipped when NotReady) and deletes the Node
 * and its node password before the machine goes, and, through `triggers` (the machine's id), before a replaced
 * agent's new machine joins under the same name.
 */
export function agentDrain(parent: pulumi.Resource, agent: NodeSteps, firstServer: ClusterNode): command.remote.Command {
    return nodeCommand(`${agent.node.name}-drain`, {
        node: agent.node, runOn: firstServer,
        delete: scriptCommand(script("drain.sh"), [agent.node.name, REMOVAL_TIMEOUT_SECONDS]),
        triggers: [machineId(agent.node)],
    }, { parent, dependsOn: [agent.install] });
}
