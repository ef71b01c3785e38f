/**
 * npm run verify -- --stack <stack> [--kubeconfig <file>]
 *
 * Post-deploy verification for humans and CI. Reads the kubeconfig and expectations from the stack's outputs
 * (`pulumi stack output --json --show-secrets`) unless --kubeconfig is given, runs kubectl, and prints one line
 * per check; each failure names the next command to run. Exit code 1 when any check fails.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as checks from "./checks";
import { ccmInitialised, sleepSync, testLoadBalancer } from "./hetzner";
import { parseCli, runCli, UsageError } from "../../tools/cli";

export interface Exec {
    (cmd: string, args: string[], env?: Record<string, string>): { code: number; stdout: string; stderr: string };
}

export const realExec: Exec = (cmd, args, env) => {
    const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120000 });
    if (r.error) throw new Error(`${cmd}: ${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed (not on PATH)" : r.error.message}`);
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};

export interface Expectations {
    hubbleRelay: boolean;
    /** The program installs the Gateway API CRDs only with gatewayApi: true (stack output versions.gatewayApi). @default true */
    gatewayApi?: boolean;
    policies: string[];
    /** The Hetzner cloud controller runs (stack output hetznerCloudParts.cloudController). */
    hetznerCloudController?: boolean;
}

/** How long the test LoadBalancer Service may take, and how verify sleeps (tests pass their own). */
export interface RunOptions {
    lbWaitSeconds?: number;
    sleep?: (ms: number) => void;
}

/** Runs every check through `exec` (kubectl with KUBECONFIG set). */
export function runChecks(exec: Exec, kubeconfig: string, expect: Expectations, opts: RunOptions = {}): checks.CheckResult[] {
    const env = { KUBECONFIG: kubeconfig };
    const k = (...args: string[]) => exec("kubectl", args, env);
    const results: checks.CheckResult[] = [];
    const guard = (name: string, f: () => checks.CheckResult | checks.CheckResult[]) => {
        try {
            const r = f();
            results.push(...(Array.isArray(r) ? r : [r]));
        } catch (e) {
            results.push({ name, ok: false, detail: (e as Error).message, next: "kubectl cluster-info" });
        }
    };
    const nodes = k("get", "nodes", "-o", "json");
    guard("nodes Ready", () => checks.nodesReady(nodes.stdout));
    guard("cilium agents", () => {
        const pods = checks.agentPods(k("-n", "kube-system", "get", "pods", "-l", "k8s-app=cilium", "-o", "json").stdout);
        if (!pods.length) return { name: "cilium agents", ok: false, detail: "no cilium agent pods", next: "kubectl -n kube-system get ds cilium; cilium status" };
        return pods.map(p => {
            const r = k("-n", "kube-system", "exec", p, "-c", "cilium-agent", "--", "cilium-dbg", "status", "--brief");
            return checks.agentBrief(p, r.stdout || r.stderr, r.code);
        });
    });
    guard("KubeProxyReplacement", () => checks.kubeProxyReplacement(k("-n", "kube-system", "exec", "ds/cilium", "-c", "cilium-agent", "--", "cilium-dbg", "status").stdout));
    guard("kube-proxy absent", () => checks.kubeProxyAbsent(nodes.stdout, k("-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-proxy", "-o", "json").stdout));
    guard("CCNPs Valid", () => checks.policiesValid(k("get", "ciliumclusterwidenetworkpolicies", "-o", "json").stdout, expect.policies));
    guard("CoreDNS answering", () => checks.corednsReady(k("-n", "kube-system", "get", "endpointslices", "-l", "kubernetes.io/service-name=kube-dns", "-o", "json").stdout));
    if (expect.gatewayApi !== false) guard("Gateway API CRDs", () => checks.gatewayApiPresent(k("get", "crd", "-o", "json").stdout));
    if (expect.hubbleRelay) {
        guard("Hubble Relay", () => {
            const r = k("-n", "kube-system", "get", "deploy", "hubble-relay", "-o", "json");
            return checks.hubbleRelayAvailable(r.stdout, r.code);
        });
    }
    if (expect.hetznerCloudController) {
        guard("CCM initialised every node", () => ccmInitialised(nodes.stdout));
        guard("LoadBalancer Service gets an external address", () => testLoadBalancer(k, { waitSeconds: opts.lbWaitSeconds ?? 240, sleep: opts.sleep ?? sleepSync }));
    }
    return results;
}

export function report(results: checks.CheckResult[]): string {
    return results.map(r => r.ok ? `ok    ${r.name}: ${r.detail}` : `FAIL  ${r.name}: ${r.detail}\n      next: ${r.next}`).join("\n");
}

/** Reads what verify needs from the stack outputs. */
export function fromStackOutputs(outputs: Record<string, any>): { kubeconfig: string; expect: Expectations } {
    if (typeof outputs.kubeconfig !== "string") throw new Error("the stack has no kubeconfig output: has `pulumi up` completed?");
    return {
        kubeconfig: outputs.kubeconfig,
        expect: {
            hubbleRelay: outputs.hubbleRelay === true, gatewayApi: typeof outputs.versions?.gatewayApi === "string",
            policies: Array.isArray(outputs.baselinePolicyNames) ? outputs.baselinePolicyNames : [],
            hetznerCloudController: outputs.hetznerCloudParts?.cloudController === true,
        },
    };
}

export function verifyStack(stack: string, exec: Exec = realExec, kubeconfigFile?: string): { ok: boolean; text: string } {
    const out = exec("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack]);
    if (out.code !== 0) throw new Error(`pulumi stack output --stack ${stack} failed: ${out.stderr.trim()}`);
    const { kubeconfig, expect } = fromStackOutputs(JSON.parse(out.stdout));
    let file = kubeconfigFile;
    let tmp: string | undefined;
    if (!file) {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));
        file = path.join(tmp, "kubeconfig");
        fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
    }
    try {
        const results = runChecks(exec, file, expect);
        return { ok: results.every(r => r.ok), text: report(results) };
    } finally {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
}

export const USAGE = "npm run verify -- --stack <stack> [--kubeconfig <file>]";

export function verifyArgs(argv: readonly string[]): { stack: string; kubeconfig?: string } {
    const { values } = parseCli(argv, { stack: { type: "string" }, kubeconfig: { type: "string" } }, USAGE);
    if (!values.stack) throw new UsageError("--stack is required", USAGE);
    if (values.kubeconfig === "") throw new UsageError("--kubeconfig needs a file", USAGE);
    return { stack: values.stack, kubeconfig: values.kubeconfig };
}

if (require.main === module) {
    runCli(async () => {
        const args = verifyArgs(process.argv.slice(2));
        const r = verifyStack(args.stack, realExec, args.kubeconfig);
        console.log(r.text);
        return r.ok ? 0 : 1;
    }, "npm run verify");
}
