import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config";
import { nodeImages } from "../cilium/images";
import { ClusterNode } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { loadScript, scriptCommand, scriptSequence } from "../shared/script";
import { k3sNodeConfig, renderK3sConfig } from "./config";
import { convergeBootTimeout } from "./first-boot";
import { machineId } from "./removal";
import { configureArgs, installArgs, prefetchArgs, preflightArgs, ScriptNode, startArgs, waitBootArgs } from "./script-args";

const script = (name: string) => loadScript(__dirname, name);

/**
 * The per-node commands, in their order on that node. Each runs several of the stage's scripts in one SSH session
 * (`scriptSequence`): the scripts stay separate, tested files, while a node costs two resources instead of one per
 * script (five) — at 100 nodes that is 300 fewer registrations for every `pulumi preview`.
 */
export interface NodeSteps {
    node: ClusterNode;
    /** wait-boot.sh (sshd + cloud-init) then preflight.sh (kernel version, options, modules, node IP). Absent for an
     *  agent that installs from its first-boot user data (first-boot.sh runs the preflight there). */
    preflight?: command.remote.Command;
    /** configure.sh (config.yaml from stdin, with the node's token), install.sh (the pinned k3s, not started),
     *  start.sh (bounded start/restart; records what it applied only once k3s is active with it). For a first-boot
     *  agent: `<agent>-converge`, the boot wait, the preflight and these scripts on update only (see agentConverge). */
    install: command.remote.Command;
}

/**
 * How long start.sh lets `systemctl restart k3s` run. k3s' unit is Type=notify with TimeoutStartSec=0, so
 * systemd would wait forever for READY; the script bounds it (pulumi-command's customTimeouts do not bound a
 * running command) and fails with one line instead.
 */
export const K3S_START_TIMEOUT_SECONDS = 600;

/**
 * One node's config.yaml with its tokens: always a secret Output, whatever the inputs, because it carries a token.
 */
export function nodeConfigFile(
    config: ClusterConfig, node: ClusterNode,
    place: { isFirstServer: pulumi.Input<boolean>; joinUrl: string; tlsSans: pulumi.Input<string[]> },
    tokens: { server: pulumi.Input<string>; agent: pulumi.Input<string>; etcdS3?: pulumi.Input<{ accessKey: string; secretKey: string }> },
): pulumi.Output<string> {
    const s3 = node.role === "server" && tokens.etcdS3 ? pulumi.output(tokens.etcdS3) : pulumi.output(undefined);
    return pulumi.secret(pulumi.all([place.tlsSans, tokens.server, tokens.agent, node.publicIpv6Address ?? "", s3, place.isFirstServer]).apply(([sans, server, agent, v6, etcdS3, first]) =>
        renderK3sConfig(k3sNodeConfig(config, {
            name: node.name, role: node.role, privateAddress: node.privateAddress, publicIpv6Address: v6 || undefined,
            isFirstServer: first, joinUrl: place.joinUrl, tlsSans: sans,
        }), node.role, { server, agent, etcdS3 })));
}

/** What every node's commands share within one cluster. */
export interface NodeStepsContext {
    config: ClusterConfig;
    /** The K3sCluster component: parent of every command. */
    parent: pulumi.Resource;
    /** Seconds the first command waits for SSH and cloud-init. */
    bootTimeout: number;
    /** URL joiners register with: the control-plane endpoint. */
    joinUrl: string;
    tlsSans: pulumi.Input<string[]>;
    firstServer: ClusterNode;
    tokens: { server: pulumi.Output<string>; agent: pulumi.Output<string>; etcdS3?: pulumi.Output<{ accessKey: string; secretKey: string }> };
    /**
     * The first server bootstraps etcd (`cluster-init`); false once the previous `up` deployed other servers this
     * config keeps, so a replaced first server joins them (components/k3s/lifecycle.ts firstServerJoins).
     */
    firstServerBootstraps: pulumi.Input<boolean>;
    /** Private addresses of every server: etcd-guard.sh probes the others. */
    serverAddresses: readonly string[];
}

/** How long a joining server with an empty disk waits for an existing server to answer (etcd-guard.sh). */
export const JOIN_WAIT_SECONDS = 300;

/** etcd-guard.sh for a server: init mode where it bootstraps, join mode elsewhere; peers are the other servers. */
export function etcdGuardCommand(ctx: Pick<NodeStepsContext, "config" | "serverAddresses">, node: ClusterNode, bootstraps: boolean): string {
    const peers = ctx.serverAddresses.filter(a => a !== node.privateAddress);
    return scriptCommand(script("etcd-guard.sh"), [node.name, bootstraps ? "init" : "join", ctx.config.apiPort, JOIN_WAIT_SECONDS, ...peers]);
}

/**
 * Hetzner servers pull the Cilium node images in the background once k3s runs (prefetch-images.sh hands it to a
 * transient systemd unit and returns), so the install command does not wait and the pulls overlap the API wait,
 * the kubeconfig, the CRDs and the chart. Agents do the same at the end of their first boot (first-boot.ts).
 */
function prefetch(config: ClusterConfig, node: ScriptNode): string[] {
    if (config.provider !== "hetzner" || !nodeImages(config).length) return [];
    return [scriptCommand(script("prefetch-images.sh"), prefetchArgs(config, node, "background"))];
}

/**
 * The SSH path's first command on a node (pure): wait-boot.sh (sshd, cloud-init; for a first-boot machine, its id),
 * then preflight.sh (kernel).
 */
export function preflightCommand(config: ClusterConfig, node: ScriptNode, bootTimeout: number, machineId?: string): string {
    return scriptSequence(
        scriptCommand(script("wait-boot.sh"), waitBootArgs(node, bootTimeout, machineId)),
        scriptCommand(script("preflight.sh"), preflightArgs(config, node)),
    );
}

/**
 * The SSH path's install command (pure): configure.sh, install.sh, a server's etcd-guard.sh (etcdGuardCommand),
 * start.sh, and on Hetzner the background image prefetch.
 */
export function installCommand(config: ClusterConfig, node: ScriptNode, etcdGuard?: string, opts: { prefetch?: boolean } = {}): string {
    return scriptSequence(
        scriptCommand(script("configure.sh"), configureArgs(node)),
        scriptCommand(script("install.sh"), installArgs(config, node)),
        ...(etcdGuard === undefined ? [] : [etcdGuard]),
        scriptCommand(script("start.sh"), startArgs(node, K3S_START_TIMEOUT_SECONDS)),
        ...(opts.prefetch === false ? [] : prefetch(config, node)),
    );
}

/**
 * A first-boot agent's in-place convergence (pure; agentConverge): wait-boot.sh for this machine (its id; bootTimeout:
 * convergeBootTimeout, the agent's whole first boot), then the
 * SSH path's preflight.sh, configure.sh, install.sh and start.sh. The preflight comes first as on the SSH path and in
 * first-boot.sh: an agent whose first boot stopped at the kernel or node-ip check must not get k3s from its converge.
 */
export function convergeCommand(config: ClusterConfig, node: ScriptNode, bootTimeout: number, id: string): string {
    // The first boot prefetched the images already (first-boot.sh), so the converge does not.
    return scriptSequence(preflightCommand(config, node, bootTimeout, id), installCommand(config, node, undefined, { prefetch: false }));
}

/** The two commands of one node: preflight (boot wait, kernel), then install (config, binary, bounded start). */
export function nodeSteps(ctx: NodeStepsContext, node: ClusterNode, installDependsOn: pulumi.Resource[]): NodeSteps {
    const { config, parent, bootTimeout } = ctx;
    // The first command on a node waits for sshd (a bounded number of dials), then checks the kernel.
    const preflight = nodeCommand(`${node.name}-preflight`, {
        node, waitForSsh: true,
        create: preflightCommand(config, node, bootTimeout),
    }, { parent, customTimeouts: { create: `${bootTimeout + 120}s` } });
    if (config.network.ipv6 && !node.publicIpv6Address) {
        throw new pulumi.ResourceError(`${node.name}: k3s-cilium:ipv6 is true but the node provider gave no public IPv6 address for its dual-stack node-ip`, parent);
    }
    const bootstraps = pulumi.output(node === ctx.firstServer ? ctx.firstServerBootstraps : false);
    const fileContent = nodeConfigFile(config, node, { isFirstServer: bootstraps, joinUrl: ctx.joinUrl, tlsSans: ctx.tlsSans }, ctx.tokens);
    // Config and install run together behind the join gates, so a config change rolls through the servers
    // one at a time (each restart waits for the previous server), never restarting every etcd member at once.
    // Servers check before starting that an empty disk neither bootstraps a second cluster nor joins nothing.
    const installCmd = bootstraps.apply(b => installCommand(config, node, node.role === "server" ? etcdGuardCommand(ctx, node, b) : undefined));
    const install = nodeCommand(`${node.name}-install`, {
        node, create: installCmd, update: installCmd, stdin: fileContent,
    }, {
        parent, dependsOn: [preflight, ...installDependsOn], additionalSecretOutputs: ["stdin"],
        customTimeouts: { create: "20m", update: "20m" },
    });
    return { node, preflight, install };
}

/**
 * An agent that installed and joined from its first-boot user data (first-boot.ts) keeps one command, on itself:
 * `<agent>-converge`. No `create`, so creating it opens no SSH session (components/shared/remote.ts) and the agent
 * costs the program no slot while it boots and joins. Its `update` is the in-place convergence the SSH path runs
 * (boot wait, kernel preflight, config.yaml from stdin, the pinned k3s, bounded start), so a k3s version or config change reaches the
 * agent exactly as before, behind the same gates (`dependsOn`: the skew gate and its batch's drain). The machine id
 * is in the command, so a replaced machine — which boots with the user data recorded at its first creation
 * (ignoreChanges keeps the old value) — is converged to the current version and config as soon as it exists. No
 * `triggers` (a trigger change would replace it, and replacing runs no update) and no `delete` (removal.ts drains).
 */
export function agentConverge(ctx: NodeStepsContext, node: ClusterNode, dependsOn: pulumi.Resource[]): NodeSteps {
    const { config, parent, bootTimeout } = ctx;
    const fileContent = nodeConfigFile(config, node, { isFirstServer: false, joinUrl: ctx.joinUrl, tlsSans: ctx.tlsSans }, ctx.tokens);
    // The cloud-init wait covers the agent's whole first boot (a replaced agent's converge runs while it boots).
    const cloudInitWait = convergeBootTimeout(config, bootTimeout);
    const update = machineId(node).apply(id => convergeCommand(config, node, cloudInitWait, id));
    // customTimeouts bound the SSH dial only (pulumi-command 1.2.1), never the running scripts, which bound
    // themselves; kept above the whole command anyway: the cloud-init wait, then install and start.
    const install = nodeCommand(`${node.name}-converge`, { node, update, stdin: fileContent, waitForSsh: true }, {
        parent, dependsOn, additionalSecretOutputs: ["stdin"], customTimeouts: { update: `${cloudInitWait + 1200}s` },
    });
    return { node, install };
}
