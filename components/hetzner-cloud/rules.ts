/**
 * Validation rules of the Hetzner cloud parts: pure functions from raw-but-typed values to problems, each naming the
 * key, the value and what is accepted. Wired into config validation with one call (components/config/validate.ts).
 */
import { qualified } from "../config/keys";

export interface L2RuleInput {
    provider: string;
    l2Announcements: boolean;
    lbIpPools: readonly string[];
    /** k3s-cilium:hcloudCloudController: what the error can point to instead. */
    cloudController: boolean;
}

/**
 * L2 announcements and LB IP pools cannot work on Hetzner Cloud: its networks are routed (layer 3) and deliver only
 * the addresses Hetzner allocated ("Since Networks are a layer 3 feature, you can only use the IP addresses
 * allocated by the backend", docs.hetzner.com/cloud/networks/faq), so nobody ever receives the ARP answer for a
 * pool address. A LoadBalancer Service gets a Hetzner load balancer from the cloud controller instead.
 */
export function l2OnHetznerProblems(v: L2RuleInput): string[] {
    if (v.provider !== "hetzner") return [];
    const why = "Hetzner Cloud networks are routed (layer 3) and only deliver addresses Hetzner allocated, so an address announced over L2 (ARP) is never reached";
    const instead = v.cloudController
        ? "a plain Service of type LoadBalancer (or a Gateway) gets a Hetzner load balancer and a public address from the cloud controller"
        : `set ${qualified("hcloudCloudController")}: true, then a plain Service of type LoadBalancer gets a Hetzner load balancer`;
    const problems: string[] = [];
    if (v.l2Announcements) {
        problems.push(`${qualified("l2Announcements")} = true: ${why}; accepted on provider hetzner: false — ${instead}`);
    }
    if (v.lbIpPools.length > 0) {
        problems.push(`${qualified("lbIpPools")} = ${JSON.stringify(v.lbIpPools)}: ${why}; accepted on provider hetzner: [] — ${instead}`);
    }
    return problems;
}
