/**
 * Post-deploy checks of the Hetzner cloud parts (components/hetzner-cloud): pure parsers of kubectl's JSON, and the
 * test LoadBalancer Service round trip. Each failure names the next command.
 */
import type { CheckResult } from "./checks";

type Json = any;

const UNINITIALIZED_TAINT = "node.cloudprovider.kubernetes.io/uninitialized";
/** hcloud CCM provider IDs: `hcloud://<server id>` (hetznercloud/hcloud-cloud-controller-manager v1.35.0, internal/providerid/providerid.go). */
const PROVIDER_ID = /^hcloud:\/\/\d+$/;

function parse(text: string, what: string): Json {
    try {
        return JSON.parse(text);
    } catch {
        throw new Error(`${what}: expected JSON from kubectl, got ${JSON.stringify(text.slice(0, 120))}`);
    }
}

/** `kubectl get nodes -o json`: the hcloud CCM initialised every node (providerID hcloud://…, no uninitialised taint). */
export function ccmInitialised(stdout: string): CheckResult {
    const nodes = (parse(stdout, "nodes").items ?? []) as Json[];
    const name = "CCM initialised every node";
    if (!nodes.length) return { name, ok: false, detail: "no nodes registered", next: "kubectl get nodes" };
    const problems = nodes.flatMap(n => {
        const out: string[] = [];
        const id = n.spec?.providerID as string | undefined;
        if (!id || !PROVIDER_ID.test(id)) out.push(`${n.metadata.name}: providerID ${JSON.stringify(id ?? "")} (expected hcloud://<server id>)`);
        if ((n.spec?.taints ?? []).some((t: Json) => t.key === UNINITIALIZED_TAINT)) out.push(`${n.metadata.name}: still tainted ${UNINITIALIZED_TAINT}`);
        return out;
    });
    return problems.length
        ? { name, ok: false, detail: problems.join("; "), next: "kubectl -n kube-system logs deploy/hcloud-cloud-controller-manager (a k3s:// providerID: re-register the node, README \"Hetzner cloud parts\")" }
        : { name, ok: true, detail: `${nodes.length} node(s) with an hcloud:// providerID, none uninitialised` };
}

/** `kubectl get service <name> -o json`: the external addresses of a LoadBalancer Service (empty while pending). */
export function loadBalancerAddresses(stdout: string): string[] {
    const svc = parse(stdout, "service");
    return ((svc.status?.loadBalancer?.ingress ?? []) as Json[]).map(i => i.ip ?? i.hostname).filter(Boolean);
}

export interface Exec {
    (cmd: string, args: string[], env?: Record<string, string>): { code: number; stdout: string; stderr: string };
}

export const TEST_SERVICE = "k3s-cilium-verify-lb";

/**
 * Creates a plain LoadBalancer Service (no annotations: the CCM's defaults must suffice), waits (bounded) for an
 * external address, and deletes it again, waiting for the CCM to delete the Hetzner load balancer (finalizer).
 */
export function testLoadBalancer(kubectl: (...args: string[]) => ReturnType<Exec>, opts: { waitSeconds: number; sleep: (ms: number) => void; intervalMs?: number }): CheckResult {
    const name = "LoadBalancer Service gets an external address";
    const interval = opts.intervalMs ?? 5000;
    const create = kubectl("-n", "default", "create", "service", "loadbalancer", TEST_SERVICE, "--tcp=80:80");
    if (create.code !== 0 && !create.stderr.includes("AlreadyExists")) {
        return { name, ok: false, detail: `could not create the test Service: ${create.stderr.trim()}`, next: "kubectl auth can-i create services" };
    }
    try {
        let addresses: string[] = [];
        for (let waited = 0; ; waited += interval) {
            const got = kubectl("-n", "default", "get", "service", TEST_SERVICE, "-o", "json");
            addresses = got.code === 0 ? loadBalancerAddresses(got.stdout) : [];
            if (addresses.length || waited >= opts.waitSeconds * 1000) break;
            opts.sleep(interval);
        }
        return addresses.length
            ? { name, ok: true, detail: `${TEST_SERVICE} got ${addresses.join(", ")} (a Hetzner load balancer, no annotations)` }
            : { name, ok: false, detail: `${TEST_SERVICE} has no external address after ${opts.waitSeconds}s`, next: `kubectl -n default describe service ${TEST_SERVICE}; kubectl -n kube-system logs deploy/hcloud-cloud-controller-manager` };
    } finally {
        kubectl("-n", "default", "delete", "service", TEST_SERVICE, "--wait=true", "--timeout=180s");
    }
}

/** Blocking sleep for the synchronous verify run. */
export function sleepSync(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
