import { Cidr, contains, overlaps, parseCidr, size } from "../cidr";
import { ADDRESS_OFFSETS, COLIMA_NODE_CIDR } from "../constants";
import { CONFIG_KEYS, ConfigKey, qualified } from "../keys";
import { Facts, Problem, Rule, RuleInput, problem } from "./types";

/** The CIDR keys that apply to this stack, each with its family. */
function cidrKeys({ facts, ok, values }: RuleInput): [ConfigKey, 4 | 6][] {
    const keys: [ConfigKey, 4 | 6][] = [];
    if (facts.hetzner) keys.push(["nodeCidr", 4], ["nodeSubnetCidr", 4]);
    keys.push(["podCidr", 4], ["serviceCidr", 4]);
    if (ok("ipv6") && values.ipv6) keys.push(["podCidrV6", 6], ["serviceCidrV6", 6]);
    return keys;
}

/** Each CIDR key parses as a network of its family. */
function syntax(input: RuleInput): Problem[] {
    const problems: Problem[] = [];
    for (const [key, family] of cidrKeys(input)) {
        if (!input.ok(key)) continue;
        const value = input.values[key];
        const parsed = parseCidr(String(value));
        if (typeof parsed === "string") {
            problems.push(problem(key, value, `${parsed}; accepted: an IPv${family} CIDR such as ${family === 4 ? "10.42.0.0/16" : "fd42:42::/56"}`));
        } else if (parsed.family !== family) {
            problems.push(problem(key, value, `accepted: an IPv${family} CIDR`));
        }
    }
    return problems;
}

/** The cluster's ranges in a fixed order, labelled as a key or a description (Colima's network is not a key). */
export function clusterRanges(facts: Facts): [ConfigKey | string, Cidr | undefined][] {
    return [
        [facts.hetzner ? "nodeCidr" : `Colima's VM network ${COLIMA_NODE_CIDR}`, facts.nodeNet],
        ["podCidr", facts.pod],
        ["serviceCidr", facts.svc],
        ["podCidrV6", facts.pod6],
        ["serviceCidrV6", facts.svc6],
    ];
}

/**
 * Hetzner Cloud networks: "Must be one of the private IPv4 ranges of RFC1918. Minimum network size is /24"
 * (Hetzner Cloud API reference, POST /networks, field ip_range; docs.hetzner.cloud).
 */
const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(c => parseCidr(c)).filter((c): c is Cidr => typeof c !== "string");

function hetznerNetwork({ values: v, facts }: RuleInput): Problem[] {
    const net = facts.hetzner ? facts.nodeNet : undefined;
    if (!net) return [];
    if (!RFC1918.some(r => contains(r, net))) {
        return [problem("nodeCidr", v.nodeCidr, "Hetzner networks accept only the private ranges of RFC 1918; accepted: a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")];
    }
    if (net.prefix > 24) {
        return [problem("nodeCidr", v.nodeCidr, "Hetzner's minimum network size is /24; accepted: a prefix of /24 or larger (e.g. /16)")];
    }
    return [];
}

/** Node, pod and service ranges must be pairwise disjoint. */
function disjoint(facts: Facts): Problem[] {
    const problems: Problem[] = [];
    const ranges = clusterRanges(facts);
    for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
            const [ka, a] = ranges[i];
            const [kb, b] = ranges[j];
            if (a && b && overlaps(a, b) && kb in CONFIG_KEYS) {
                problems.push(problem(kb, b.text,
                    `overlaps ${ka in CONFIG_KEYS ? qualified(ka) : ka} (${a.text}); accepted: a range disjoint from the node, pod and service ranges`));
            }
        }
    }
    return problems;
}

/** Sizes: the subnet holds the address scheme, the pod range a /24 per node, service ranges Kubernetes' limits. */
function sizes({ values: v, ok, facts }: RuleInput): Problem[] {
    const problems: Problem[] = [];
    const { nodeNet, nodeSubnet, pod, svc, pod6, svc6, nodeCount } = facts;
    if (nodeNet && nodeSubnet) {
        const needed = ADDRESS_OFFSETS.firstAgent + Math.max(v.workerCount, 0) + 1;
        if (!contains(nodeNet, nodeSubnet)) {
            problems.push(problem("nodeSubnetCidr", v.nodeSubnetCidr, `must lie inside nodeCidr ${nodeNet.text}`));
        } else if (ok("workerCount") && size(nodeSubnet) < BigInt(needed)) {
            problems.push(problem("nodeSubnetCidr", v.nodeSubnetCidr,
                `too small for ${v.workerCount} agents at offsets ${ADDRESS_OFFSETS.firstAgent}+ (README "Addresses"); accepted: a subnet with at least ${needed} addresses`));
        }
    }
    // Kubernetes IPAM hands every node a /24 out of the cluster CIDR (k3s node-cidr-mask-size default).
    if (pod && nodeCount !== undefined && (pod.prefix > 24 || 2 ** (24 - pod.prefix) < nodeCount)) {
        problems.push(problem("podCidr", pod.text,
            `too small: every node gets a /24 and there are ${nodeCount} nodes; accepted: a prefix of /${Math.min(24, 24 - Math.ceil(Math.log2(nodeCount)))} or larger`));
    }
    if (svc && (svc.prefix < 12 || svc.prefix > 28)) {
        problems.push(problem("serviceCidr", svc.text, "accepted: a prefix between /12 and /28 (Kubernetes limits the service range to 2^20 addresses)"));
    }
    if (pod6 && pod6.prefix > 64) {
        problems.push(problem("podCidrV6", pod6.text, "accepted: a prefix of /64 or larger (every node gets a /64)"));
    }
    if (svc6 && svc6.prefix < 108) {
        problems.push(problem("serviceCidrV6", svc6.text, "accepted: a prefix between /108 and /128 (Kubernetes limits the service range to 2^20 addresses)"));
    }
    return problems;
}

/** nodeCidr, nodeSubnetCidr, podCidr, serviceCidr and their IPv6 counterparts. */
export const networkRules: Rule = input => [...syntax(input), ...hetznerNetwork(input), ...disjoint(input.facts), ...sizes(input)];
