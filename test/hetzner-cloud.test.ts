import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";
import { find, helmV4Applied, renderCilium, unmetReferences } from "./chart";
import { chartFile, envOf, FRESH_NODE_TAINTS, podSpec, renderHetznerChart, Toleration, tolerates } from "./hetzner-charts";
import { Graph, resolve, ROOT, runProgram, RunOptions, stackConfig } from "./harness";
import { Exec, fromStackOutputs, runChecks } from "../scripts/verify";
import { ccmInitialised, loadBalancerAddresses } from "../scripts/verify/hetzner";
import { Fetch, HCLOUD_API, hetznerLeftovers, LABELLED_KINDS } from "../scripts/leftovers";
import { parseArgs, runEphemeral } from "../scripts/ephemeral";
import { artifacts } from "../tools/render";
import { ccmValues } from "../components/hetzner-cloud/values";
import { parseScriptCommands } from "../components/shared/script";
import { sandbox, scriptPath } from "./shell";
import { ClusterConfig, validateConfig } from "../components/config";
import { ciliumMtu, mtuPlan, MtuInput } from "../components/hetzner-cloud/mtu";
import { l2OnHetznerProblems, L2RuleInput } from "../components/hetzner-cloud/rules";

function config(stack: "local" | "prod", overrides: Record<string, unknown> = {}): ClusterConfig {
    const r = validateConfig(stackConfig(stack, overrides), { stack, hcloudTokenSet: true });
    if (!r.ok) assert.fail(r.errors.join("\n"));
    return r.config;
}

describe("hetzner-cloud: MTU from the interface Cilium's tunnel uses", () => {
    // underlay → device MTU Cilium is given, pod route MTU Cilium derives (pkg/mtu/mtu.go getRouteMTU).
    const TABLE: [MtuInput, number, number][] = [
        [{ underlayMtu: 1450, routingMode: "tunnel", wireguard: false }, 1450, 1400],
        [{ underlayMtu: 1450, routingMode: "tunnel", wireguard: true }, 1450, 1320],
        [{ underlayMtu: 1450, routingMode: "native", wireguard: false }, 1450, 1450],
        [{ underlayMtu: 1450, routingMode: "native", wireguard: true }, 1450, 1370],
        [{ underlayMtu: 1500, routingMode: "tunnel", wireguard: false }, 1500, 1450],
        [{ underlayMtu: 1500, routingMode: "tunnel", wireguard: true }, 1500, 1370],
    ];
    for (const [input, device, pod] of TABLE) {
        it(`underlay ${input.underlayMtu}, ${input.routingMode}${input.wireguard ? " + WireGuard" : ""} → device ${device}, pods ${pod}`, () => {
            const plan = mtuPlan(input);
            assert.strictEqual(plan.deviceMtu, device);
            assert.strictEqual(plan.podMtu, pod);
            assert.strictEqual(plan.deviceMtu - plan.tunnelOverhead - plan.wireguardOverhead, plan.podMtu);
        });
    }

    it("Hetzner uses the private interface (1450, not the public 1500) for GENEVE and VXLAN alike; Colima is left to auto-detection", () => {
        assert.deepStrictEqual(ciliumMtu(config("prod")), { deviceMtu: 1450, tunnelOverhead: 50, wireguardOverhead: 0, podMtu: 1400 });
        assert.deepStrictEqual(ciliumMtu(config("prod", { tunnelProtocol: "vxlan", wireguard: true })), { deviceMtu: 1450, tunnelOverhead: 50, wireguardOverhead: 80, podMtu: 1320 });
        assert.strictEqual(ciliumMtu(config("local")), undefined);
    });
});

describe("hetzner-cloud: L2 announcements and LB IP pools are refused on Hetzner", () => {
    const base: L2RuleInput = { provider: "hetzner", l2Announcements: false, lbIpPools: [], cloudController: true };
    const TABLE: { why: string; input: L2RuleInput; expect: RegExp[] }[] = [
        { why: "nothing asked", input: base, expect: [] },
        { why: "L2 on", input: { ...base, l2Announcements: true }, expect: [/^k3s-cilium:l2Announcements = true: Hetzner Cloud networks are routed \(layer 3\).*accepted on provider hetzner: false — a plain Service of type LoadBalancer/] },
        { why: "a pool alone", input: { ...base, lbIpPools: ["10.0.200.0/24"] }, expect: [/^k3s-cilium:lbIpPools = \["10\.0\.200\.0\/24"\]: .*only deliver addresses Hetzner allocated.*accepted on provider hetzner: \[\]/] },
        { why: "both, without the cloud controller", input: { ...base, l2Announcements: true, lbIpPools: ["10.0.200.0/24"], cloudController: false },
            expect: [/l2Announcements = true:.*set k3s-cilium:hcloudCloudController: true/, /lbIpPools = .*set k3s-cilium:hcloudCloudController: true/] },
        { why: "Colima keeps them (an L2 segment of its own)", input: { ...base, provider: "colima", l2Announcements: true, lbIpPools: ["192.168.6.0/24"] }, expect: [] },
    ];
    for (const row of TABLE) {
        it(row.why, () => {
            const problems = l2OnHetznerProblems(row.input);
            assert.strictEqual(problems.length, row.expect.length, problems.join("\n"));
            row.expect.forEach((re, i) => assert.match(problems[i], re));
        });
    }

    it("is wired into config validation: the prod stack with L2 on is rejected before anything is created", () => {
        const r = validateConfig(stackConfig("prod", { l2Announcements: true, lbIpPools: ["10.0.200.0/24"] }), { stack: "prod", hcloudTokenSet: true });
        assert.ok(!r.ok);
        assert.deepStrictEqual(r.errors.map(e => e.split(" = ")[0]), ["k3s-cilium:l2Announcements", "k3s-cilium:lbIpPools"]);
    });
});

describe("hetzner-cloud: k3s flags per role", () => {
    /** Each node's config.yaml (stdin of `<node>-install`) with the role its install.sh runs. */
    function configs(g: Graph): { node: string; role: string; config: Record<string, any> }[] {
        return g.ofType("command:remote:Command").filter(c => c.name.endsWith("-install")).map(c => ({
            node: c.name.replace(/-install$/, ""),
            role: parseScriptCommands(c.inputs.create)!.find(s => s.name === "install.sh")!.args.trim().split(/\s+/)[1],
            config: YAML.parse(c.inputs.stdin),
        }));
    }

    it("prod: servers run disable-cloud-controller and drop local-storage; every node's kubelet runs cloud-provider=external", async () => {
        const nodes = configs(await runProgram({ stack: "prod" }));
        assert.deepStrictEqual(nodes.map(n => n.role).sort(), ["agent", "agent", "server", "server", "server"]);
        for (const n of nodes) {
            assert.deepStrictEqual(n.config["kubelet-arg"], ["cloud-provider=external"], n.node);
            if (n.role === "server") {
                assert.strictEqual(n.config["disable-cloud-controller"], true, n.node);
                assert.deepStrictEqual(n.config.disable, ["traefik", "servicelb", "local-storage"], n.node);
            } else {
                // `k3s agent` exits on a flag it does not define: the server-only flags never reach an agent.
                assert.ok(!("disable-cloud-controller" in n.config) && !("disable" in n.config), `${n.node}: ${Object.keys(n.config)}`);
            }
        }
    });

    it("opt-outs and local: without the CCM k3s keeps its own cloud controller; without CSI its local-path storage", async () => {
        for (const [opts, ccm, csi] of [
            [{ stack: "prod", overrides: { hcloudCloudController: false } }, false, true],
            [{ stack: "prod", overrides: { hcloudCsiDriver: false } }, true, false],
            [{ stack: "local" }, false, false],
        ] as const) {
            for (const n of configs(await runProgram(opts as RunOptions))) {
                assert.strictEqual("kubelet-arg" in n.config, ccm, `${JSON.stringify(opts)} ${n.node}`);
                assert.strictEqual(n.config["disable-cloud-controller"] === true, ccm && n.role === "server", `${JSON.stringify(opts)} ${n.node}`);
                assert.strictEqual((n.config.disable ?? []).includes("local-storage"), csi && n.role === "server", `${JSON.stringify(opts)} ${n.node}`);
            }
        }
    });
});

describe("hetzner-cloud: the graph (bootstrap order, Secret, destroy order)", () => {
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });
    const chart = (name: string) => g.get(name, "kubernetes:helm.sh/v4:Chart");

    it("the CCM starts beside Cilium: both wait only for the API, neither for the other", () => {
        const ccm = chart("hcloud-cloud-controller-manager");
        const cilium = chart("cilium");
        const apiReady = g.get("k3s-cilium-api-ready");
        assert.ok(g.dependsOn(ccm, apiReady));
        assert.ok(g.dependsOn(ccm, g.get("hcloud", "kubernetes:core/v1:Secret")), "the token Secret exists before the CCM");
        assert.ok(!g.dependsOn(ccm, cilium), "the CCM must not wait for Cilium");
        assert.ok(!g.dependsOn(cilium, ccm), "Cilium must not wait for the CCM");
        for (const name of ["hcloud-cloud-controller-manager", "hcloud-csi"]) {
            const c = chart(name);
            assert.deepStrictEqual([c.inputs.chart, c.inputs.repositoryOpts.repo, c.inputs.namespace], [name, "https://charts.hetzner.cloud", "kube-system"]);
        }
        assert.deepStrictEqual([ccm.inputs.version, chart("hcloud-csi").inputs.version], ["1.35.0", "2.22.1"]);
    });

    it("the CSI driver comes after the CCM and Cilium's rollout (its controller needs initialised, Ready nodes)", () => {
        const csi = chart("hcloud-csi");
        assert.ok(g.dependsOn(csi, chart("hcloud-cloud-controller-manager")));
        assert.ok(g.dependsOn(csi, g.get("k3s-cilium-cilium-rollout")));
    });

    it("the Secret `hcloud` carries the token and the network id, and is secret", async () => {
        const s = g.get("hcloud", "kubernetes:core/v1:Secret");
        assert.deepStrictEqual(s.inputs.metadata, { name: "hcloud", namespace: "kube-system" });
        assert.deepStrictEqual(s.secretInputs, ["stringData"]);
        assert.deepStrictEqual(Object.keys(s.inputs.stringData).sort(), ["network", "token"]);
        assert.strictEqual(s.inputs.stringData.token, "mock-hcloud-token");
        assert.match(s.inputs.stringData.network, /^\d+$/, "HCLOUD_NETWORK takes the network's id");
        assert.ok(g.dependsOn(s, g.get("k3s-cilium-network")), "the network id comes from the Hetzner network");
        assert.ok(!JSON.stringify(chart("hcloud-cloud-controller-manager").inputs.values).includes("mock-hcloud-token"), "the token is never a chart value");
    });

    it("destroy: the cleanup command goes first — before both charts, every machine and the network", () => {
        const cleanup = g.get("k3s-cilium-cloud-resources-cleanup");
        // Pulumi deletes dependents before their dependencies: everything the cleanup depends on outlives it.
        for (const r of [chart("hcloud-cloud-controller-manager"), chart("hcloud-csi"), g.get("k3s-cilium-network"), g.get("k3s-cilium-subnet"),
            ...g.ofType("hcloud:index/server:Server"), ...g.ofType("command:remote:Command").filter(c => c.name.endsWith("-install"))]) {
            assert.ok(g.dependsOn(cleanup, r), `${r.name} must outlive the cleanup`);
        }
        // deletedWith would skip its delete when the machine goes in the same run; the charts may skip theirs.
        assert.strictEqual(cleanup.deletedWith, "");
        assert.strictEqual(chart("hcloud-csi").deletedWith, g.get("k3s-cilium-server-1").urn);
        const scripts = parseScriptCommands(cleanup.inputs.delete)!;
        assert.deepStrictEqual(scripts.map(s => `${s.name}${s.args}`), ["destroy-cleanup.sh k3s-cilium-server-1 600"]);
        assert.strictEqual(cleanup.inputs.create, "true");
    });

    it("opting out of both parts removes the charts and the Secret, never the cleanup (its delete would empty a live cluster)", async () => {
        const off = await runProgram({ stack: "prod", overrides: { hcloudCloudController: false, hcloudCsiDriver: false } });
        assert.deepStrictEqual(off.ofType("kubernetes:helm.sh/v4:Chart").map(c => c.name), ["cilium"]);
        assert.strictEqual(off.ofType("kubernetes:core/v1:Secret").filter(s => s.name === "hcloud").length, 0);
        assert.strictEqual(off.get("k3s-cilium-cloud-resources-cleanup").inputs.delete, g.get("k3s-cilium-cloud-resources-cleanup").inputs.delete);
        const local = await runProgram({ stack: "local" });
        assert.strictEqual(local.resources.filter(r => r.type.startsWith("k3s-cilium:hetzner-cloud")).length, 0);
    });
});

describe("hetzner-cloud: the real charts rendered with the program's values", function () {
    this.timeout(180000);
    let g: Graph;
    before(async () => { g = await runProgram({ stack: "prod" }); });
    const values = (name: string) => g.get(name, "kubernetes:helm.sh/v4:Chart").inputs.values;
    const release = (name: string) => g.get(name, "kubernetes:helm.sh/v4:Chart").inputs.name;

    it("CCM: host network, the API endpoint without the CNI, tolerates a fresh node, token/network from the Secret, LB defaults", async () => {
        const objects = helmV4Applied(await renderHetznerChart("ccm", values("hcloud-cloud-controller-manager"), release("hcloud-cloud-controller-manager")));
        const deploy = find(objects, "Deployment", "hcloud-cloud-controller-manager");
        const pod = podSpec(deploy);
        assert.strictEqual(pod.hostNetwork, true);
        assert.strictEqual(deploy!.spec.replicas, 2);
        for (const taint of FRESH_NODE_TAINTS) assert.ok(tolerates(pod.tolerations, taint), `the CCM must tolerate ${taint.key}:${taint.effect}`);
        const c = pod.containers[0];
        assert.deepStrictEqual(envOf(c), {
            HCLOUD_INSTANCES_ADDRESS_FAMILY: "dualstack",
            HCLOUD_LOAD_BALANCERS_LOCATION: "fsn1",
            HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: "true",
            HCLOUD_NETWORK_ROUTES_ENABLED: "false",
            HCLOUD_TOKEN: { secretKeyRef: { name: "hcloud", key: "token" } },
            KUBERNETES_SERVICE_HOST: "10.0.1.2",
            KUBERNETES_SERVICE_PORT: "6443",
            ROBOT_PASSWORD: { secretKeyRef: { name: "hcloud", key: "robot-password", optional: true } },
            ROBOT_USER: { secretKeyRef: { name: "hcloud", key: "robot-user", optional: true } },
            HCLOUD_NETWORK: { secretKeyRef: { name: "hcloud", key: "network" } },
        });
        assert.ok(c.args.includes("--cluster-cidr=10.42.0.0/16") && c.args.includes("--allocate-node-cidrs=true"), c.args.join(" "));
        assert.ok(!c.args.includes("--leader-elect=false"), "two replicas need leader election");
        // The program creates the Secret before the chart: nothing the Deployment needs is missing.
        assert.deepStrictEqual(unmetReferences(objects, [{ kind: "Secret", namespace: "kube-system", name: "hcloud" }]), []);
    });

    it("CSI: hcloud-volumes is the default StorageClass (reclaim Delete), token from the Secret, volumes labelled with the cluster", async () => {
        const objects = helmV4Applied(await renderHetznerChart("csi", values("hcloud-csi"), release("hcloud-csi")));
        const classes = objects.filter(o => o.kind === "StorageClass");
        assert.deepStrictEqual(classes.map(sc => [sc.metadata.name, (sc.metadata as any).annotations["storageclass.kubernetes.io/is-default-class"], sc.reclaimPolicy, sc.provisioner]),
            [["hcloud-volumes", "true", "Delete", "csi.hetzner.cloud"]]);
        const controller = podSpec(find(objects, "Deployment", "hcloud-csi-controller"));
        const driver = controller.containers.find((c: { name: string }) => c.name === "hcloud-csi-driver");
        const env = envOf(driver);
        assert.deepStrictEqual(env.HCLOUD_TOKEN, { secretKeyRef: { name: "hcloud", key: "token" } });
        assert.strictEqual(env.HCLOUD_VOLUME_DEFAULT_LOCATION, "fsn1");
        assert.strictEqual(env.HCLOUD_VOLUME_EXTRA_LABELS, "cluster=k3s-cilium");
        assert.deepStrictEqual(unmetReferences(objects, [{ kind: "Secret", namespace: "kube-system", name: "hcloud" }]), []);
    });

    it("CSI values validate against the chart's values.schema.json (the CCM chart ships none)", async () => {
        const ajv = new Ajv2020({ strict: false, allErrors: true });
        const validate = ajv.compile(JSON.parse(await chartFile("csi", "values.schema.json")));
        assert.ok(validate(values("hcloud-csi")), ajv.errorsText(validate.errors));
        assert.ok(!validate({ storageClasses: [{ name: "x", defaultStorageClass: "yes" }] }), "the schema check can fail");
    });

    it("Cilium 1.18.4 with the program's values: agent and operator tolerate a node the CCM has not initialised yet", async () => {
        const objects = await renderCilium(values("cilium"));
        for (const [kind, name] of [["DaemonSet", "cilium"], ["Deployment", "cilium-operator"]]) {
            const tolerations = podSpec(find(objects, kind, name)).tolerations;
            for (const taint of FRESH_NODE_TAINTS) assert.ok(tolerates(tolerations, taint), `${kind} ${name} must tolerate ${taint.key}:${taint.effect}`);
        }
        // Cilium 1.18.0/1.18.1 shipped operator tolerations without the uninitialised taint (fixed in 1.18.2 by
        // cilium/cilium#41098): such a list must fail this check.
        const regressed = [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }, { key: "node.kubernetes.io/not-ready", operator: "Exists" }] as Toleration[];
        assert.ok(!tolerates(regressed, FRESH_NODE_TAINTS[0]));
    });

    it("the toleration rule follows Kubernetes (key, operator, value, effect)", () => {
        const taint = FRESH_NODE_TAINTS[0];
        assert.ok(tolerates([{ operator: "Exists" }], taint));
        assert.ok(tolerates([{ key: taint.key, value: "true", effect: "NoSchedule" }], taint));
        assert.ok(!tolerates([{ key: taint.key, value: "false", effect: "NoSchedule" }], taint));
        assert.ok(!tolerates([{ key: taint.key, operator: "Exists", effect: "NoExecute" }], taint));
        assert.ok(!tolerates([{ key: "node.kubernetes.io/not-ready", operator: "Exists" }], taint));
    });
});

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
        assert.deepStrictEqual([ccm.chart, ccm.version, ccm.repository, ccm.namespace], ["hcloud-cloud-controller-manager", "1.35.0", "https://charts.hetzner.cloud", "kube-system"]);
        assert.deepStrictEqual([csi.chart, csi.version, csi.repository], ["hcloud-csi", "2.22.1", "https://charts.hetzner.cloud"]);
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
