import type { ConfigKey } from "../keys";

/** Shown for a key without an entry: only its declared type is checked. */
export const TYPE_ONLY = "Not of its declared type.";

/** The README's "refused when" sentence of a key. */
export function refusedWhen(key: ConfigKey): string {
    return RULES_BY_KEY[key] ?? TYPE_ONLY;
}

/**
 * What validation refuses, per key, in one sentence: the README config reference shows it next to the key
 * (test/config-reference.test.ts keeps the two equal; a key without an entry shows TYPE_ONLY). When a rule
 * changes or a key gets one, change its sentence here. Besides these: any unknown key in the namespace (with "did you mean"), a namespace
 * one typo away from `k3s-cilium:`, and a key of the other provider set to a non-default value.
 */
export const RULES_BY_KEY: Readonly<Partial<Record<ConfigKey, string>>> = Object.freeze({
    provider: "Not colima or hetzner.",
    clusterName: "Not a DNS label of 1-32 characters starting with a letter.",
    k3sVersion: "Not a k3s tag vX.Y.Z+k3sN; Kubernetes minor outside the Cilium minor's tested range (1.30-1.33 for 1.18); not a pinned release (components/config/versions.ts).",
    ciliumVersion: "Not X.Y.Z; minor without a Gateway API mapping or a tested Kubernetes range; no pinned chart digest.",
    controlPlaneCount: "Not a whole number; below 1, even, or above 7; not 1 on colima.",
    workerCount: "Not a whole number; negative; not 0 on colima; servers + agents above Hetzner's 100 per network.",
    nodeCidr: "Not an IPv4 CIDR; outside RFC 1918 (10/8, 172.16/12, 192.168/16); smaller than /24; overlapping pod or service ranges. Hetzner only.",
    nodeSubnetCidr: "Not inside nodeCidr; too small for the agents at offsets 100+. Hetzner only.",
    podCidr: "Not an IPv4 CIDR; overlapping node or service ranges; too small for a /24 per node.",
    serviceCidr: "Not an IPv4 CIDR; overlapping node or pod ranges; prefix outside /12-/28.",
    ipv6: "Not true/false; true on colima; true with publicIpv6 false on hetzner.",
    podCidrV6: "Not an IPv6 CIDR (when ipv6); overlapping another range; smaller than /64.",
    serviceCidrV6: "Not an IPv6 CIDR (when ipv6); overlapping another range; prefix above /108.",
    apiPort: "Outside 1-65534; it or apiPort + 1 (where k3s runs kube-apiserver) one of 22, 2379-2380, 4240, 4244, 4245, 6081, 6444 (agents only), 8233, 8472, 9234, 9878-9879, 9962-9965, 10248, 10250, 10257-10259, 51871 (SSH, etcd, Cilium, Hubble, k3s agent LB, CCM, kubelet, control plane); equal to colimaSshPort.",
    sshAllowList: "Entries that are not CIDRs; the world (0.0.0.0/0, ::/0, or entries adding up to 0.0.0.0/0 or 2000::/3) without allowWorldOpenAccess; empty on hetzner.",
    apiAllowList: "Entries that are not CIDRs; the world (0.0.0.0/0, ::/0, or entries adding up to 0.0.0.0/0 or 2000::/3) without allowWorldOpenAccess; empty on hetzner.",
    allowWorldOpenAccess: "Not true/false.",
    sshPublicKey: "Not an OpenSSH key line whose base64 blob carries the same key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com); set without sshPrivateKey.",
    sshPrivateKey: "Written in plain text (use pulumi config set --secret); set without sshPublicKey.",
    sshUser: "Empty, or anything but lower-case letters, digits, '_' and '-' (at most 32; no spaces or shell characters).",
    publicApiLoadBalancer: "true without an API load balancer (hetzner with controlPlaneCount > 1); true without allowWorldOpenAccess.",
    hcloudLocation: "Not fsn1, nbg1, hel1, ash, hil or sin.",
    hcloudCloudController: "Not true/false.",
    hcloudCsiDriver: "Not true/false.",
    controlPlaneServerType: "Not a Hetzner server type; not offered in hcloudLocation (cx and cax are EU-only). The deprecated cx22/cx32/cx42/cx52 are accepted for servers that run them (Hetzner no longer creates them: resize to cx23/cx33/cx43/cx53).",
    workerServerType: "Not a Hetzner server type; not offered in hcloudLocation (cx and cax are EU-only). The deprecated cx22/cx32/cx42/cx52 are accepted for servers that run them (Hetzner no longer creates them: resize to cx23/cx33/cx43/cx53).",
    serverImage: "Not a Hetzner image name or snapshot ID; an image whose kernel is unknown or below Cilium's minimum (5.10 for 1.18), e.g. ubuntu-20.04.",
    publicIpv4: "false together with publicIpv6 false (no SSH path).",
    publicIpv6: "false while ipv6 is true on hetzner; false together with publicIpv4 false.",
    colimaProfile: "Not letters, digits, '.', '_' and '-'.",
    colimaCpus: "Below 2 (k3s requirements: 2 cores recommended); more than this machine has.",
    colimaMemoryGiB: "Below 2 (k3s resource profiling: ~1.6 GB for a server with embedded etcd, before Cilium); all of this machine's memory or more.",
    colimaDiskGiB: "Below 20 (the program's floor for the images plus kubelet's 15% imagefs eviction headroom).",
    colimaVmType: "Not auto, vz or qemu.",
    colimaSshPort: "Outside 1024-65535; equal to apiPort.",
    tunnelProtocol: "Not geneve or vxlan.",
    routingMode: "Not tunnel or native; native on hetzner.",
    policyEnforcementMode: "Not default, always or never.",
    policyAuditMode: "false with Hubble off and enforcementAcceptAuditedFlows false (no evidence to enforce on).",
    enforcementEvidenceWindow: "Not a number followed by s, m or h.",
    enforcementAcceptAuditedFlows: "Not true/false.",
    enforcementAttempt: "Not a whole number.",
    operatorReplicas: "Below 1; more than nodes.",
    hubbleEnabled: "Not true/false.",
    hubbleRelay: "true with hubbleEnabled false.",
    hubbleUi: "true with hubbleRelay false.",
    gatewayApi: "Not true/false.",
    bgpControlPlane: "Not true/false.",
    hostFirewall: "Not true/false; true on colima.",
    l2Announcements: "true with no lbIpPools; true on hetzner (routed L3 network).",
    lbIpPools: "Entries that are not CIDRs, overlap each other, the node network/subnet, or any pod/service range (v4 and v6); any entry on hetzner.",
    l2Interfaces: "Empty patterns, invalid regexes, or constructs Go's RE2 lacks (look-ahead/behind, backreferences).",
    wireguard: "Not true/false.",
    worldIngressPolicy: "Not true/false.",
    ciliumValues: "Not a YAML mapping; keys the program sets (name the config key to use instead, e.g. hubble.ui.enabled → hubbleUi); extraConfig/extraArgs (raw cilium-config past ownership) and values the datapath is fixed to (tunnelPort, underlayProtocol, bpf.datapathMode, loadBalancer.mode, socketLB, nodePort, healthPort, …); keys the pinned chart's values do not have (did you mean); values of a type its values.schema.json refuses.",
    etcdS3Backups: "Not true/false.",
    etcdS3Endpoint: "Not a host name[:port] without scheme or path, when etcdS3Backups is true.",
    etcdS3Bucket: "Not an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens), when etcdS3Backups is true.",
    etcdS3Region: "Not a region name of lowercase letters, digits and hyphens, when etcdS3Backups is true.",
    etcdS3Folder: "A leading or trailing slash, when etcdS3Backups is true.",
    etcdS3AccessKey: "Written in plain text (use pulumi config set --secret); empty when etcdS3Backups is true.",
    etcdS3SecretKey: "Written in plain text (use pulumi config set --secret); empty when etcdS3Backups is true.",
    etcdSnapshotSchedule: "Not a five-field cron spec or @daily-style descriptor.",
    etcdSnapshotRetention: "Not a whole number of at least 1.",
});
