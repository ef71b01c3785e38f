import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config";
import { ClusterNode } from "./contract";
import { loadBalancerPrivateAddress } from "./plan";
import { liveLoadBalancerProblem } from "./rules";

export interface ApiLoadBalancer {
    loadBalancer: hcloud.LoadBalancer;
    /** What joiners need before they register through the endpoint: the service and the targets. */
    endpointResources: pulumi.Resource[];
    /** The operator's API host: the first server, or the load balancer's public address when opted in. */
    kubeconfigHost: pulumi.Output<string>;
    /** The load balancer's addresses for the API certificate. */
    tlsSans: pulumi.Input<string>[];
}

/**
 * The API load balancer (more than one server): `lb11` on the private network, TCP `apiPort` with TCP health
 * checks, the servers as targets by private IP. Private by default (issue 14); `parent` opts for children, `gated`
 * for the root resource that waits for the lifecycle gate.
 */
export function apiLoadBalancer(config: ClusterConfig, args: { subnetId: pulumi.Input<string>; servers: ClusterNode[] },
    parent: pulumi.CustomResourceOptions, gated: pulumi.CustomResourceOptions): ApiLoadBalancer {
    const name = `${config.clusterName}-api`;
    const loadBalancer = new hcloud.LoadBalancer(name, {
        name, loadBalancerType: "lb11", location: config.hetzner.location,
        labels: { cluster: config.clusterName, stack: config.stack, "managed-by": "pulumi" },
    }, gated);
    const lbId = loadBalancer.id.apply(id => Number(id));
    // Only the opt-in gives the load balancer a public interface. Changes are ignored because the provider would
    // replace the attachment, detaching the control-plane VIP (ForceNew, see liveLoadBalancerProblem); a live change
    // is the in-place hcloud action + refresh.
    const lbNetwork = new hcloud.LoadBalancerNetwork(name, {
        loadBalancerId: lbId, subnetId: args.subnetId, ip: loadBalancerPrivateAddress(config),
        enablePublicInterface: config.hetzner.publicApiLoadBalancer,
    }, { ...parent, ignoreChanges: ["enablePublicInterface"] });
    const service = new hcloud.LoadBalancerService(name, {
        loadBalancerId: loadBalancer.id, protocol: "tcp", listenPort: config.apiPort, destinationPort: config.apiPort,
        healthCheck: { protocol: "tcp", port: config.apiPort, interval: 5, timeout: 3, retries: 3 },
    }, parent);
    const targets = args.servers.map(s => {
        if (!(s.machine instanceof hcloud.Server)) throw new pulumi.ResourceError(`${s.name}: the API load balancer targets hcloud servers only`, s.machine);
        return new hcloud.LoadBalancerTarget(`${s.name}-api`, {
            loadBalancerId: lbId, type: "server", serverId: s.machine.id.apply(id => Number(id)), usePrivateIp: true,
        }, { ...parent, dependsOn: [lbNetwork] });
    });
    // The operator's endpoint: the public load balancer only when opted in, else the first server's public address
    // (the hcloud firewall admits apiAllowList there). It waits for the live check, so a stack whose load balancer
    // disagrees with config stops before its kubeconfig or anything in the cluster changes.
    const opted = config.hetzner.publicApiLoadBalancer;
    const kubeconfigHost = pulumi.all([lbNetwork.enablePublicInterface, loadBalancer.ipv4, loadBalancer.ipv6, args.servers[0].sshAddress])
        .apply(([publicInterface, ipv4, ipv6, firstServer]) => {
            const problem = liveLoadBalancerProblem({ publicApiLoadBalancer: opted, stack: config.stack },
                { name, publicInterface: publicInterface ?? opted });
            if (problem) throw new pulumi.ResourceError(problem, lbNetwork, true);
            if (!opted) return firstServer;
            return config.hetzner.publicIpv4 ? ipv4 : ipv6;
        });
    // The load balancer's public addresses stay in the certificate whether or not its interface is on, so toggling
    // the opt-in never rewrites the servers' k3s config (no rolling restart).
    return {
        loadBalancer, endpointResources: [service, ...targets], kubeconfigHost,
        tlsSans: [loadBalancerPrivateAddress(config), loadBalancer.ipv4, loadBalancer.ipv6],
    };
}
