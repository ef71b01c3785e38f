/**
 * The flags `k3s server` and `k3s agent` define, as test data: every key of a rendered
 * `/etc/rancher/k3s/config.yaml` must be one of them for the node's subcommand.
 *
 * Provenance (read with the code index, 2026-12). The k3s snapshot is over the fetch size limit here, so the
 * commit of tag v1.33.5+k3s1 could not be resolved offline. The files read are the newest stored versions of the
 * urfave/cli v1 generation (`ImageServiceEndpoint`, `DefaultRuntime`, `disable-apiserver-lb`,
 * `etcd-s3-timeout`/`-insecure`, `node-internal-dns`; v1.35+ moved to urfave/cli v3). They predate v1.33.0: they
 * lack `secrets-encryption-provider`, which docs.k3s.io/security/secrets-encryption dates to "v1.30.12+k3s1,
 * v1.31.8+k3s1, v1.32.4+k3s1, v1.33.0+k3s1" (added below from that page). A flag k3s added since and missing here
 * makes the contract test fail (the safe direction): add it only with its upstream source.
 * - github.com/k3s-io/k3s `pkg/cli/cmds/server.go`: `var ServerFlags` (used by `NewServerCommand`).
 * - github.com/k3s-io/k3s `pkg/cli/cmds/agent.go`: the `Flags` of `NewAgentCommand`, and the shared flag
 *   variables both reference (`NodeIPFlag` "node-ip,i", `BindAddressFlag`, `DisableAgentLBFlag`, …).
 * - `pkg/cli/cmds/log.go` (VLevel "v", VModule "vmodule", LogFile "log,l", AlsoLogToStderr "alsologtostderr"),
 *   `pkg/cli/cmds/root.go` (DebugFlag "debug", PreferBundledBin "prefer-bundled-bin"), `config.go` (ConfigFlag
 *   "config,c").
 * A name "a,b" in urfave/cli v1 defines the flag and its alias; both are listed.
 *
 * How k3s maps the file to flags (`pkg/configfilearg/parser.go`, readConfigFile): each key `k` becomes
 * `--k=<value>` (`-k` for one-letter keys), a YAML list becomes one `--k=<item>` per item, and a trailing `+`
 * (`k+`) appends. Unknown keys are dropped only for `server` (and `etcd-snapshot`) via the parser's ValidFlags
 * (`pkg/configfilearg/defaultparser.go`); for `agent` an unknown key is a fatal "flag provided but not defined".
 * `token` and `server` are ordinary flags of both subcommands ("token,t", "server,s").
 *
 * Refresh this file from the new tag when the default k3sVersion (components/config/keys.ts) leaves 1.33:
 * test/k3s-contract.test.ts fails until then.
 */
export const K3S_FLAGS_RELEASE_LINE = "1.33";

/** Flags both subcommands define (logging, cluster join, node, runtime, networking). */
const SHARED = [
    "config", "c", "debug", "v", "vmodule", "log", "l", "alsologtostderr",
    "token", "t", "token-file", "server", "s", "data-dir", "d", "bind-address",
    "node-name", "with-node-id", "node-label", "node-taint",
    "image-credential-provider-bin-dir", "image-credential-provider-config",
    "selinux", "lb-server-port", "protect-kernel-defaults",
    "container-runtime-endpoint", "default-runtime", "image-service-endpoint", "pause-image", "snapshotter",
    "private-registry", "disable-default-registry-endpoint", "airgap-extra-registry",
    "node-ip", "i", "node-external-ip", "node-internal-dns", "node-external-dns", "resolv-conf",
    "flannel-iface", "flannel-conf", "flannel-cni-conf", "vpn-auth", "vpn-auth-file",
    "kubelet-arg", "kube-proxy-arg", "enable-pprof", "rootless", "prefer-bundled-bin", "docker",
] as const;

/** `k3s agent` only (agent.go). */
const AGENT_ONLY = ["disable-apiserver-lb"] as const;

/** `k3s server` only (server.go ServerFlags). */
const SERVER_ONLY = [
    "https-listen-port", "advertise-address", "advertise-port", "tls-san", "tls-san-security",
    "cluster-cidr", "service-cidr", "service-node-port-range", "cluster-dns", "cluster-domain",
    "flannel-backend", "flannel-ipv6-masq", "flannel-external-ip", "egress-selector-mode", "servicelb-namespace",
    "write-kubeconfig", "o", "write-kubeconfig-mode", "write-kubeconfig-group", "helm-job-image",
    "agent-token", "agent-token-file", "cluster-init", "cluster-reset", "cluster-reset-restore-path",
    "kube-apiserver-arg", "etcd-arg", "kube-controller-manager-arg", "kube-scheduler-arg",
    "kube-cloud-controller-manager-arg", "kine-tls",
    "datastore-endpoint", "datastore-cafile", "datastore-certfile", "datastore-keyfile",
    "etcd-expose-metrics", "etcd-disable-snapshots", "etcd-snapshot-name", "etcd-snapshot-schedule-cron",
    "etcd-snapshot-retention", "etcd-snapshot-dir", "etcd-snapshot-compress",
    "etcd-s3", "etcd-s3-endpoint", "etcd-s3-endpoint-ca", "etcd-s3-skip-ssl-verify", "etcd-s3-access-key",
    "etcd-s3-secret-key", "etcd-s3-bucket", "etcd-s3-region", "etcd-s3-folder", "etcd-s3-proxy",
    "etcd-s3-config-secret", "etcd-s3-insecure", "etcd-s3-timeout",
    "default-local-storage-path", "disable", "disable-scheduler", "disable-cloud-controller",
    "disable-kube-proxy", "disable-network-policy", "disable-helm-controller", "disable-apiserver",
    "disable-controller-manager", "disable-etcd", "embedded-registry", "supervisor-metrics",
    "system-default-registry", "secrets-encryption",
    // docs.k3s.io/security/secrets-encryption ("Available as of … v1.33.0+k3s1"); docs.k3s.io/cli/server
    "secrets-encryption-provider",
    // hidden/deprecated, still defined
    "disable-agent", "kube-controller-arg", "kube-cloud-controller-arg",
] as const;

export const K3S_SERVER_FLAGS: ReadonlySet<string> = new Set<string>([...SHARED, ...SERVER_ONLY]);
export const K3S_AGENT_FLAGS: ReadonlySet<string> = new Set<string>([...SHARED, ...AGENT_ONLY]);
