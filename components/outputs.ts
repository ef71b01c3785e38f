import { ClusterConfig } from "./config";

export interface NodeRow {
    name: string;
    role: string;
    sshAddress: string;
    privateAddress: string;
}

/**
 * The kubeconfig command: the file holds cluster-admin credentials, so it is created 0600 — `umask 077` in a
 * subshell applies to the redirection's new file only (a plain `>` would create it 0644 under the usual umask 022).
 */
export function kubeconfigCommand(stack: string, file: string): string {
    return `(umask 077; pulumi stack output kubeconfig --show-secrets --stack ${stack} > ${file})`;
}

/** Ready-to-paste commands for the operator (stack output `commands`). */
export function operatorCommands(config: ClusterConfig, firstSsh: { host: string; port: number; user: string }): Record<string, string> {
    const stack = config.stack;
    const kubeconfig = kubeconfigCommand(stack, `${config.clusterName}.kubeconfig`);
    const knownHostsFile = `${config.clusterName}.known_hosts`;
    // Hetzner host keys are pinned (stack output sshKnownHosts): the operator's ssh checks them too, strictly.
    const sshKey = config.provider === "colima"
        ? `colima ssh --profile ${config.colima.profile}`
        : `ssh -o UserKnownHostsFile=${knownHostsFile} -o StrictHostKeyChecking=yes -i <private key> -p ${firstSsh.port} ${firstSsh.user}@${firstSsh.host}` +
          (config.ssh.publicKey ? "" : `   # key: pulumi stack output sshPrivateKey --show-secrets --stack ${stack}`);
    return {
        kubeconfig,
        kubectl: `KUBECONFIG=${config.clusterName}.kubeconfig kubectl get nodes -o wide`,
        ...(config.provider === "colima" ? {} : { knownHosts: `pulumi stack output sshKnownHosts --stack ${stack} > ${knownHostsFile}` }),
        ssh: sshKey,
        ciliumStatus: `KUBECONFIG=${config.clusterName}.kubeconfig cilium status --wait`,
        ...(config.cilium.hubble.relay
            ? {
                hubblePortForward: `KUBECONFIG=${config.clusterName}.kubeconfig kubectl port-forward -n kube-system svc/hubble-relay 4245:80`,
                hubbleObserve: "hubble observe --server localhost:4245 --verdict DROPPED",
            }
            : { hubbleObserve: `KUBECONFIG=${config.clusterName}.kubeconfig kubectl -n kube-system exec ds/cilium -c cilium-agent -- hubble observe --verdict DROPPED` }),
        verify: `npm run verify -- --stack ${stack}`,
    };
}
