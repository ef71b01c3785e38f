/**
 * Every config key the program reads, in the project namespace. This table is the single source of truth:
 * `Pulumi.yaml` and the README config reference are checked against it by tests (test/config-reference.test.ts),
 * and the loader applies these defaults so that mocked runs behave exactly like the Pulumi CLI.
 */
export type KeyType = "string" | "integer" | "boolean" | "array";

export interface KeySpec {
    type: KeyType;
    description: string;
    /** Omitted for keys without a default (secrets). */
    default?: string | number | boolean | string[];
    secret?: boolean;
}

export const PROJECT = "k3s-cilium";

export const CONFIG_KEYS = {
    provider: { type: "string", default: "colima", description: "Where the nodes run: colima (one local VM) or hetzner (Hetzner Cloud servers)." },
    clusterName: { type: "string", default: "k3s-cilium", description: "Cluster name (DNS label); prefixes cloud resource names and labels." },
    k3sVersion: { type: "string", default: "v1.33.5+k3s1", description: "Pinned k3s release (vX.Y.Z+k3sN); its Kubernetes minor must be in the Cilium minor's tested range." },
    ciliumVersion: { type: "string", default: "1.18.4", description: "Cilium Helm chart version; its minor selects the Gateway API CRD version." },
    controlPlaneCount: { type: "integer", default: 1, description: "k3s servers (embedded etcd): 1, 3, 5 or 7." },
    workerCount: { type: "integer", default: 0, description: "k3s agents." },
    nodeCidr: { type: "string", default: "10.0.0.0/16", description: "Hetzner private network range." },
    nodeSubnetCidr: { type: "string", default: "10.0.1.0/24", description: "Subnet of nodeCidr that holds the servers and the API load balancer." },
    podCidr: { type: "string", default: "10.42.0.0/16", description: "IPv4 pod range (k3s cluster-cidr; Cilium IPAM kubernetes uses it)." },
    serviceCidr: { type: "string", default: "10.43.0.0/16", description: "IPv4 service range (k3s service-cidr)." },
    ipv6: { type: "boolean", default: false, description: "Dual-stack pods and services (Cilium ipv6.enabled)." },
    podCidrV6: { type: "string", default: "fd42:42::/56", description: "IPv6 pod range, used when ipv6 is true." },
    serviceCidrV6: { type: "string", default: "fd42:43::/112", description: "IPv6 service range, used when ipv6 is true." },
    apiPort: { type: "integer", default: 6443, description: "Kubernetes API port (Cilium k8sServicePort)." },
    sshAllowList: { type: "array", default: [], description: "CIDRs allowed to reach SSH 22/tcp (required for hetzner)." },
    apiAllowList: { type: "array", default: [], description: "CIDRs allowed to reach the API on the servers (required for hetzner)." },
    allowWorldOpenAccess: { type: "boolean", default: false, description: "Explicit opt-in to accept 0.0.0.0/0 or ::/0 in an allow-list." },
    sshPublicKey: { type: "string", default: "", description: "OpenSSH public key for the servers; empty = a key pair is generated per stack." },
    sshPrivateKey: { type: "string", default: "", description: "Private key matching sshPublicKey, set with pulumi config set --secret; required when sshPublicKey is set." },
    sshUser: { type: "string", default: "root", description: "SSH user on Hetzner servers." },
    hcloudLocation: { type: "string", default: "fsn1", description: "Hetzner location; the network zone is derived from it." },
    hcloudCloudController: { type: "boolean", default: true, description: "hetzner: Hetzner cloud controller manager (node initialisation; LoadBalancer Services and Gateways get Hetzner load balancers); k3s then runs disable-cloud-controller and kubelet cloud-provider=external." },
    hcloudCsiDriver: { type: "boolean", default: true, description: "hetzner: Hetzner CSI driver with the default StorageClass hcloud-volumes (k3s' local-path storage is then disabled)." },
    controlPlaneServerType: { type: "string", default: "cx33", description: "Hetzner server type of k3s servers." },
    workerServerType: { type: "string", default: "cx23", description: "Hetzner server type of k3s agents." },
    serverImage: { type: "string", default: "ubuntu-24.04", description: "Hetzner image of every server." },
    publicIpv4: { type: "boolean", default: true, description: "Give Hetzner servers a public IPv4 (SSH from the operator uses it)." },
    publicIpv6: { type: "boolean", default: true, description: "Give Hetzner servers a public IPv6." },
    sshHostKeyAdoption: { type: "boolean", default: false, description: "hetzner: for servers created before SSH host keys were pinned: one command per server installs the program's host key over a connection that does not verify the old one (trust on first use, once); every other command verifies the new key. Set it for one pulumi up, then remove it." },
    publicApiLoadBalancer: { type: "boolean", default: false, description: "hetzner: give the API load balancer a public interface. Its 6443 is then open to the whole internet (Hetzner load balancers take no firewall; apiAllowList does not apply), so it also needs allowWorldOpenAccess: true. Default: private; the API is reached on the servers' allow-listed public IPs or through the SSH tunnel in the commands output." },
    serverProtection: { type: "boolean", default: true, description: "hetzner: servers get Hetzner delete and rebuild protection and Pulumi protect, so no pulumi up, destroy or console click deletes or rebuilds one by accident. Removing or replacing a server (scale down, --replace) then needs one pulumi up with false first. Set false for short-lived clusters (npm run ephemeral does)." },
    colimaProfile: { type: "string", default: "k3s-cilium", description: "Colima profile name of the local VM." },
    colimaCpus: { type: "integer", default: 4, description: "vCPUs of the Colima VM." },
    colimaMemoryGiB: { type: "integer", default: 8, description: "Memory of the Colima VM in GiB." },
    colimaDiskGiB: { type: "integer", default: 60, description: "Disk of the Colima VM in GiB." },
    colimaVmType: { type: "string", default: "auto", description: "Colima VM type: auto (vz on macOS 13+, qemu elsewhere), vz (macOS 13+ only) or qemu." },
    colimaSshPort: { type: "integer", default: 26022, description: "Host port of the Colima VM's SSH (127.0.0.1), pinned so it survives VM restarts; one per profile." },
    tunnelProtocol: { type: "string", default: "geneve", description: "Cilium tunnel protocol: geneve or vxlan." },
    routingMode: { type: "string", default: "tunnel", description: "Cilium routing mode: tunnel or native (native only on colima)." },
    policyEnforcementMode: { type: "string", default: "default", description: "Cilium policyEnforcementMode: default, always or never." },
    policyAuditMode: { type: "boolean", default: true, description: "true = policy verdicts are only logged; false = enforce, after the audit-evidence gate, with a dead-man's switch that rolls back to audit unless verified from outside." },
    enforcementEvidenceWindow: { type: "string", default: "30m", description: "How far back the evidence gate reads Hubble's AUDIT flows before enforcing (hubble observe --since: 30m, 2h …)." },
    enforcementAcceptAuditedFlows: { type: "boolean", default: false, description: "Enforce even though the evidence gate lists audited flows the cluster depends on (accept them knowingly)." },
    enforcementAttempt: { type: "integer", default: 1, description: "Raise it to run the enforcement chain again with nothing else changed, e.g. after the dead-man's switch rolled back a transient failure." },
    operatorReplicas: { type: "integer", default: 1, description: "cilium-operator replicas." },
    hubbleEnabled: { type: "boolean", default: true, description: "Hubble in the Cilium agent." },
    hubbleRelay: { type: "boolean", default: false, description: "Hubble Relay (needs hubbleEnabled)." },
    hubbleUi: { type: "boolean", default: false, description: "Hubble UI (needs hubbleRelay)." },
    gatewayApi: { type: "boolean", default: true, description: "Cilium Gateway API support (installs the Gateway API CRDs first)." },
    bgpControlPlane: { type: "boolean", default: false, description: "Cilium BGP control plane." },
    hostFirewall: { type: "boolean", default: false, description: "Cilium host firewall and the host (node) baseline policies." },
    l2Announcements: { type: "boolean", default: false, description: "Cilium L2 announcements with lbIpPools." },
    lbIpPools: { type: "array", default: [], description: "CIDRs for CiliumLoadBalancerIPPool (required when l2Announcements is true)." },
    l2Interfaces: { type: "array", default: ["^eth[0-9]+", "^en.+"], description: "Interface regexes for the L2 announcement policy." },
    wireguard: { type: "boolean", default: false, description: "Transparent encryption with WireGuard (51871/udp between nodes)." },
    worldIngressPolicy: { type: "boolean", default: false, description: "Add the opt-in policy that lets pods labelled ingress.k3s-cilium.io/world=true accept ingress from the world." },
    etcdS3Backups: { type: "boolean", default: false, description: "Scheduled etcd snapshots are also uploaded to S3-compatible storage (off by default; recommended on hetzner: without it snapshots stay on the servers only)." },
    etcdS3Endpoint: { type: "string", default: "", description: "S3 endpoint host name without scheme (k3s etcd-s3-endpoint), e.g. fsn1.your-objectstorage.com." },
    etcdS3Bucket: { type: "string", default: "", description: "S3 bucket of the etcd snapshots (k3s etcd-s3-bucket)." },
    etcdS3Region: { type: "string", default: "", description: "S3 region (k3s etcd-s3-region); empty = k3s' default us-east-1." },
    etcdS3Folder: { type: "string", default: "", description: "Folder inside the bucket (k3s etcd-s3-folder), e.g. k3s/prod; empty = the bucket root." },
    etcdS3AccessKey: { type: "string", default: "", description: "S3 access key, set with pulumi config set --secret; required when etcdS3Backups is true." },
    etcdS3SecretKey: { type: "string", default: "", description: "S3 secret key, set with pulumi config set --secret; required when etcdS3Backups is true." },
    etcdSnapshotSchedule: { type: "string", default: "0 */12 * * *", description: "When k3s takes scheduled etcd snapshots on every server (cron; k3s etcd-snapshot-schedule-cron)." },
    etcdSnapshotRetention: { type: "integer", default: 5, description: "Scheduled etcd snapshots kept per server and in the bucket (k3s etcd-snapshot-retention)." },
    ciliumValues: { type: "string", default: "", description: "YAML mapping deep-merged last into the computed Cilium Helm values." },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export const KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];

/** The key as written in a stack file, e.g. `k3s-cilium:workerCount`. */
export function qualified(key: string): string {
    return `${PROJECT}:${key}`;
}
