import * as YAML from "yaml";
import { ClusterConfig } from "../config";
import { NodeRole } from "../nodes/contract";
import { cloudProviderK3sFlags } from "../hetzner-cloud/values";
import { etcdBackupK3sKeys, etcdS3CredentialKeys } from "./backup";

export interface K3sNodeConfigInput {
    name: string;
    role: NodeRole;
    privateAddress: string;
    /** The node's public IPv6 address; required when `ipv6` is on (dual-stack node-ip). */
    publicIpv6Address?: string;
    /** The first server bootstraps etcd (`cluster-init`); every other node joins. */
    isFirstServer: boolean;
    /** URL joiners register with: the control-plane endpoint. */
    joinUrl: string;
    /** Every endpoint name/IP for the API certificate. */
    tlsSans: readonly string[];
}

/** Placeholders for the tokens in rendered artifacts; the real tokens only ever travel on a command's stdin. */
export const TOKEN_PLACEHOLDER = "<k3s-token: secret, set per stack>";
export const AGENT_TOKEN_PLACEHOLDER = "<k3s-agent-token: secret, set per stack>";

/** The join secrets of a cluster (both secret Outputs' plain values inside an apply). */
export interface K3sTokens {
    /** Server token: joins servers, and is the PBKDF2 passphrase of k3s' bootstrap data in the datastore. */
    server: string;
    /** Agent token: joins agents only (k3s `agent-token`, server.go: "Shared secret used to join agents to the cluster, but not servers"). */
    agent: string;
    /** S3 credentials of the etcd snapshot upload (servers only, with etcdS3Backups on). */
    etcdS3?: { accessKey: string; secretKey: string };
}

/**
 * The token keys of one node's config.yaml. Servers carry the server token and define the agent token
 * (`agent-token` is a `k3s server` flag); agents carry only the agent token as their `token` — an agent node
 * (or whoever reads its disk) never holds the secret that joins servers and decrypts the datastore's bootstrap data.
 */
export function k3sTokenKeys(role: NodeRole, tokens: K3sTokens): Record<string, string> {
    return role === "server" ? { token: tokens.server, "agent-token": tokens.agent } : { token: tokens.agent };
}

/** A rendered config.yaml with its secrets replaced by placeholders (for `npm run render`). */
export function redactK3sConfig(doc: Record<string, unknown>): Record<string, unknown> {
    const out = { ...doc };
    if ("token" in out) out.token = TOKEN_PLACEHOLDER;
    if ("agent-token" in out) out["agent-token"] = AGENT_TOKEN_PLACEHOLDER;
    for (const k of ["etcd-s3-access-key", "etcd-s3-secret-key"]) if (k in out) out[k] = "<secret: set per stack>";
    return out;
}

/**
 * `node-ip`: the private IPv4 address, plus the public IPv6 address with `ipv6` on. k3s refuses to start when
 * cluster-cidr and node-ip do not share IP versions (k3s-io/k3s `pkg/agent/run.go`, run(): "cluster-cidr: … and
 * node-ip: …, must share the same IP version (IPv4, IPv6 or dual-stack)"), on agents too (they receive the
 * servers' dual-stack cluster-cidr). Hetzner private networks are IPv4-only, so the v6 half is the public one;
 * IPv4 comes first, so the kubelet's first InternalIP (what the API server dials) stays the private address.
 */
export function nodeIp(config: ClusterConfig, node: Pick<K3sNodeConfigInput, "name" | "privateAddress" | "publicIpv6Address">): string {
    if (!config.network.ipv6) return node.privateAddress;
    if (!node.publicIpv6Address) {
        throw new Error(`${node.name}: k3s-cilium:ipv6 is true but the node has no public IPv6 address for its dual-stack node-ip (k3s-cilium:publicIpv6)`);
    }
    return `${node.privateAddress},${node.publicIpv6Address}`;
}

/**
 * `/etc/rancher/k3s/config.yaml` for one node, as an ordered object (without tokens). Keys are flags of the
 * node's subcommand only: `k3s agent` exits with "flag provided but not defined" on any other key (k3s only drops
 * unknown config-file keys for `server`, `pkg/configfilearg/defaultparser.go`), so the cluster-wide settings —
 * flannel off, k3s' network policy controller off, kube-proxy off (Cilium replaces all three), the CIDRs — are
 * server flags and reach agents from the servers. test/k3s-contract.test.ts holds this to upstream's flag sets.
 */
export function k3sNodeConfig(config: ClusterConfig, node: K3sNodeConfigInput): Record<string, unknown> {
    const out: Record<string, unknown> = {
        "node-name": node.name,
        "node-ip": nodeIp(config, node),
    };
    if (!node.isFirstServer) {
        out.server = node.joinUrl;
    }
    if (node.role === "server") {
        const v6 = config.network.ipv6;
        Object.assign(out, {
            "advertise-address": node.privateAddress,
            "tls-san": [...node.tlsSans],
            "cluster-cidr": v6 ? `${config.network.podCidr},${config.network.podCidrV6}` : config.network.podCidr,
            "service-cidr": v6 ? `${config.network.serviceCidr},${config.network.serviceCidrV6}` : config.network.serviceCidr,
            "flannel-backend": "none",
            "disable-network-policy": true,
            "disable-kube-proxy": true,
            // Cilium provides ingress, Gateway API and load-balancer IPAM.
            disable: ["traefik", "servicelb"],
            "write-kubeconfig-mode": "0600",
            "https-listen-port": config.apiPort,
        });
        if (node.isFirstServer) out["cluster-init"] = true;
        // Scheduled snapshots and their S3 upload run on every server (components/k3s/backup.ts).
        Object.assign(out, etcdBackupK3sKeys(config.backup));
    }
    // Hetzner cloud controller / CSI driver flags (per role), decided in components/hetzner-cloud/values.ts.
    return cloudProviderK3sFlags(config, node.role, out);
}

/** The file as written on the node: the config plus its tokens, rendered with a YAML library. */
export function renderK3sConfig(nodeConfig: Record<string, unknown>, role: NodeRole, tokens: K3sTokens): string {
    const s3 = role === "server" ? etcdS3CredentialKeys({ s3: nodeConfig["etcd-s3"] === true }, tokens.etcdS3) : {};
    return YAML.stringify({ ...nodeConfig, ...k3sTokenKeys(role, tokens), ...s3 }, { lineWidth: 0 });
}

export function joinUrl(serviceHost: string, port: number): string {
    const host = serviceHost.includes(":") ? `[${serviceHost}]` : serviceHost;
    return `https://${host}:${port}`;
}

/**
 * Rewrites the kubeconfig k3s writes (server https://127.0.0.1:6443) to the control-plane endpoint the
 * operator reaches, and names the cluster/context/user after the cluster.
 */
export function rewriteKubeconfig(kubeconfig: string, server: string, clusterName: string): string {
    const doc = YAML.parse(kubeconfig) as {
        clusters?: { name: string; cluster: { server: string } }[];
        contexts?: { name: string; context: { cluster: string; user: string } }[];
        users?: { name: string }[];
        "current-context"?: string;
    };
    if (!doc || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
        throw new Error("the kubeconfig read from the first server has no clusters: is /etc/rancher/k3s/k3s.yaml complete?");
    }
    for (const c of doc.clusters) { c.name = clusterName; c.cluster.server = server; }
    for (const c of doc.contexts ?? []) { c.name = clusterName; c.context.cluster = clusterName; c.context.user = clusterName; }
    for (const u of doc.users ?? []) u.name = clusterName;
    doc["current-context"] = clusterName;
    return YAML.stringify(doc, { lineWidth: 0 });
}
