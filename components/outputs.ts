import { ClusterConfig } from "./config";
import { API_TUNNEL_LOCAL_PORT, serviceHost, tunnelContext } from "./nodes";
import { shellQuote } from "./shared/script";

export interface NodeRow {
    name: string;
    role: string;
    sshAddress: string;
    privateAddress: string;
}

const q = (v: string | number) => shellQuote(String(v));

/**
 * A command that writes a stack output holding credentials to a file created 0600 — `umask 077` in a subshell
 * applies to the redirection's new file only (a plain `>` would create it 0644 under the usual umask 022).
 */
function secretOutputCommand(output: string, stack: string, file: string): string {
    return `(umask 077; pulumi stack output ${output} --show-secrets --stack ${q(stack)} > ${q(file)})`;
}

/** The kubeconfig command: the file holds cluster-admin credentials. */
export function kubeconfigCommand(stack: string, file: string): string {
    return secretOutputCommand("kubeconfig", stack, file);
}

/**
 * Ready-to-paste commands for the operator (stack output `commands`). Every value is shell-quoted: a user, host or
 * stack name with `;`, `$(…)` or a space stays one word and never becomes a second command.
 */
export function operatorCommands(config: ClusterConfig, firstSsh: { host: string; port: number; user: string }): Record<string, string> {
    const stack = config.stack;
    const kubeconfigFile = `${config.clusterName}.kubeconfig`;
    const knownHostsFile = `${config.clusterName}.known_hosts`;
    const keyFile = `${config.clusterName}.ssh-key`;
    const env = `KUBECONFIG=${q(kubeconfigFile)}`;
    const generatedKey = config.provider === "hetzner" && !config.ssh.publicKey;
    // Hetzner host keys are pinned (stack output sshKnownHosts): the operator's ssh checks them too, strictly.
    const sshOpts = `-o UserKnownHostsFile=${q(knownHostsFile)} -o StrictHostKeyChecking=yes ${generatedKey ? `-i ${q(keyFile)} ` : ""}-p ${q(firstSsh.port)}`;
    const keyNote = generatedKey ? "" : "   # with the private key of k3s-cilium:sshPublicKey (ssh-agent, or add -i and its file)";
    const ssh = config.provider === "colima"
        ? `colima ssh --profile ${q(config.colima.profile)}`
        : `ssh ${sshOpts} ${q(firstSsh.user)}@${q(firstSsh.host)}${keyNote}`;
    // Through any server (another one's address from `nodes` when this one is down) to the API's private endpoint.
    const target = serviceHost(config);
    const apiTunnel = `ssh ${sshOpts} -N -L ${API_TUNNEL_LOCAL_PORT}:${q(target.includes(":") ? `[${target}]` : target)}:${config.apiPort} ` +
        `${q(firstSsh.user)}@${q(firstSsh.host)}   # then: ${env} kubectl --context ${q(tunnelContext(config.clusterName))} get nodes`;
    return {
        kubeconfig: kubeconfigCommand(stack, kubeconfigFile),
        kubectl: `${env} kubectl get nodes -o wide`,
        ...(config.provider === "colima" ? {} : { knownHosts: `pulumi stack output sshKnownHosts --stack ${q(stack)} > ${q(knownHostsFile)}` }),
        ...(generatedKey ? { sshKey: secretOutputCommand("sshPrivateKey", stack, keyFile) } : {}),
        ssh,
        ...(config.provider === "colima" ? {} : { apiTunnel }),
        ciliumStatus: `${env} cilium status --wait`,
        ...(config.cilium.hubble.relay
            ? {
                hubblePortForward: `${env} kubectl port-forward -n kube-system svc/hubble-relay 4245:80`,
                hubbleObserve: "hubble observe --server localhost:4245 --verdict DROPPED",
            }
            : { hubbleObserve: `${env} kubectl -n kube-system exec ds/cilium -c cilium-agent -- hubble observe --verdict DROPPED` }),
        verify: `npm run verify -- --stack ${q(stack)}`,
    };
}
