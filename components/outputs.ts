import { ClusterConfig } from "./config";

export interface NodeRow {
    name: string;
    role: string;
    sshAddress: string;
    privateAddress: string;
}

/** Ready-to-paste commands for the operator (stack output `commands`). */
export function operatorCommands(config: ClusterConfig, firstSsh: { host: string; port: number; user: string }): Record<string, string> {
    const stack = config.stack;
    const kubeconfig = `pulumi stack output kubeconfig --show-secrets --stack ${stack} > ${config.clusterName}.kubeconfig`;
    const sshKey = config.provider === "colima"
        ? `colima ssh --profile ${config.colima.profile}`
        : `ssh -i <private key> -p ${firstSsh.port} ${firstSsh.user}@${firstSsh.host}` +
          (config.ssh.publicKey ? "" : `   # key: pulumi stack output sshPrivateKey --show-secrets --stack ${stack}`);
    return {
        kubeconfig,
        kubectl: `KUBECONFIG=${config.clusterName}.kubeconfig kubectl get nodes -o wide`,
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
