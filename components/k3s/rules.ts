/**
 * Config rules the k3s stage owns: what k3s itself would refuse at start, caught before anything is created.
 * Pure; validateConfig calls it with the already type-checked values.
 */
import { qualified } from "../config/keys";

export interface K3sRuleInput {
    provider: string;
    ipv6: boolean;
    publicIpv6: boolean;
}

/**
 * Dual-stack needs an IPv6 node-ip on every node: k3s refuses to start when cluster-cidr and node-ip do not share
 * IP versions (k3s-io/k3s `pkg/agent/run.go`, run(): "cluster-cidr: … and node-ip: …, must share the same IP
 * version (IPv4, IPv6 or dual-stack)"), agents included. On Hetzner the private network is IPv4-only, so the IPv6
 * half is the server's public address. Colima's VM sits in Lima's user-mode network, whose only planned guest
 * address is IPv4 192.168.5.15 (lima-vm.io/docs/config/network/user: subnet hard-coded to 192.168.5.0/24).
 */
export function k3sConfigProblems(v: K3sRuleInput): string[] {
    const problems: string[] = [];
    if (!v.ipv6) return problems;
    const why = "k3s needs an IPv6 node-ip on every node when cluster-cidr is dual-stack (k3s pkg/agent/run.go)";
    if (v.provider === "hetzner" && !v.publicIpv6) {
        problems.push(`${qualified("publicIpv6")} = false: ${qualified("ipv6")} is true and ${why}; Hetzner private networks are IPv4-only, so the IPv6 half is the server's public address; accepted: true, or ${qualified("ipv6")}: false`);
    }
    if (v.provider === "colima") {
        problems.push(`${qualified("ipv6")} = true: ${why}, and the Colima VM has only Lima's fixed IPv4 guest address 192.168.5.15 (lima-vm.io/docs/config/network/user); accepted: false on provider colima`);
    }
    return problems;
}
