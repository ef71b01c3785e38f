/**
 * Rules of the API endpoint's exposure: pure functions from values to one-line problems, each naming the key, the
 * value, why, and what is accepted. `apiLoadBalancerProblems` runs with config validation (before any resource);
 * `liveLoadBalancerProblem` judges the load balancer as Hetzner reports it, on a stack that already has one.
 */
import { qualified } from "../config/keys";

export interface ApiLoadBalancerInput {
    provider: string;
    controlPlaneCount: number;
    publicApiLoadBalancer: boolean;
    allowWorldOpenAccess: boolean;
}

/** Why a public API load balancer is an exposure the allow-list cannot narrow. */
export const PUBLIC_LB_EXPOSURE =
    "a Hetzner load balancer takes no firewall (firewalls apply to servers only), so its public port is open to the whole internet and apiAllowList does not protect it";

/** The load balancer only has a public interface when the operator opts in, and acknowledges the exposure. */
export function apiLoadBalancerProblems(v: ApiLoadBalancerInput): string[] {
    if (!v.publicApiLoadBalancer) return [];
    const key = `${qualified("publicApiLoadBalancer")} = true`;
    if (v.provider !== "hetzner" || v.controlPlaneCount < 2) {
        return [`${key}: there is no API load balancer (only provider hetzner with controlPlaneCount > 1 has one); accepted: false`];
    }
    if (!v.allowWorldOpenAccess) {
        return [`${key}: ${PUBLIC_LB_EXPOSURE}; accepted: false (default: the API on the servers' allow-listed public IPs, or the SSH tunnel in the commands output), or also set ${qualified("allowWorldOpenAccess")}: true to accept that`];
    }
    return [];
}

/**
 * The live load balancer's public interface against config. `enablePublicInterface` is ForceNew in the provider
 * (hetznercloud/terraform-provider-hcloud internal/loadbalancer/resource_network.go @07612b0), so a change would
 * detach and re-attach the control-plane VIP; the program ignores changes to it and asks for the in-place API
 * action instead. A stack deployed before the private default still has a public load balancer: stop before the
 * kubeconfig or anything in the cluster changes, with the fix in one line.
 */
export function liveLoadBalancerProblem(v: { publicApiLoadBalancer: boolean; stack: string }, lb: { name: string; publicInterface: boolean }): string | undefined {
    if (lb.publicInterface === v.publicApiLoadBalancer) return undefined;
    const refresh = `pulumi refresh --stack ${v.stack}`;
    if (lb.publicInterface) {
        return `${qualified("publicApiLoadBalancer")} = false, but load balancer ${lb.name} still has its public interface (${PUBLIC_LB_EXPOSURE}): ` +
            `first \`pulumi up\` once with ${qualified("publicApiLoadBalancer")} and ${qualified("allowWorldOpenAccess")} true (records the cluster identity, changes nothing), ` +
            `then \`hcloud load-balancer disable-public-interface ${lb.name}\`, \`${refresh}\`, unset both keys and \`pulumi up\` (README: Security)`;
    }
    return `${qualified("publicApiLoadBalancer")} = true, but load balancer ${lb.name} has no public interface: ` +
        `run \`hcloud load-balancer enable-public-interface ${lb.name}\` and \`${refresh}\`, then \`pulumi up\` (changing it through Pulumi would detach the control-plane VIP)`;
}
