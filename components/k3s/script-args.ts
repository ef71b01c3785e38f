/**
 * One node's arguments to each k3s node script, built in one place. Three paths run these scripts: the SSH path
 * (node-steps.ts nodeSteps: `<node>-preflight`, `<node>-install`), a first-boot agent's in-place convergence
 * (node-steps.ts agentConverge: `<agent>-converge`) and its first boot (first-boot.ts agentFirstBoot: the runcmd that
 * first-boot.sh hands on to the same scripts). Each builder is each script's usage line, so an argument added here
 * reaches every path (test/script-args.test.ts runs first-boot.sh and compares what every path passes).
 * Pure: no Pulumi, no I/O.
 */
import { ClusterConfig } from "../config";
import { K3S_INSTALLER } from "../config/versions";
import { tunnelRequirement } from "../cilium/datapath";
import { nodeImages } from "../cilium/images";
import { NodeRole } from "../nodes/contract";

/** The node facts the scripts take. */
export interface ScriptNode {
    name: string;
    role: NodeRole;
    privateAddress: string;
}

/** How long prefetch-images.sh gives the container runtime to answer, and each pull. */
export const IMAGE_PULL_TIMEOUT_SECONDS = 300;

/** wait-boot.sh <node-name> [timeout-seconds] [machine-id] */
export function waitBootArgs(node: ScriptNode, timeoutSeconds: number, machineId?: string): string[] {
    return [node.name, String(timeoutSeconds), ...(machineId === undefined ? [] : [machineId])];
}

/** preflight.sh <node-name> <min-kernel> <geneve|vxlan|none> <true|false> <node-ip> */
export function preflightArgs(config: ClusterConfig, node: ScriptNode): string[] {
    return [node.name, config.versions.minKernel, tunnelRequirement(config), String(config.cilium.wireguard), node.privateAddress];
}

/** configure.sh <node-name> <server|agent> (config.yaml on stdin) */
export function configureArgs(node: ScriptNode): string[] {
    return [node.name, node.role];
}

/** install.sh <node-name> <server|agent> <version> <installer-url> <installer-sha256> */
export function installArgs(config: ClusterConfig, node: ScriptNode): string[] {
    return [node.name, node.role, config.versions.k3s, K3S_INSTALLER.url, K3S_INSTALLER.sha256];
}

/** start.sh <node-name> <server|agent> <timeout-seconds>: the bound is the path's own (SSH path, first boot). */
export function startArgs(node: ScriptNode, timeoutSeconds: number): string[] {
    return [node.name, node.role, String(timeoutSeconds)];
}

/**
 * prefetch-images.sh <node-name> <foreground|background> <timeout-seconds> <image>...: the Cilium node images of
 * this config (components/cilium/images.ts); the mode is the path's own (background behind the SSH install, in the
 * foreground at the end of a first boot).
 */
export function prefetchArgs(config: ClusterConfig, node: ScriptNode, mode: "foreground" | "background"): string[] {
    return [node.name, mode, String(IMAGE_PULL_TIMEOUT_SECONDS), ...nodeImages(config)];
}
