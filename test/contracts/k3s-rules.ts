/**
 * k3s' own rules for one node's config.yaml, ported from upstream so tests can hold rendered artifacts to them.
 */
import { isIPv4, isIPv6 } from "net";
import { K3S_AGENT_FLAGS, K3S_SERVER_FLAGS } from "./k3s-flags";

/**
 * Keys of a config.yaml that the node's subcommand does not define. k3s turns key `k` (or `k+`, append) into
 * `--k=…` (`pkg/configfilearg/parser.go`); `k3s agent` fails on an undefined one, `k3s server` drops it.
 */
export function undefinedFlags(config: Record<string, unknown>, role: "server" | "agent"): string[] {
    const flags = role === "server" ? K3S_SERVER_FLAGS : K3S_AGENT_FLAGS;
    return Object.keys(config).filter(k => !flags.has(k.replace(/\+$/, "")));
}

/** A k3s list value: a YAML list, or a comma-separated string (k3s splits StringSlice values on commas). */
function items(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value.map(String) : [String(value)];
    return list.flatMap(v => v.split(",")).map(s => s.trim()).filter(s => s !== "");
}

const v4Cidr = (c: string) => isIPv4(c.split("/")[0]);
const v6Cidr = (c: string) => isIPv6(c.split("/")[0]);
const dual = (list: string[], is4: (s: string) => boolean, is6: (s: string) => boolean) =>
    list.some(is4) && list.some(is6);

/**
 * The dual-stack checks k3s runs at agent start on every node (servers included), in `run()` of
 * github.com/k3s-io/k3s `pkg/agent/run.go` (@0097157b, see ../shared/upstream/README.md): the first
 * cluster-cidr/service-cidr/node-ip decides "IPv4"/"IPv6" (`IsIPv4CIDR(ClusterCIDR)` etc. on the first entry),
 * `IsDualStackCIDRs`/`IsDualStackIPs` look at all entries. Messages are k3s' own. The defaults
 * (10.42.0.0/16, 10.43.0.0/16) apply when a key is absent; agents get cluster-cidr/service-cidr from servers.
 */
export function k3sDualStackErrors(clusterCidr: unknown, serviceCidr: unknown, nodeIp: unknown): string[] {
    const cluster = items(clusterCidr ?? "10.42.0.0/16");
    const service = items(serviceCidr ?? "10.43.0.0/16");
    const node = items(nodeIp);
    const dualCluster = dual(cluster, v4Cidr, v6Cidr);
    const dualService = dual(service, v4Cidr, v6Cidr);
    const dualNode = dual(node, isIPv4, isIPv6);
    const serviceIPv4 = v4Cidr(service[0] ?? ""), clusterIPv4 = v4Cidr(cluster[0] ?? ""), nodeIPv4 = isIPv4(node[0] ?? "");
    const serviceIPv6 = v6Cidr(service[0] ?? ""), clusterIPv6 = v6Cidr(cluster[0] ?? ""), nodeIPv6 = isIPv6(node[0] ?? "");
    const errors: string[] = [];
    if (serviceIPv6 !== clusterIPv6 || dualCluster !== dualService || serviceIPv4 !== clusterIPv4) {
        errors.push(`cluster-cidr: [${cluster.join(" ")}] and service-cidr: [${service.join(" ")}], must share the same IP version (IPv4, IPv6 or dual-stack)`);
    }
    if ((clusterIPv6 && !(nodeIPv6 || dualNode)) || (dualCluster && !dualNode) || (clusterIPv4 && !(nodeIPv4 || dualNode))) {
        errors.push(`cluster-cidr: [${cluster.join(" ")}] and node-ip: [${node.join(" ")}], must share the same IP version (IPv4, IPv6 or dual-stack)`);
    }
    return errors;
}
