import * as pulumi from "@pulumi/pulumi";

export type NodeRole = "server" | "agent";

/** How `@pulumi/command` reaches a node over SSH. */
export interface SshConnection {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    user: pulumi.Input<string>;
    /** Always a secret Output. */
    privateKey: pulumi.Output<string>;
    /**
     * The node's SSH host public key in authorized_keys format (`ssh-ed25519 AAAA…`). When set, every remote
     * command verifies the server with it; without it pulumi-command skips host key checks. pulumi-command v1.2.1
     * (pulumi/pulumi-command@7f3eb6f, provider/pkg/provider/remote/connection.go) parses it with
     * `ssh.ParseAuthorizedKey`, checks it with `ssh.FixedHostKey` and offers only its algorithm.
     */
    hostKey?: pulumi.Input<string>;
    /** How the node got its pinned key: decides the fix an unknown key's error gives (components/shared/host-key-check.ts). */
    hostKeyOrigin?: "hetzner" | "colima";
    /**
     * The machine is powered on, so a node that does not answer yet is booting and worth waiting for before its
     * host key is judged (components/shared/host-key-check.ts). Unset or false: no answer is no verdict at once.
     */
    poweredOn?: pulumi.Input<boolean>;
}

/** One machine as the k3s stage sees it, whichever provider made it. */
export interface ClusterNode {
    /** Kubernetes node name and hostname, e.g. `k3s-cilium-server-1`. */
    name: string;
    role: NodeRole;
    /** Address the operator's machine reaches SSH on. */
    sshAddress: pulumi.Output<string>;
    /** Private address k3s and Cilium use (`node-ip`); planned, so it is known at preview time. */
    privateAddress: string;
    /** Public IPv6 address (Hetzner: the server's `ipv6Address`), when the node has one; dual-stack node-ip uses it. */
    publicIpv6Address?: pulumi.Output<string>;
    connection: SshConnection;
    /** The resource whose deletion takes this machine away: remote commands carry `deletedWith` it. */
    machine: pulumi.Resource;
}

/** Where the Kubernetes API is reached. */
export interface ControlPlaneEndpoint {
    /** Host in the kubeconfig, reachable from the operator's machine. */
    kubeconfigHost: pulumi.Output<string>;
    /** Host Cilium uses as `k8sServiceHost` (the seed's control-plane VIP); planned. */
    serviceHost: string;
    port: number;
    /** Every name/IP that must be in the API server certificate (k3s `tls-san`). */
    tlsSans: pulumi.Output<string[]>;
}

/** What every node provider produces: all the k3s stage and the outputs need, whichever provider made it. */
export interface ClusterNodes {
    /** Servers first (the first one bootstraps etcd), then agents. */
    readonly nodes: ClusterNode[];
    readonly endpoint: ControlPlaneEndpoint;
    /** What joiners need before they register through the endpoint (Hetzner: the API load balancer's service and targets); empty when joiners reach a server directly. */
    readonly endpointResources: readonly pulumi.Resource[];
    /** The SSH private key the commands use (secret), when the program holds it; Colima reads the VM's own key from its SSH config. */
    readonly sshPrivateKey?: pulumi.Output<string>;
    /** known_hosts lines (address + pinned host public key) for the operator's `ssh`, when the program pins the keys. */
    readonly knownHosts?: pulumi.Output<string>;
}
