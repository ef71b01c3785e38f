import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode } from "../nodes/contract";
import { checkedHostKey } from "./host-key-check";

/**
 * Dial attempts of the first command on a node (it waits for sshd to come up). pulumi-command v1.2.1 retries a
 * failed dial after 0.1 s × 1.5^n, capped at 5 s (pulumi/pulumi sdk/go/common/util/retry/until.go), and reports
 * the last error only once the limit is reached ("after N failed attempts: ssh: handshake failed: ssh: host key
 * mismatch", pulumi/pulumi-command@7f3eb6f provider/pkg/provider/remote/connection.go `dialWithRetry`). With an
 * unlimited count (-1) a wrong host key would only ever surface as the resource's timeout ("context deadline
 * exceeded"), so the count is finite: 120 quick failures take ~9.5 min, within the first command's
 * customTimeouts (boot timeout + 2 min), and far longer than a Hetzner server or a Colima VM needs to start sshd.
 */
export const WAIT_FOR_SSH_DIAL_ATTEMPTS = 120;

/** Seconds `attempts` immediately failing dials take under pulumi-command's retry schedule (see above). */
export function dialRetrySeconds(attempts: number): number {
    let delay = 0.1;
    let total = 0;
    for (let i = 0; i < attempts; i++) {
        total += Math.min(delay, 5);
        delay *= 1.5;
    }
    return total;
}

/**
 * Seconds the host key check waits for a powered-on node that does not answer yet (a new server booting). Not the
 * first command's whole dial budget (~561 s): the wait also runs on every day-2 `up` for a node that is on but does
 * not answer from this machine (hung, or SSH filtered by `sshAllowList`), even when nothing on it changes, and 9 min
 * per run is too much for that. 180 s is about five times the boot the model assumes (bench/latency.ts `boot`: sshd
 * up ~35 s after "running"); a slower boot gets no verdict and its first command still verifies the key itself, only
 * with the provider's late "host key mismatch". A node that answers within it costs nothing extra (its first command
 * then connects at once instead of dialing through the same boot).
 */
export const HOST_KEY_WAIT_SECONDS = 180;

/**
 * The node's pinned host key, resolving only once the node has not presented another one (a quick ssh-keyscan on
 * `up`, components/shared/host-key-check.ts): an unknown key stops the run in seconds with one line and the fix,
 * instead of after the provider's dial retries. The value is the pinned key unchanged (no diff).
 */
function pinnedHostKey(node: ClusterNode, hostKey: pulumi.Input<string>): pulumi.Output<string> {
    const known = checkedKeys.get(node);
    if (known?.hostKey === hostKey) return known.checked;
    const c = node.connection;
    const checked = pulumi.all([c.host, c.port, hostKey, node.machine.urn, c.poweredOn ?? false]).apply(([host, port, key, machineUrn, poweredOn]) =>
        checkedHostKey({ node: node.name, host, port, origin: c.hostKeyOrigin, machineUrn, poweredOn }, key, HOST_KEY_WAIT_SECONDS));
    checkedKeys.set(node, { hostKey, checked });
    return checked;
}

/** One checked key per node, shared by all its commands (fewer outputs to evaluate at 100 nodes). */
const checkedKeys = new WeakMap<ClusterNode, { hostKey: pulumi.Input<string>; checked: pulumi.Output<string> }>();

/** How a remote command dials a node: its host key pinned (and checked, see above) when the node has one. */
export function connectionFor(node: ClusterNode, opts: { waitForSsh?: boolean } = {}): command.types.input.remote.ConnectionArgs {
    return {
        host: node.connection.host,
        port: node.connection.port,
        user: node.connection.user,
        privateKey: node.connection.privateKey,
        ...(node.connection.hostKey !== undefined ? { hostKey: pinnedHostKey(node, node.connection.hostKey) } : {}),
        // pulumi-command gives up after ~10 quick dial attempts by default (pulumi-command#1238): the first
        // command on a node allows more, still finite (see WAIT_FOR_SSH_DIAL_ATTEMPTS).
        dialErrorLimit: opts.waitForSsh ? WAIT_FOR_SSH_DIAL_ATTEMPTS : 10,
        perDialTimeout: 15,
    };
}

export interface NodeCommandArgs {
    node: ClusterNode;
    /**
     * Unset: creating the resource runs nothing and opens no SSH connection (pulumi-command v1.2.1
     * provider/pkg/provider/remote/commandController.go `Create`: `if input.Create == nil { return … }` before
     * `state.run`, which is where it dials), so it holds no Pulumi slot. `update` and `delete` still run.
     */
    create?: pulumi.Input<string>;
    update?: pulumi.Input<string>;
    delete?: pulumi.Input<string>;
    stdin?: pulumi.Input<string>;
    triggers?: pulumi.Input<unknown[]>;
    waitForSsh?: boolean;
    /** Where the command runs when it is not `node` (e.g. the first server draining an agent). */
    runOn?: ClusterNode;
    /** Output properties that carry secrets (e.g. "stdout" of the kubeconfig read). */
    secretOutputs?: string[];
    logging?: "stdout" | "stderr" | "stdoutAndStderr" | "none";
}

/**
 * A remote command on a node, with the defaults every command here needs: it is deleted with the machine it
 * runs on (no SSH into a dying server on destroy) and it never logs what it was told to keep secret.
 */
export function nodeCommand(name: string, args: NodeCommandArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const target = args.runOn ?? args.node;
    return new command.remote.Command(name, {
        connection: connectionFor(target, { waitForSsh: args.waitForSsh }),
        create: args.create,
        update: args.update,
        delete: args.delete,
        stdin: args.stdin,
        triggers: args.triggers,
        logging: args.logging,
    }, {
        deletedWith: target.machine,
        additionalSecretOutputs: args.secretOutputs,
        ...opts,
    });
}
