/**
 * Declared latency model (seconds). MODELED, not measured: the engine and the clouds are not reachable here.
 * Each entry says where its number comes from: "source:" (documented behaviour or this program's own code) or
 * "assumption:" (this project's estimate, with its reasoning: no published measurement of that step was found; a
 * real `pulumi up` with `--debug` timings should replace it). The end-to-end yardstick is the fastest peer's published
 * claim, "3-node HA cluster in 2-3 minutes" (vitobotta/hetzner-k3s README, quoted in issue #18).
 * Change them freely — `npm run bench` recomputes everything.
 */
export interface Step {
    /** Seconds to create (up). */
    up: number;
    /** Seconds to delete when it really has to be deleted (destroy). */
    destroy: number;
    why: string;
}

const s = (up: number, destroy: number, why: string): Step => ({ up, destroy, why });

// The steps two sums below are made of: named, so each sum is computed from them and a changed part cannot leave a
// stale total (each stays in the table under its own key).
const boot = s(35, 0, "assumption: sshd up + cloud-init done after 'running' on Ubuntu 24.04 (~30-40 s)");
const preflight = s(2, 0, "assumption: one SSH round trip + reading the kernel config");
const config = s(2, 0, "assumption: one SSH round trip, writes a file");
const joinAgent = s(25, 0, "assumption: download + agent registration (no etcd)");
const apiReady = s(5, 0, "assumption: /readyz after the installer returned");
const kubeconfig = s(1, 0, "assumption: one SSH round trip");
const gatewayApiCrd = s(2, 0, "assumption: server-side apply of one CRD");
const datapathGuard = s(1, 0, "assumption: one SSH round trip");
const ciliumChart = s(15, 0, "assumption: server-side apply of ~60 rendered objects (helm.v4.Chart); the chart then awaits its DaemonSets and Deployments (ciliumRollout*)");
const ciliumRollout = s(90, 0, "assumption: image pulls (agent, operator, envoy) in parallel on each node + agent start (~60-120 s), awaited by the chart");
/** assumption: the image-pull part of ciliumRollout (the prefetch lever, bench/levers.ts, leaves 30 of its 90 s). */
const CILIUM_IMAGE_PULLS_SECONDS = 60;

/** An agent's first boot runs, on the machine, what its SSH path ran: boot, preflight, config, join. */
const firstBootAgentUp = boot.up + preflight.up + config.up + joinAgent.up;
/** How long server-1 pulls the Cilium images in the background before the chart applies (prefetch-images.sh). */
const prefetchHeadStart = apiReady.up + kubeconfig.up + gatewayApiCrd.up + datapathGuard.up + ciliumChart.up;
const ciliumRolloutPrefetchedUp = ciliumRollout.up - Math.min(CILIUM_IMAGE_PULLS_SECONDS, prefetchHeadStart);

export const LATENCY: Readonly<Record<string, Step>> = Object.freeze({
    network: s(3, 3, "assumption: hcloud API call, synchronous (Hetzner networks are created instantly)"),
    subnet: s(3, 3, "assumption: hcloud API call on the network"),
    sshKey: s(1, 1, "assumption: hcloud API call"),
    placementGroup: s(1, 1, "assumption: hcloud API call"),
    firewall: s(2, 2, "assumption: hcloud API call; applying to servers happens with server create"),
    // Published terraform-provider-hcloud logs (the provider pulumi-hcloud bridges) show creates slower than this:
    // hetznercloud/terraform-provider-hcloud#966 (v1.48.0, 5 servers from a snapshot: "Creation complete after 1m9s"
    // for three, 2m11s for two) and #601 (32 servers at once, all "Still creating... [1m0s elapsed]"). 35 s is kept as
    // the optimistic case for a stock image (no snapshot copy); with the published ~60-70 s every number here grows.
    server: s(35, 15, "assumption: optimistic (published logs say 60-70 s, see comment) hcloud create action until status running for a stock image; delete ~10-15 s"),
    loadBalancer: s(25, 5, "assumption: hcloud LB create action (~20-30 s)"),
    loadBalancerNetwork: s(8, 5, "assumption: attach action"),
    loadBalancerService: s(5, 2, "assumption: hcloud API call"),
    loadBalancerTarget: s(5, 2, "assumption: hcloud API call per target"),
    localKey: s(0.1, 0, "source: @pulumi/tls and @pulumi/random compute locally in the provider process (no API call); 0.1 s is a rounding floor"),
    colimaVm: s(90, 15, "assumption: colima start with qemu/vz and containerd runtime, cold (~60-120 s)"),
    boot,
    preflight,
    config,
    installFirstServer: s(50, 0, "assumption: get.k3s.io + ~70 MB k3s binary + etcd init + API start (~30-60 s)"),
    joinServer: s(40, 0, "assumption: download + etcd member add/learner promotion + API start"),
    joinAgent,
    apiReady,
    kubeconfig,
    skewGate: s(2, 0, "assumption: one kubectl call: every server already at the version on first install"),
    upgradeDrain: s(2, 0, "assumption: one kubectl get on the first server: on a first install the agent is not registered yet (components/k3s/scripts/upgrade-drain.sh)"),
    uncordon: s(5, 0, "assumption: the agent registers within seconds of its bounded start, then one kubectl uncordon (components/k3s/scripts/uncordon.sh)"),
    noCreate: s(0.1, 0, "source: pulumi-command v1.2.1 provider/pkg/provider/remote/commandController.go `Create` returns before dialing when `create` is unset (drain/leave hooks, agents' converge, batch drain/uncordon on a first install); 0.1 s is a rounding floor for the provider call"),
    firstBootAgent: s(firstBootAgentUp, 0, `assumption: on the agent itself, no Pulumi slot (components/k3s/scripts/first-boot.sh): the SSH path's boot (${boot.up}) + preflight (${preflight.up}) + config (${config.up}) + joinAgent (${joinAgent.up}: download + start + registration) — the same assumptions, now run by cloud-init`),
    bootstrapToken: s(2, 0, "assumption: one SSH round trip on the first server: k3s kubectl get secret, k3s token delete/create (register-bootstrap-token.sh)"),
    agentsJoined: s(5, 0, "assumption: one kubectl get nodes every 3 s on the first server (agents-joined.sh); once the API answers, agents that booted beside the servers register within seconds (k3s agent retries its server URL). While agents are still booting it holds one slot: modeled as starting when the last first boot ends"),
    gatewayApiCrd,
    datapathGuard,
    ciliumChart,
    // A helm.v4.Chart ends only when its children are created and awaited (pulumi/pulumi sdk/go/pulumi/provider.go
    // `construct` waits for every RPC, `ctx.wait()`; pulumi-kubernetes awaits a DaemonSet until kstatus Current and a
    // Deployment until available, provider/pkg/await/daemonset.go, deployment.go, commit 94977969: main after v4.32.0,
    // not the pinned 4.34.2, whose tag the source mirror here lacks): the rollout time is spent inside the Cilium
    // chart, and the `-cilium-rollout` command after it only confirms (ciliumRolloutCheck).
    ciliumRollout,
    ciliumRolloutCheck: s(1, 0, "assumption: one SSH round trip: `kubectl rollout status` of the agents and the operator, which the chart has already awaited (rollout.sh)"),
    ciliumRolloutPrefetched: s(ciliumRolloutPrefetchedUp, 0, `assumption: the ${ciliumRollout.up} s rollout less the part of its image pulls (${CILIUM_IMAGE_PULLS_SECONDS} s, the prefetch lever's assumption) that nodes already did: servers start pulling when k3s runs (prefetch-images.sh, in the background), which on server-1 is ~${prefetchHeadStart} s before the chart (api ready ${apiReady.up} + kubeconfig ${kubeconfig.up} + Gateway API CRD ${gatewayApiCrd.up} + guard ${datapathGuard.up} + chart ${ciliumChart.up}); agents pull during their first boot, long before`),
    crdGate: s(5, 0, "assumption: operator registers CRDs at start-up; usually Established by the time rollout ends"),
    policy: s(1, 0, "assumption: server-side apply of one CCNP"),
    hcloudCcmChart: s(20, 0, "assumption: server-side apply of the hcloud CCM chart (~6 objects) + the await of its Deployment: one image pull on the host network, no CNI needed"),
    // The 30 s this model always gave the CSI chart (apply + await, "6 images pulled once nodes are Ready, ~20-30 s"),
    // split where the chart now meets Cilium: its pods cannot start before Cilium is Ready on their node (bench/tasks.ts
    // `until`), and the kubelet pulls a pod's images only after its sandbox, i.e. after the CNI (components/hetzner-cloud
    // CSI_AWAIT_TIMEOUT_SECONDS), so the pulls stay after Cilium; only the apply moves beside it.
    hcloudCsiApply: s(5, 0, "assumption: server-side apply of the hcloud CSI chart's 9 objects (helm.v4.Chart), the 30 s CSI step less its pods"),
    hcloudCsiPods: s(25, 0, "assumption: once a node is Ready: its node plugin (3 images) and on one node the controller (5 images, 2 shared) pulled and started (~20-30 s); the kubelet retries a pod waiting for the network every ~1 s (kubernetes pkg/kubelet/pod_workers.go completeWork)"),
    cloudCleanup: s(1, 30, "assumption: create is `true`; destroy deletes LoadBalancer Services and PVCs and waits for the CCM/CSI to delete the Hetzner LBs and volumes (~5-10 s per LB, ~10-20 s per volume detach + delete, in parallel; none: one kubectl round trip)"),
    inClusterSecret: s(1, 0, "assumption: server-side apply of one Secret (Hubble certificates)"),
    ciliumObject: s(1, 0, "assumption: server-side apply (L2 pool/policy, CiliumNodeConfig)"),
    enforceGateKeep: s(1, 0, "source: the program — audit mode desired: the evidence gate has nothing to read; one SSH round trip (assumption: ~1 s)"),
    enforceGate: s(10, 0, "assumption: one hubble observe per agent through kubectl exec, classified with awk"),
    enforceArmKeep: s(1, 0, "source: the program — audit mode desired: no dead-man's switch; one SSH round trip (assumption: ~1 s)"),
    enforceArm: s(2, 0, "assumption: systemd-run of a transient timer on each server, in parallel"),
    auditModeKeep: s(3, 0, "assumption: every agent already runs the desired mode: one cilium-dbg config per agent, nothing restarted"),
    auditModeEnforce: s(60, 0, "assumption: restart of the agents whose mode differs, five at a time, each waited for"),
    enforceVerify: s(4, 0, "assumption: SSH round trip; on the first server /readyz via the endpoint, nodes Ready, agent modes, a DNS+API probe pod"),
    apiObject: s(1, 0, "assumption: one small object written through the kubeconfig endpoint"),
    enforceConfirm: s(1, 0, "assumption: systemctl stop of the timer on each server, in parallel"),
    free: s(0, 0, "source: components and providers register no operation with a cloud (pulumi/pulumi: a component's step is state-only)"),
});

export interface ModelledResource {
    type: string;
    name: string;
    custom: boolean;
    /** The recorded inputs (a remote command without `create` runs nothing on create). */
    inputs?: Record<string, unknown>;
}

/** The model steps a recorded resource performs (a remote command may run several scripts in one SSH session). */
export function stepsOf(r: ModelledResource, opts: { enforcing?: boolean; prefetched?: boolean } = {}): (keyof typeof LATENCY)[] {
    const byType: Record<string, keyof typeof LATENCY> = {
        "hcloud:index/network:Network": "network",
        "hcloud:index/networkSubnet:NetworkSubnet": "subnet",
        "hcloud:index/sshKey:SshKey": "sshKey",
        "hcloud:index/placementGroup:PlacementGroup": "placementGroup",
        "hcloud:index/firewall:Firewall": "firewall",
        "hcloud:index/server:Server": "server",
        "hcloud:index/loadBalancer:LoadBalancer": "loadBalancer",
        "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork": "loadBalancerNetwork",
        "hcloud:index/loadBalancerService:LoadBalancerService": "loadBalancerService",
        "hcloud:index/loadBalancerTarget:LoadBalancerTarget": "loadBalancerTarget",
        "tls:index/privateKey:PrivateKey": "localKey",
        "random:index/randomPassword:RandomPassword": "localKey",
        "random:index/randomString:RandomString": "localKey",
        "tls:index/selfSignedCert:SelfSignedCert": "localKey",
        "tls:index/certRequest:CertRequest": "localKey",
        "tls:index/locallySignedCert:LocallySignedCert": "localKey",
        "kubernetes:core/v1:Secret": "inClusterSecret",
        "command:local:Command": "colimaVm",
        "kubernetes:yaml/v2:ConfigFile": "gatewayApiCrd",
        "kubernetes:helm.sh/v4:Chart": "ciliumChart",
        "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy": "policy",
        "kubernetes:core/v1:ConfigMap": "apiObject",
    };
    if (r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "hcloud-cloud-controller-manager") return ["hcloudCcmChart"];
    if (r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "hcloud-csi") return ["hcloudCsiApply", "hcloudCsiPods"];
    if (r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "cilium") return ["ciliumChart", opts.prefetched ? "ciliumRolloutPrefetched" : "ciliumRollout"];
    if (byType[r.type]) return [byType[r.type]];
    if (r.type.startsWith("kubernetes:cilium.io/")) return ["ciliumObject"];
    if (r.type === "command:remote:Command") {
        const n = r.name;
        if (r.inputs && r.inputs.create === undefined) return ["noCreate"];
        // wait-boot.sh + preflight.sh; configure.sh + install.sh (components/k3s: one command each).
        if (n.endsWith("-preflight")) return ["boot", "preflight"];
        if (n.endsWith("-install")) return ["config", /-server-1-install$/.test(n) ? "installFirstServer" : n.includes("-server-") ? "joinServer" : "joinAgent"];
        if (n.endsWith("-api-ready")) return ["apiReady"];
        if (n.endsWith("-kubeconfig")) return ["kubeconfig"];
        if (n.endsWith("-servers-at-version")) return ["skewGate"];
        if (n.endsWith("-upgrade-drain")) return ["upgradeDrain"];
        if (n.endsWith("-uncordon")) return ["uncordon"];
        if (n.endsWith("-agents-joined")) return ["agentsJoined"];
        if (n.endsWith("-agents-bootstrap-token")) return ["bootstrapToken"];
        if (n.endsWith("-cloud-resources-cleanup")) return ["cloudCleanup"];
        if (n.endsWith("-datapath-guard")) return ["datapathGuard"];
        if (n.endsWith("-cilium-rollout")) return ["ciliumRolloutCheck"];
        if (n.endsWith("-cilium-crd-gate")) return ["crdGate"];
        if (n.endsWith("-enforce-gate")) return [opts.enforcing ? "enforceGate" : "enforceGateKeep"];
        if (n.endsWith("-enforce-arm")) return [opts.enforcing ? "enforceArm" : "enforceArmKeep"];
        if (n.endsWith("-enforce-restart")) return [opts.enforcing ? "auditModeEnforce" : "auditModeKeep"];
        if (n.endsWith("-enforce-verify")) return ["enforceVerify"];
        if (n.endsWith("-enforce-confirm")) return ["enforceConfirm"];
        throw new Error(`no latency model for remote command ${n}`);
    }
    if (!r.custom || r.type.startsWith("pulumi:providers:")) return ["free"];
    throw new Error(`no latency model for ${r.type} (${r.name}); add it to bench/latency.ts`);
}
