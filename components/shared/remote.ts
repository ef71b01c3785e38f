import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode } from "../nodes/contract";

/** How patient an SSH dial is: the first command on a node waits for sshd forever, bounded by its timeout. */
export function connectionFor(node: ClusterNode, opts: { waitForSsh?: boolean } = {}): command.types.input.remote.ConnectionArgs {
    return {
        host: node.connection.host,
        port: node.connection.port,
        user: node.connection.user,
        privateKey: node.connection.privateKey,
        // pulumi-command gives up after ~10 quick dial attempts by default (pulumi-command#1238);
        // -1 retries until the resource's customTimeouts end the wait.
        dialErrorLimit: opts.waitForSsh ? -1 : 10,
        perDialTimeout: 15,
    };
}

export interface NodeCommandArgs {
    node: ClusterNode;
    create: pulumi.Input<string>;
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
