/** Hetzner cloud parts, operations side: the destroy cleanup script, npm run verify, the ephemeral leftover check, render. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { resolve, ROOT, runProgram, stackConfig } from "./harness";
import { sandbox, scriptPath } from "./shell";
import { Exec, fromStackOutputs, runChecks } from "../scripts/verify";
import { ccmInitialised, loadBalancerAddresses } from "../scripts/verify/hetzner";
import { Fetch, HCLOUD_API, hetznerLeftovers, LABELLED_KINDS } from "../scripts/leftovers";
import { parseArgs, runEphemeral } from "../scripts/ephemeral";
import { artifacts } from "../tools/render";
import { ccmValues } from "../components/hetzner-cloud/values";
import { ClusterConfig, validateConfig } from "../components/config";
import { HCLOUD_CCM_CHART, HCLOUD_CSI_CHART } from "../components/config/versions";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) assert.fail(r.errors.join("\n"));
    return r.config;
}

describe("hetzner-cloud: destroy-cleanup.sh (stubbed k3s kubectl)", () => {
    const cleanup = scriptPath("hetzner-cloud", "destroy-cleanup.sh");
    /** A cluster with a Gateway's LB Service (gone after two polls) and one PV of each reclaim policy (the Delete one
     *  gone after three polls: the volume detaches after the pod is deleted). */
    const cluster = (servicesStay: boolean) => `
log "k3s $*"
count() { local f="$STUB_DIR/$1"; local n; n=$(( $(cat "$f" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$f"; echo "$n"; }
case "$*" in
  *"get --raw /readyz"*|*"get crd gateways"*) exit 0 ;;
  *"get services -A"*) n=$(count svc); { [ "$n" -le 2 ] || ${servicesStay}; } && echo "default/cilium-gateway-web" ;;
  *"get pv"*persistentVolumeReclaimPolicy*) n=$(count pv); [ "$n" -le 3 ] && echo "pvc-1 Delete"; echo "pvc-2 Retain" ;;
  *"get pv"*) echo -n "pvc-2 " ;;
  *"get pods -A"*) n=$(count pods); [ "$n" -le 1 ] && { echo "default/db-0 data"; echo "kube-system/coredns-1 "; } ;;
esac
exit 0`;

    it("deletes Gateways, LoadBalancer Services, PVCs and the pods holding them, then waits until the CCM/CSI removed them", () => {
        const sb = sandbox();
        sb.stub("k3s", cluster(false));
        const r = sb.run(cleanup, ["server-1", 60]);
        assert.strictEqual(r.code, 0, r.stderr);
        const deletes = sb.calls().filter(c => c.includes(" delete "));
        assert.deepStrictEqual(deletes, [
            "k3s kubectl delete gateways.gateway.networking.k8s.io --all -A --wait=false",
            "k3s kubectl delete service -n default cilium-gateway-web --wait=false --ignore-not-found",
            "k3s kubectl delete pvc --all -A --wait=false",
            "k3s kubectl delete pod -n default db-0 --wait=false --ignore-not-found",
        ]);
        // It waited for the volume too: four polls of the PVs, the last one without pvc-1.
        assert.strictEqual(sb.calls().filter(c => c.includes("persistentVolumeReclaimPolicy")).length, 4);
        assert.match(r.stdout, /kept volumes with reclaimPolicy Retain: pvc-2/);
        assert.match(r.stdout, /no LoadBalancer Service and no deletable hcloud volume left/);
    });

    it("fails with one line naming what is left after its timeout, and when the API does not answer", () => {
        const stuck = sandbox();
        stuck.stub("k3s", cluster(true));
        const r = stuck.run(cleanup, ["server-1", 0]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /^server-1: cloud-cleanup: ERROR: after 0s still present: services \[default\/cilium-gateway-web\] volumes \[pvc-1\]; see: .*hcloud-cloud-controller-manager/m);
        const down = sandbox();
        down.stub("k3s", 'log "k3s $*"; exit 1');
        const d = down.run(cleanup, ["server-1"]);
        assert.strictEqual(d.code, 1);
        assert.match(d.stderr, /the API does not answer.*hcloud load-balancer list/);
        assert.deepStrictEqual(down.calls(), ["k3s kubectl get --raw /readyz"]);
    });
});

describe("hetzner-cloud: npm run verify checks the CCM and a test LoadBalancer Service", () => {
    const fixture = (name: string) => fs.readFileSync(path.join(ROOT, "test", "fixtures", "verify", name), "utf8");

    it("every node initialised: hcloud:// providerID and no uninitialised taint; names what is wrong otherwise", () => {
        assert.deepStrictEqual(ccmInitialised(fixture("nodes-hcloud-initialised.json")), {
            name: "CCM initialised every node", ok: true, detail: "2 node(s) with an hcloud:// providerID, none uninitialised",
        });
        const bad = ccmInitialised(fixture("nodes-hcloud-uninitialised.json"));
        assert.strictEqual(bad.ok, false);
        assert.strictEqual(bad.detail, "k3s-cilium-server-1: providerID \"k3s://k3s-cilium-server-1\" (expected hcloud://<server id>); "
            + "k3s-cilium-agent-1: providerID \"\" (expected hcloud://<server id>); k3s-cilium-agent-1: still tainted node.cloudprovider.kubernetes.io/uninitialized");
        assert.match(bad.next!, /logs deploy\/hcloud-cloud-controller-manager/);
        // The k3s-only fixture of the other checks (no cloud controller) fails too.
        assert.strictEqual(ccmInitialised(fixture("nodes-ready.json")).ok, false);
    });

    it("external addresses of a LoadBalancer Service (empty while pending)", () => {
        assert.deepStrictEqual(loadBalancerAddresses(fixture("service-lb-ready.json")), ["116.203.45.18", "2a01:4f8:1c1e:a3c1::1"]);
        assert.deepStrictEqual(loadBalancerAddresses(fixture("service-lb-pending.json")), []);
    });

    /** kubectl double: nodes initialised; the test Service pending for `pendingPolls` gets, then ready. */
    function kubectl(pendingPolls: number) {
        const seen: string[] = [];
        let polls = 0;
        const exec: Exec = (cmd, a) => {
            const s = a.join(" ");
            seen.push(s);
            const out = (stdout: string, code = 0) => ({ code, stdout, stderr: "" });
            if (s === "get nodes -o json") return out(fixture("nodes-hcloud-initialised.json"));
            if (s.includes("get service k3s-cilium-verify-lb")) return out(fixture(++polls > pendingPolls ? "service-lb-ready.json" : "service-lb-pending.json"));
            if (s.includes("create service loadbalancer") || s.includes("delete service")) return out("");
            return out(JSON.stringify({ items: [] }), 1);
        };
        return { exec, seen };
    }

    it("runChecks creates a plain LoadBalancer Service, waits for its address, and deletes it (waiting for the LB to go)", () => {
        const { exec, seen } = kubectl(2);
        const sleeps: number[] = [];
        const results = runChecks(exec, "/tmp/kc", { hubbleRelay: false, policies: [], hetznerCloudController: true }, { lbWaitSeconds: 60, sleep: ms => sleeps.push(ms) });
        const mine = results.filter(r => ["CCM initialised every node", "LoadBalancer Service gets an external address"].includes(r.name));
        assert.deepStrictEqual(mine.map(r => [r.name, r.ok]), [["CCM initialised every node", true], ["LoadBalancer Service gets an external address", true]]);
        assert.match(mine[1].detail, /got 116\.203\.45\.18, 2a01:4f8:1c1e:a3c1::1/);
        assert.deepStrictEqual(sleeps, [5000, 5000]);
        const lb = seen.filter(s => s.includes("k3s-cilium-verify-lb"));
        assert.deepStrictEqual([lb[0], lb[lb.length - 1]], [
            "-n default create service loadbalancer k3s-cilium-verify-lb --tcp=80:80",
            "-n default delete service k3s-cilium-verify-lb --wait=true --timeout=180s",
        ]);
    });

    it("a Service that stays pending fails after the bounded wait (and is still deleted); stacks without the CCM skip both", () => {
        const { exec, seen } = kubectl(1000);
        const r = runChecks(exec, "/tmp/kc", { hubbleRelay: false, policies: [], hetznerCloudController: true }, { lbWaitSeconds: 10, sleep: () => undefined })
            .find(x => x.name === "LoadBalancer Service gets an external address")!;
        assert.deepStrictEqual([r.ok, r.detail], [false, "k3s-cilium-verify-lb has no external address after 10s"]);
        assert.ok(seen.some(s => s.startsWith("-n default delete service k3s-cilium-verify-lb")));
        const without = kubectl(0);
        const names = runChecks(without.exec, "/tmp/kc", { hubbleRelay: false, policies: [] }).map(x => x.name);
        assert.ok(!names.includes("CCM initialised every node") && !without.seen.some(s => s.includes("verify-lb")));
    });

    it("reads the expectation from the stack output hetznerCloudParts", async () => {
        const g = await runProgram({ stack: "prod" });
        const parts = (await resolve(g.outputs.hetznerCloudParts as any)).value;
        assert.deepStrictEqual(parts, { cloudController: true, csiDriver: true, ciliumMtu: 1450 });
        assert.strictEqual(fromStackOutputs({ kubeconfig: "x", hetznerCloudParts: parts }).expect.hetznerCloudController, true);
        assert.strictEqual(fromStackOutputs({ kubeconfig: "x" }).expect.hetznerCloudController, false);
    });
});

describe("hetzner-cloud: the ephemeral destroy leaves nothing behind (Hetzner API leftover check)", () => {
    /** Hetzner Cloud API double: answers GET /v1/<kind>?label_selector=… in the API's list format. */
    function api(left: Record<string, { id: number; name: string }[]>) {
        const urls: string[] = [];
        const fetchFn: Fetch = async (url, init) => {
            urls.push(`${url} ${init.headers.Authorization}`);
            const kind = /\/v1\/([a-z_]+)\?/.exec(url)![1];
            return { ok: true, status: 200, json: async () => ({ [kind]: left[kind] ?? [], meta: { pagination: { page: 1, per_page: 50, total_entries: (left[kind] ?? []).length } } }) };
        };
        return { urls, fetchFn };
    }

    it("asks for every kind the cluster labels, by label selector and token, and names what is left", async () => {
        const { urls, fetchFn } = api({ volumes: [{ id: 101, name: "pvc-6f1e2a" }] });
        assert.deepStrictEqual(await hetznerLeftovers("eph-pr-7", "tok", fetchFn), ["volumes pvc-6f1e2a (id 101)"]);
        assert.deepStrictEqual(urls.map(u => u.replace(HCLOUD_API, "")), LABELLED_KINDS.map(k => `/${k}?label_selector=cluster%3Deph-pr-7&per_page=50 Bearer tok`));
        assert.deepStrictEqual(await hetznerLeftovers("eph-pr-7", "tok", api({}).fetchFn), []);
    });

    it("ephemeral destroy fails when something is left, passes when nothing is, and says when it could not check", async () => {
        const run = async (leftovers?: (c: string) => Promise<string[]>) => {
            const logs: string[] = [];
            const stack = { setAllConfig: async () => undefined, up: async () => undefined, destroy: async () => undefined, outputs: async () => ({}) };
            const code = await runEphemeral(parseArgs(["destroy", "--name", "t"], {}), {
                workspace: async () => ({ createOrSelectStack: async () => stack, selectStack: async () => stack, removeStack: async () => undefined }),
                verify: async () => true, log: l => logs.push(l), findPulumi: () => "/usr/bin/pulumi", leftovers,
            });
            return { code, logs };
        };
        const left = await run(async c => [`volumes pvc-1 (id 9) of ${c}`]);
        assert.strictEqual(left.code, 1);
        assert.match(left.logs[left.logs.length - 1], /^ERROR: eph-t left 1 resource\(s\) in Hetzner Cloud \(still billed\): volumes pvc-1 \(id 9\) of eph-t$/);
        assert.deepStrictEqual((await run(async () => [])).logs.slice(-1), ["eph-t: nothing left in Hetzner Cloud"]);
        assert.deepStrictEqual(await run(), { code: 0, logs: ["eph-t destroyed and removed", "leftover check skipped: HCLOUD_TOKEN is not set"] });
    });
});

describe("hetzner-cloud: npm run render shows both charts with the program's values", () => {
    it("prod renders hetzner-cloud/<chart>.yaml with chart, version, repository and the values the program passes; local none", async () => {
        const g = await runProgram({ stack: "prod", platform: "linux" });
        const files = artifacts(g, config("prod"));
        const ccm = YAML.parse(files.get("hetzner-cloud/hcloud-cloud-controller-manager.yaml")!);
        const csi = YAML.parse(files.get("hetzner-cloud/hcloud-csi.yaml")!);
        assert.deepStrictEqual([ccm.chart, ccm.version, ccm.repository, ccm.namespace], ["hcloud-cloud-controller-manager", HCLOUD_CCM_CHART.version, "https://charts.hetzner.cloud", "kube-system"]);
        assert.deepStrictEqual([csi.chart, csi.version, csi.repository], ["hcloud-csi", HCLOUD_CSI_CHART.version, "https://charts.hetzner.cloud"]);
        assert.deepStrictEqual(ccm.values, g.get("hcloud-cloud-controller-manager", "kubernetes:helm.sh/v4:Chart").inputs.values);
        assert.deepStrictEqual(csi.values.storageClasses, [{ name: "hcloud-volumes", defaultStorageClass: true, reclaimPolicy: "Delete" }]);
        assert.match(files.get("commands.txt")!, /k3s-cilium-cloud-resources-cleanup: destroy-cleanup\.sh k3s-cilium-server-1 600/);
        const local = artifacts(await runProgram({ stack: "local", platform: "linux" }), config("local"));
        assert.deepStrictEqual([...local.keys()].filter(k => k.startsWith("hetzner-cloud/")), []);
    });

    it("the CCM's address family follows ipv6 (the kubelet's node-ip must be among the CCM's addresses), replicas follow the servers", () => {
        const endpoint = { serviceHost: "10.0.1.10", port: 6443 };
        const v4 = ccmValues(config("prod", { ipv6: false, controlPlaneCount: 1, workerCount: 0, operatorReplicas: 1 }), endpoint) as any;
        assert.deepStrictEqual([v4.env.HCLOUD_INSTANCES_ADDRESS_FAMILY.value, v4.replicaCount, v4.env.KUBERNETES_SERVICE_HOST.value], ["ipv4", 1, "10.0.1.10"]);
        assert.strictEqual((ccmValues(config("prod"), endpoint) as any).env.HCLOUD_INSTANCES_ADDRESS_FAMILY.value, "dualstack");
    });
});
