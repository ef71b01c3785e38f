/**
 * Post-deploy checks: pure parsers of real command output. Each failure says what is wrong and the next command
 * to run (the troubleshooting list in README.md).
 */
export interface CheckResult {
    name: string;
    ok: boolean;
    detail: string;
    /** The next command to run when it failed. */
    next?: string;
}

type Json = any;

function parseJson(text: string, what: string): Json {
    try {
        return JSON.parse(text);
    } catch {
        throw new Error(`${what}: expected JSON from kubectl, got ${JSON.stringify(text.slice(0, 120))}`);
    }
}

export const GATEWAY_API_CRDS = [
    "gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io",
    "grpcroutes.gateway.networking.k8s.io", "referencegrants.gateway.networking.k8s.io", "tlsroutes.gateway.networking.k8s.io",
];

/** `kubectl get nodes -o json`: every node Ready. */
export function nodesReady(stdout: string): CheckResult {
    const nodes = parseJson(stdout, "nodes").items as Json[];
    if (!nodes?.length) return { name: "nodes Ready", ok: false, detail: "no nodes registered", next: "kubectl get nodes; journalctl -u k3s on the first server" };
    const notReady = nodes.filter(n => !(n.status?.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True"));
    if (notReady.length) {
        const why = notReady.map(n => {
            const c = (n.status?.conditions ?? []).find((x: Json) => x.type === "Ready");
            return `${n.metadata.name} (${c?.reason ?? "no Ready condition"}${c?.message ? `: ${c.message}` : ""})`;
        });
        return { name: "nodes Ready", ok: false, detail: `NotReady: ${why.join("; ")}`, next: `cilium status --wait; kubectl describe node ${notReady[0].metadata.name}` };
    }
    return { name: "nodes Ready", ok: true, detail: `${nodes.length} node(s) Ready` };
}

/** `cilium-dbg status --brief` in one agent: prints "OK" when healthy, the failing subsystems otherwise. */
export function agentBrief(pod: string, stdout: string, exitCode: number): CheckResult {
    const text = stdout.trim();
    if (exitCode === 0 && text === "OK") return { name: `cilium agent ${pod}`, ok: true, detail: "OK" };
    return {
        name: `cilium agent ${pod}`, ok: false, detail: text || `cilium-dbg exited ${exitCode}`,
        next: `kubectl -n kube-system exec ${pod} -c cilium-agent -- cilium-dbg status --verbose`,
    };
}

/** `cilium-dbg status`: the KubeProxyReplacement line says True. */
export function kubeProxyReplacement(stdout: string): CheckResult {
    const line = stdout.split("\n").find(l => /^KubeProxyReplacement:/.test(l.trim()));
    if (!line) return { name: "KubeProxyReplacement", ok: false, detail: "no KubeProxyReplacement line in cilium-dbg status", next: "kubectl -n kube-system exec ds/cilium -c cilium-agent -- cilium-dbg status" };
    const value = line.trim().split(/\s+/)[1];
    return value === "True"
        ? { name: "KubeProxyReplacement", ok: true, detail: line.trim() }
        : { name: "KubeProxyReplacement", ok: false, detail: line.trim(), next: "kubectl -n kube-system get cm cilium-config -o yaml | grep kube-proxy-replacement" };
}

/** `kubectl get nodes -o json` + `kubectl -n kube-system get pods -l k8s-app=kube-proxy -o json`: no kube-proxy anywhere. */
export function kubeProxyAbsent(nodesJson: string, podsJson: string): CheckResult {
    const pods = parseJson(podsJson, "kube-proxy pods").items as Json[];
    if (pods?.length) return { name: "kube-proxy absent", ok: false, detail: `kube-proxy pods running: ${pods.map(p => p.metadata.name).join(", ")}`, next: "kubectl -n kube-system get ds kube-proxy" };
    const servers = (parseJson(nodesJson, "nodes").items as Json[]).filter(n => n.metadata.labels?.["node-role.kubernetes.io/control-plane"] === "true");
    const missing = servers.filter(n => !String(n.metadata.annotations?.["k3s.io/node-args"] ?? "").includes("--disable-kube-proxy"));
    if (missing.length) {
        return { name: "kube-proxy absent", ok: false, detail: `k3s on ${missing.map(n => n.metadata.name).join(", ")} runs without --disable-kube-proxy`, next: "cat /etc/rancher/k3s/config.yaml on that server" };
    }
    return { name: "kube-proxy absent", ok: true, detail: `no kube-proxy pods; ${servers.length} server(s) run k3s with --disable-kube-proxy` };
}

/** `kubectl get ciliumclusterwidenetworkpolicies -o json`: every policy has condition Valid=True. */
export function policiesValid(stdout: string, expected: readonly string[]): CheckResult {
    const items = parseJson(stdout, "CCNPs").items as Json[];
    const names = new Set(items.map(i => i.metadata.name));
    const missing = expected.filter(n => !names.has(n));
    const invalid = items.filter(i => !(i.status?.conditions ?? []).some((c: Json) => c.type === "Valid" && c.status === "True"))
        .map(i => `${i.metadata.name}: ${(i.status?.conditions ?? []).find((c: Json) => c.type === "Valid")?.message ?? "no Valid condition yet"}`);
    if (missing.length || invalid.length) {
        return {
            name: "CCNPs Valid", ok: false,
            detail: [...missing.map(m => `${m}: missing`), ...invalid].join("; "),
            next: "kubectl get ccnp -o wide; hubble observe --verdict DROPPED",
        };
    }
    return { name: "CCNPs Valid", ok: true, detail: `${items.length} policies Valid` };
}

/** `kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns -o json`: a ready endpoint. */
export function corednsReady(stdout: string): CheckResult {
    const slices = parseJson(stdout, "kube-dns endpoint slices").items as Json[];
    const ready = slices.flatMap(s => s.endpoints ?? []).filter((e: Json) => e.conditions?.ready === true);
    return ready.length
        ? { name: "CoreDNS answering", ok: true, detail: `${ready.length} ready CoreDNS endpoint(s)` }
        : { name: "CoreDNS answering", ok: false, detail: "kube-dns has no ready endpoints", next: "kubectl -n kube-system get pods -l k8s-app=kube-dns; hubble observe --verdict DROPPED --to-label k8s-app=kube-dns" };
}

/** `kubectl get crd -o json`: the Gateway API CRDs Cilium needs. */
export function gatewayApiPresent(stdout: string): CheckResult {
    const names = new Set((parseJson(stdout, "CRDs").items as Json[]).map(c => c.metadata.name));
    const missing = GATEWAY_API_CRDS.filter(n => !names.has(n));
    return missing.length
        ? { name: "Gateway API CRDs", ok: false, detail: `missing: ${missing.join(", ")}`, next: "pulumi up (the CRDs are applied before Cilium); then kubectl -n kube-system rollout restart deploy/cilium-operator" }
        : { name: "Gateway API CRDs", ok: true, detail: `${GATEWAY_API_CRDS.length} present` };
}

/** `kubectl -n kube-system get deploy hubble-relay -o json`: available. */
export function hubbleRelayAvailable(stdout: string, exitCode: number): CheckResult {
    if (exitCode !== 0) return { name: "Hubble Relay", ok: false, detail: "deployment hubble-relay not found", next: "kubectl -n kube-system get deploy -l k8s-app=hubble-relay" };
    const d = parseJson(stdout, "hubble-relay");
    const available = d.status?.availableReplicas ?? 0;
    return available >= 1
        ? { name: "Hubble Relay", ok: true, detail: `${available} replica(s) available; kubectl port-forward -n kube-system svc/hubble-relay 4245:80 && hubble observe --server localhost:4245` }
        : { name: "Hubble Relay", ok: false, detail: "no available replica", next: "kubectl -n kube-system logs deploy/hubble-relay; cilium status" };
}

/** Names of the agent pods from `kubectl -n kube-system get pods -l k8s-app=cilium -o json`. */
export function agentPods(stdout: string): string[] {
    return (parseJson(stdout, "cilium pods").items as Json[]).map(p => p.metadata.name).sort();
}
