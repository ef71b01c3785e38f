import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ClusterConfig } from "../config";
import { ClusterNode, ClusterNodes } from "./contract";
import { firewallRules } from "./firewall";
import { loadBalancerPrivateAddress, planNodes, serviceHost, usesLoadBalancer } from "./plan";

export interface HetznerNodesArgs {
    /** Validated config; provider must be "hetzner". */
    config: ClusterConfig;
    /** Configured SSH private key (secret). Default: an ED25519 key pair generated for this stack. */
    sshPrivateKey?: pulumi.Output<string>;
}

/**
 * Minimal cloud-init: no password logins. Deterministic text, and ignored after creation (see ignoreChanges
 * below): cloud-init only runs at first boot, so a change must not replace running production servers.
 */
export function cloudInit(): string {
    return ["#cloud-config", "ssh_pwauth: false", "disable_root: false", ""].join("\n");
}

export function labelsFor(config: ClusterConfig, role?: string): Record<string, string> {
    return { cluster: config.clusterName, stack: config.stack, "managed-by": "pulumi", ...(role ? { role } : {}) };
}

/**
 * Hetzner Cloud machines: private network + subnet, SSH key, spread placement groups, a firewall built from
 * `firewallRules(config)`, servers with planned private IPs and, with more than one server, an API load balancer.
 */
export class HetznerNodes extends pulumi.ComponentResource implements ClusterNodes {
    readonly nodes: ClusterNode[];
    readonly endpoint: ClusterNodes["endpoint"];
    readonly network: hcloud.Network;
    readonly firewall: hcloud.Firewall;
    readonly loadBalancer?: hcloud.LoadBalancer;
    /** What joiners need before they register through the endpoint (the load balancer's service and targets). */
    readonly endpointResources: pulumi.Resource[] = [];
    /** The SSH private key the commands use (secret). */
    readonly sshPrivateKey: pulumi.Output<string>;

    constructor(name: string, args: HetznerNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:nodes:HetznerNodes", name, {}, opts);
        const { config } = args;
        const parent = { parent: this };
        const cluster = config.clusterName;

        this.network = new hcloud.Network(`${cluster}-network`, {
            name: cluster, ipRange: config.network.nodeCidr, labels: labelsFor(config),
        }, parent);
        const networkId = this.network.id.apply(id => Number(id));
        const subnet = new hcloud.NetworkSubnet(`${cluster}-subnet`, {
            networkId, type: "cloud", networkZone: config.hetzner.networkZone, ipRange: config.network.nodeSubnetCidr,
        }, parent);

        let publicKey: pulumi.Input<string>;
        if (config.ssh.publicKey) {
            publicKey = config.ssh.publicKey;
            this.sshPrivateKey = pulumi.secret(args.sshPrivateKey!);
        } else {
            const key = new tls.PrivateKey(`${cluster}-ssh`, { algorithm: "ED25519" }, { ...parent, additionalSecretOutputs: ["privateKeyOpenssh", "privateKeyPem"] });
            publicKey = key.publicKeyOpenssh;
            this.sshPrivateKey = pulumi.secret(key.privateKeyOpenssh);
        }
        const sshKey = new hcloud.SshKey(`${cluster}-ssh`, { name: cluster, publicKey, labels: labelsFor(config) }, parent);

        const rules = firewallRules(config);
        this.firewall = new hcloud.Firewall(`${cluster}-firewall`, {
            name: cluster,
            labels: labelsFor(config),
            rules: rules.public.map(r => ({
                direction: "in", protocol: r.protocol, ...(r.port ? { port: r.port } : {}),
                sourceIps: r.sourceIps, description: r.description,
            })),
        }, parent);

        const planned = planNodes(config);
        const groups = new Map<string, hcloud.PlacementGroup>();
        for (const key of [...new Set(planned.map(n => n.placementGroup))]) {
            groups.set(key, new hcloud.PlacementGroup(`${cluster}-${key}`, {
                name: `${cluster}-${key}`, type: "spread", labels: labelsFor(config, key.startsWith("agents") ? "agent" : "server"),
            }, parent));
        }

        const firewallId = this.firewall.id.apply(id => Number(id));
        this.nodes = planned.map(p => {
            const server = new hcloud.Server(p.name, {
                name: p.name,
                serverType: p.serverType,
                image: config.hetzner.image,
                location: config.hetzner.location,
                sshKeys: [sshKey.id],
                placementGroupId: groups.get(p.placementGroup)!.id.apply(id => Number(id)),
                firewallIds: [firewallId],
                networks: [{ networkId, ip: p.privateAddress, aliasIps: [] }],
                publicNets: [{ ipv4Enabled: config.hetzner.publicIpv4, ipv6Enabled: config.hetzner.publicIpv6 }],
                userData: cloudInit(),
                labels: labelsFor(config, p.role),
            }, { ...parent, dependsOn: [subnet], ignoreChanges: ["userData"] });
            const sshAddress = config.hetzner.publicIpv4 ? server.ipv4Address : server.ipv6Address;
            return {
                name: p.name,
                role: p.role,
                sshAddress,
                privateAddress: p.privateAddress,
                publicIpv6Address: config.hetzner.publicIpv6 ? server.ipv6Address : undefined,
                connection: { host: sshAddress, port: 22, user: config.ssh.user, privateKey: this.sshPrivateKey },
                machine: server,
            };
        });

        const servers = this.nodes.filter(n => n.role === "server");
        const serverPublic = servers.map(s => s.sshAddress);
        const sans: pulumi.Input<string>[] = [...servers.map(s => s.privateAddress), ...serverPublic];
        let kubeconfigHost: pulumi.Output<string>;
        if (usesLoadBalancer(config)) {
            this.loadBalancer = new hcloud.LoadBalancer(`${cluster}-api`, {
                name: `${cluster}-api`, loadBalancerType: "lb11", location: config.hetzner.location, labels: labelsFor(config),
            }, parent);
            const lbId = this.loadBalancer.id.apply(id => Number(id));
            const lbNetwork = new hcloud.LoadBalancerNetwork(`${cluster}-api`, {
                loadBalancerId: lbId, subnetId: subnet.id, ip: loadBalancerPrivateAddress(config),
            }, parent);
            const service = new hcloud.LoadBalancerService(`${cluster}-api`, {
                loadBalancerId: this.loadBalancer.id, protocol: "tcp", listenPort: config.apiPort, destinationPort: config.apiPort,
                healthCheck: { protocol: "tcp", port: config.apiPort, interval: 5, timeout: 3, retries: 3 },
            }, parent);
            this.endpointResources.push(service);
            for (const s of servers) {
                this.endpointResources.push(new hcloud.LoadBalancerTarget(`${s.name}-api`, {
                    loadBalancerId: lbId, type: "server", serverId: (s.machine as hcloud.Server).id.apply(id => Number(id)), usePrivateIp: true,
                }, { ...parent, dependsOn: [lbNetwork] }));
            }
            kubeconfigHost = config.hetzner.publicIpv4 ? this.loadBalancer.ipv4 : this.loadBalancer.ipv6;
            sans.unshift(loadBalancerPrivateAddress(config), this.loadBalancer.ipv4, this.loadBalancer.ipv6);
        } else {
            kubeconfigHost = servers[0].sshAddress;
        }
        this.endpoint = {
            kubeconfigHost,
            serviceHost: serviceHost(config),
            port: config.apiPort,
            tlsSans: pulumi.all(sans).apply(list => [...new Set(list.filter(s => !!s))]),
        };
        this.registerOutputs({ nodes: this.nodes.map(n => n.name), kubeconfigHost, serviceHost: this.endpoint.serviceHost });
    }
}
