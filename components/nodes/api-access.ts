/**
 * How the operator reaches the Kubernetes API when one server is down. A kubeconfig cluster has exactly one server
 * URL, so the operator's kubeconfig carries one context per server (its public address, which the hcloud firewall
 * admits from apiAllowList and every server's certificate names: tls-san) plus a tunnel context, while the current
 * context stays the stack's endpoint. `kubectl --context <cluster>-server-2 …` (or `kubectl config use-context`)
 * switches; the tunnel context goes through any server over SSH to the private API load balancer, which health-checks
 * the servers and so routes around a dead one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ClusterConfig } from "../config";
import { joinUrl } from "../k3s/config";
import { ClusterNode } from "./contract";

/** Local port of the SSH tunnel (not 6443, which a local Colima cluster on the same laptop already uses). */
export const API_TUNNEL_LOCAL_PORT = 16443;

/** Name of the context that goes through the SSH tunnel. */
export const tunnelContext = (clusterName: string) => `${clusterName}-tunnel`;

interface KubeconfigDoc {
    clusters: { name: string; cluster: Record<string, unknown> & { server: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    users: { name: string }[];
    "current-context": string;
}

/**
 * Pure: adds a cluster + context per server (`https://<public address>:<port>`) and the tunnel
 * (`https://127.0.0.1:16443`) to a kubeconfig already rewritten to the cluster's name. Every added cluster reuses the
 * first cluster's CA and the one user; the current context is unchanged. The tunnel's 127.0.0.1 is in k3s' serving
 * certificate: k3s' own /etc/rancher/k3s/k3s.yaml points at https://127.0.0.1:6443 and verifies against that CA.
 */
export function withFailoverContexts(kubeconfig: string, clusterName: string, servers: { name: string; address: string }[], port: number): string {
    const doc = YAML.parse(kubeconfig) as KubeconfigDoc;
    const base = doc.clusters?.find(c => c.name === clusterName);
    const user = doc.contexts?.find(c => c.name === doc["current-context"])?.context.user;
    if (!base || !user) throw new Error(`kubeconfig: no cluster/context named ${clusterName}; expected the kubeconfig rewritten by the k3s stage`);
    const add = (name: string, server: string) => {
        doc.clusters.push({ name, cluster: { ...base.cluster, server } });
        doc.contexts.push({ name, context: { cluster: name, user } });
    };
    for (const s of servers) add(s.name, joinUrl(s.address, port));
    add(tunnelContext(clusterName), joinUrl("127.0.0.1", API_TUNNEL_LOCAL_PORT));
    return YAML.stringify(doc, { lineWidth: 0 });
}

/** The kubeconfig the operator gets (stack output): on Hetzner with the per-server and tunnel contexts; secret. */
export function operatorKubeconfig(config: ClusterConfig, kubeconfig: pulumi.Output<string>, nodes: ClusterNode[]): pulumi.Output<string> {
    if (config.provider !== "hetzner") return kubeconfig;
    const servers = nodes.filter(n => n.role === "server");
    return pulumi.secret(pulumi.all([kubeconfig, pulumi.all(servers.map(s => s.sshAddress))]).apply(([raw, addresses]) =>
        withFailoverContexts(raw, config.clusterName, servers.map((s, i) => ({ name: s.name, address: addresses[i] })), config.apiPort)));
}
