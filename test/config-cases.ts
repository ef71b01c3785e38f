/** Table rows for config validation (issue #19 classes and #20 knock-on errors); run by test/config.test.ts. */

export interface BadCase {
    why: string;
    stack: "local" | "prod";
    overrides: Record<string, unknown>;
    ctx?: { stack: string; hcloudTokenSet: boolean; secretKeys?: string[]; host?: { cpus: number; memoryGiB: number } };
    /** The error must name this key (as written in the stack file)... */
    key: string;
    /** ...show this value... */
    value: string;
    /** ...and say what is accepted. */
    accepted: RegExp;
}

/** A structurally valid OpenSSH public key line: the blob starts with `innerType` as an SSH string. */
export function sshKeyLine(type: string, innerType = type): string {
    const name = Buffer.from(innerType, "latin1");
    const len = Buffer.alloc(4);
    len.writeUInt32BE(name.length);
    return `${type} ${Buffer.concat([len, name, Buffer.alloc(4), Buffer.alloc(32, 7)]).toString("base64")} me@laptop`;
}

const PLAIN = { stack: "prod", hcloudTokenSet: true, secretKeys: [] as string[] };
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const L2 = { l2Announcements: true };

export const BAD_19: BadCase[] = [
    // Addresses
    { why: "LB pools overlapping each other", stack: "local", overrides: { ...L2, lbIpPools: ["10.0.200.0/24", "10.0.200.128/25"] }, key: "lbIpPools", value: "[\"10.0.200.0/24\",\"10.0.200.128/25\"]", accepted: /entry 10\.0\.200\.128\/25 overlaps entry 10\.0\.200\.0\/24; accepted: disjoint/ },
    { why: "LB pool overlapping the service range", stack: "local", overrides: { ...L2, lbIpPools: ["10.43.0.0/24"] }, key: "lbIpPools", value: "[\"10.43.0.0/24\"]", accepted: /overlaps k3s-cilium:serviceCidr \(10\.43\.0\.0\/16\)/ },
    { why: "LB pool overlapping Colima's VM network", stack: "local", overrides: { ...L2, lbIpPools: ["192.168.5.128/25"] }, key: "lbIpPools", value: "[\"192.168.5.128/25\"]", accepted: /overlaps Colima's VM network 192\.168\.5\.0\/24/ },
    { why: "LB pool overlapping the IPv6 pod range", stack: "local", overrides: { ...L2, ipv6: true, lbIpPools: ["fd42:42::/64"] }, key: "lbIpPools", value: "[\"fd42:42::/64\"]", accepted: /overlaps k3s-cilium:podCidrV6 \(fd42:42::\/56\)/ },
    { why: "LB pool overlapping the IPv6 service range", stack: "local", overrides: { ...L2, ipv6: true, lbIpPools: ["fd42:43::/120"] }, key: "lbIpPools", value: "[\"fd42:43::/120\"]", accepted: /overlaps k3s-cilium:serviceCidrV6/ },
    { why: "node network outside RFC 1918", stack: "prod", overrides: { nodeCidr: "100.64.0.0/16", nodeSubnetCidr: "100.64.1.0/24" }, key: "nodeCidr", value: "\"100.64.0.0/16\"", accepted: /private ranges of RFC 1918; accepted: a range inside 10\.0\.0\.0\/8, 172\.16\.0\.0\/12 or 192\.168\.0\.0\/16/ },
    { why: "node network smaller than Hetzner's /24 minimum", stack: "prod", overrides: { nodeCidr: "10.0.1.0/25", nodeSubnetCidr: "10.0.1.0/25", workerCount: 0 }, key: "nodeCidr", value: "\"10.0.1.0/25\"", accepted: /minimum network size is \/24/ },
    { why: "world as two halves of 0.0.0.0/0", stack: "prod", overrides: { sshAllowList: ["0.0.0.0/1", "128.0.0.0/1"] }, key: "sshAllowList", value: "[\"0.0.0.0/1\",\"128.0.0.0/1\"]", accepted: /cover 0\.0\.0\.0\/0 .*allowWorldOpenAccess: true to opt in/ },
    { why: "world as the IPv6 global unicast space in pieces", stack: "prod", overrides: { apiAllowList: ["203.0.113.0/24", "2000::/4", "3000::/4"] }, key: "apiAllowList", value: "[\"203.0.113.0/24\",\"2000::/4\",\"3000::/4\"]", accepted: /cover 2000::\/3 \(the whole IPv6 global unicast space\)/ },
    // Versions
    { why: "k3s below Cilium's tested range", stack: "prod", overrides: { k3sVersion: "v1.29.9+k3s1" }, key: "k3sVersion", value: "\"v1.29.9+k3s1\"", accepted: /Kubernetes 1\.29 is outside Cilium 1\.18's tested range; accepted: Kubernetes 1\.30 to 1\.33/ },
    { why: "very old k3s", stack: "prod", overrides: { k3sVersion: "v1.21.1+k3s1" }, key: "k3sVersion", value: "\"v1.21.1+k3s1\"", accepted: /accepted: Kubernetes 1\.30 to 1\.33/ },
    { why: "k3s release that is not pinned", stack: "prod", overrides: { k3sVersion: "v1.32.9+k3s1" }, key: "k3sVersion", value: "\"v1.32.9+k3s1\"", accepted: /not a pinned k3s release; accepted: v1\.33\.5\+k3s1/ },
    { why: "Cilium release without a pinned chart digest", stack: "prod", overrides: { ciliumVersion: "1.18.3" }, key: "ciliumVersion", value: "\"1.18.3\"", accepted: /no pinned chart digest.*accepted: 1\.18\.4/ },
    { why: "Cilium minor without a tested Kubernetes range", stack: "prod", overrides: { ciliumVersion: "1.17.9" }, key: "ciliumVersion", value: "\"1.17.9\"", accepted: /no tested Kubernetes range is on record for Cilium 1\.17; accepted minors: 1\.18/ },
    // Keys
    { why: "near-miss namespace", stack: "prod", overrides: { "k3s-cillium:workerCount": 3 }, key: "k3s-cillium:workerCount", value: "\"3\"", accepted: /would be ignored; did you mean k3s-cilium:workerCount\?/ },
    { why: "a Colima key on Hetzner", stack: "prod", overrides: { colimaCpus: 8 }, key: "colimaCpus", value: "8", accepted: /applies only to provider colima and is ignored on provider hetzner/ },
    { why: "a Hetzner key on Colima", stack: "local", overrides: { workerServerType: "cpx31" }, key: "workerServerType", value: "\"cpx31\"", accepted: /applies only to provider hetzner and is ignored on provider colima/ },
    // Hetzner facts
    { why: "server type that does not exist", stack: "prod", overrides: { workerServerType: "cx99" }, key: "workerServerType", value: "\"cx99\"", accepted: /not a Hetzner Cloud server type; accepted: one of cx23/ },
    { why: "EU-only cx line in Ashburn", stack: "prod", overrides: { hcloudLocation: "ash" }, key: "controlPlaneServerType", value: "\"cx33\"", accepted: /not offered in ash \(only in fsn1, nbg1, hel1\); accepted in ash: cpx11/ },
    { why: "image whose kernel is below Cilium's minimum", stack: "prod", overrides: { serverImage: "ubuntu-20.04" }, key: "serverImage", value: "\"ubuntu-20.04\"", accepted: /boots Linux 5\.4, below Cilium 1\.18's minimum kernel 5\.10/ },
    { why: "image with no known kernel", stack: "prod", overrides: { serverImage: "freebsd-14" }, key: "serverImage", value: "\"freebsd-14\"", accepted: /whose kernel is known; accepted: ubuntu-22\.04/ },
    // Secrets in plain text
    { why: "hcloud:token in plain text", stack: "prod", overrides: { "hcloud:token": "tok-123" }, ctx: PLAIN, key: "hcloud:token", value: "(plain text, not shown)", accepted: /pulumi config set --secret hcloud:token --stack prod/ },
    { why: "sshPrivateKey in plain text", stack: "prod", overrides: { sshPublicKey: sshKeyLine("ssh-ed25519"), sshPrivateKey: KEY }, ctx: PLAIN, key: "sshPrivateKey", value: "(plain text, not shown)", accepted: /pulumi config set --secret k3s-cilium:sshPrivateKey --stack prod < ~\/\.ssh\/id_ed25519/ },
    // SSH
    { why: "public key whose blob is another type", stack: "prod", overrides: { sshPublicKey: sshKeyLine("ssh-rsa", "ssh-ed25519") }, ctx: { ...PLAIN, secretKeys: ["k3s-cilium:sshPrivateKey"] }, key: "sshPublicKey", value: `"${sshKeyLine("ssh-rsa", "ssh-ed25519")}"`, accepted: /the key data says "ssh-ed25519", not ssh-rsa/ },
    { why: "DSA public key", stack: "prod", overrides: { sshPublicKey: sshKeyLine("ssh-dss") }, key: "sshPublicKey", value: `"${sshKeyLine("ssh-dss")}"`, accepted: /key type "ssh-dss" is not one OpenSSH accepts; accepted: .*sk-ssh-ed25519@openssh\.com/ },
    { why: "empty SSH user", stack: "prod", overrides: { sshUser: "" }, key: "sshUser", value: "\"\"", accepted: /is empty; accepted: a login name/ },
    { why: "SSH user with a space", stack: "prod", overrides: { sshUser: "ops admin" }, key: "sshUser", value: "\"ops admin\"", accepted: /contains whitespace/ },
    { why: "SSH user with shell characters", stack: "prod", overrides: { sshUser: "root;reboot" }, key: "sshUser", value: "\"root;reboot\"", accepted: /a shell would interpret/ },
    // Colima
    { why: "Colima VM with one CPU", stack: "local", overrides: { colimaCpus: 1 }, key: "colimaCpus", value: "1", accepted: /below what k3s \+ Cilium need .*accepted: 2 or more/ },
    { why: "Colima VM with 1 GiB of memory", stack: "local", overrides: { colimaMemoryGiB: 1 }, key: "colimaMemoryGiB", value: "1", accepted: /accepted: 2 or more/ },
    { why: "Colima VM with a 10 GiB disk", stack: "local", overrides: { colimaDiskGiB: 10 }, key: "colimaDiskGiB", value: "10", accepted: /accepted: 20 or more/ },
    { why: "Colima VM with more CPUs than the host", stack: "local", overrides: { colimaCpus: 16 }, ctx: { stack: "local", hcloudTokenSet: false, host: { cpus: 8, memoryGiB: 16 } }, key: "colimaCpus", value: "16", accepted: /this machine has 8 CPUs; accepted: 2 to 8/ },
    { why: "Colima VM with all the host's memory", stack: "local", overrides: { colimaMemoryGiB: 16 }, ctx: { stack: "local", hcloudTokenSet: false, host: { cpus: 8, memoryGiB: 16 } }, key: "colimaMemoryGiB", value: "16", accepted: /this machine has 16 GiB .*accepted: 2 to 15/ },
    // Cilium overrides
    { why: "Cilium values key the chart does not have", stack: "local", overrides: { ciliumValues: "hubbel:\n  enabled: true\n" }, key: "ciliumValues", value: "\"hubbel:\\n  enabled: true\\n\"", accepted: /key hubbel is not in the Cilium chart's values \(did you mean hubble\?\)/ },
    { why: "nested Cilium values typo", stack: "local", overrides: { ciliumValues: "hubble:\n  relay:\n    enabeld: true\n" }, key: "ciliumValues", value: "\"hubble:\\n  relay:\\n    enabeld: true\\n\"", accepted: /key hubble\.relay\.enabeld is not in the Cilium chart's values \(did you mean hubble\.relay\.enabled\?\)/ },
    { why: "Cilium value of the wrong type", stack: "local", overrides: { ciliumValues: "operator:\n  hostNetwork: \"yes\"\n" }, key: "ciliumValues", value: "\"operator:\\n  hostNetwork: \\\"yes\\\"\\n\"", accepted: /key operator\.hostNetwork is string "yes", the chart's schema wants boolean/ },
    { why: "Cilium value that breaks the datapath the program set", stack: "local", overrides: { ciliumValues: "kubeProxyReplacement: false\n" }, key: "ciliumValues", value: "\"kubeProxyReplacement: false\\n\"", accepted: /key kubeProxyReplacement is set by the program itself .*accepted: leave it out/ },
    // L2 interfaces
    { why: "interface regex with look-ahead", stack: "local", overrides: { l2Interfaces: ["^eth(?!0)"] }, key: "l2Interfaces", value: "[\"^eth(?!0)\"]", accepted: /uses look-ahead\/look-behind, which Go's RE2 regexp \(Cilium\) does not support/ },
    { why: "interface regex with a backreference", stack: "local", overrides: { l2Interfaces: ["^(e)\\1"] }, key: "l2Interfaces", value: "[\"^(e)\\\\1\"]", accepted: /uses a backreference/ },
    { why: "empty interface regex", stack: "local", overrides: { l2Interfaces: [""] }, key: "l2Interfaces", value: "[\"\"]", accepted: /is empty \(it would match every interface\)/ },
    // Ports
    // apiPort itself on a port in use (components/config/rules/ports.ts, sources there).
    ...([[22, /SSH/], [10250, /kubelet/], [2380, /etcd/], [6081, /GENEVE/], [8472, /VXLAN/], [4244, /Hubble server/], [4245, /Hubble Relay/], [4240, /health/],
        [9963, /metrics/], [9965, /Hubble metrics/], [6444, /k3s agent load balancer/], [8233, /hcloud-cloud-controller-manager/], [9234, /cilium-operator health/],
        [9879, /agent health/], [9878, /Envoy/], [10248, /kubelet healthz/], [10257, /kube-controller-manager/], [10258, /cloud-controller-manager/], [10259, /kube-scheduler/]] as const)
        .map(([port, use]): BadCase => ({ why: `apiPort ${port}`, stack: "prod", overrides: { apiPort: port }, key: "apiPort", value: String(port), accepted: new RegExp(`collides with .*${use.source}.*accepted: a TCP port 1-65534 other than 22, 2379-2380`) })),
    // apiPort + 1 on a port in use: k3s puts kube-apiserver there (k3s pkg/daemons/control/server.go defaults()).
    ...([[10249, 10250, /kubelet/], [2378, 2379, /etcd/], [4239, 4240, /health/], [4243, 4244, /Hubble server/], [9961, 9962, /metrics/], [10247, 10248, /kubelet healthz/],
        [10256, 10257, /kube-controller-manager/], [21, 22, /SSH/]] as const)
        .map(([port, next, use]): BadCase => ({ why: `apiPort ${port} (kube-apiserver on ${next})`, stack: "prod", overrides: { apiPort: port }, key: "apiPort", value: String(port), accepted: new RegExp(`kube-apiserver on apiPort \\+ 1 = ${next}, which collides with .*${use.source}.*on the servers`) })),
];

/** A wrong count must report only itself: no operatorReplicas or podCidr problem it did not cause (#20). */
export const KNOCK_ON: { why: string; overrides: Record<string, unknown>; error: string }[] = [
    { why: "workerCount \"two\"", overrides: { workerCount: "two" }, error: "k3s-cilium:workerCount = \"two\": accepted: a whole number" },
    { why: "workerCount 2.5", overrides: { workerCount: "2.5" }, error: "k3s-cilium:workerCount = \"2.5\": accepted: a whole number" },
    { why: "workerCount [2]", overrides: { workerCount: [2] }, error: "k3s-cilium:workerCount = \"[2]\": accepted: a whole number" },
    { why: "workerCount 1e20", overrides: { workerCount: "1e20" }, error: "k3s-cilium:workerCount = \"1e20\": accepted: a whole number" },
    { why: "workerCount of twenty digits", overrides: { workerCount: "100000000000000000000" }, error: "k3s-cilium:workerCount = \"100000000000000000000\": accepted: a whole number" },
    { why: "controlPlaneCount -1", overrides: { controlPlaneCount: -1 }, error: "k3s-cilium:controlPlaneCount = -1: a cluster needs at least one server (zero nodes); accepted: 1, 3, 5 or 7" },
];
