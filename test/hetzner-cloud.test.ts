import * as assert from "assert";
import { isDeepStrictEqual } from "util";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";
import { find, helmV4Applied, K8sObject, renderCilium, unmetReferences } from "./chart";
import { chartFile, envOf, FRESH_NODE_TAINTS, podSpec, renderHetznerChart, Toleration, tolerates } from "./hetzner-charts";
import { Graph, runProgram, RunOptions, stackConfig } from "./harness";
import { parseScriptCommands } from "../components/shared/script";
import { ClusterConfig, validateConfig } from "../components/config";
import { HCLOUD_CCM_CHART, HCLOUD_CSI_CHART } from "../components/config/versions";
import { ciliumMtu, mtuPlan, MtuInput } from "../components/hetzner-cloud/mtu";
import { CSI_AWAIT_TIMEOUT_SECONDS, PULUMI_KUBERNETES_DEFAULT_AWAIT_SECONDS } from "../components/hetzner-cloud/values";
import { LATENCY } from "../bench/latency";
import { l2OnHetznerProblems, L2RuleInput } from "../components/hetzner-cloud/rules";

const annotationsOf = (o: K8sObject | undefined): Record<string, string> => (o?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};

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
    /** Each node's config.yaml (stdin of `<node>-install`, or a first-boot agent's `-converge`) with the role its install.sh runs. */
    function configs(g: Graph): { node: string; role: string; config: Record<string, any> }[] {
        return g.ofType("command:remote:Command").filter(c => /-(install|converge)$/.test(c.name)).map(c => ({
            node: c.name.replace(/-(install|converge)$/, ""),
            role: parseScriptCommands(c.inputs.create ?? c.inputs.update)!.find(s => s.name === "install.sh")!.args.trim().split(/\s+/)[1],
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
        // The charts carry the one pin (components/config/versions.ts), whatever it is.
        assert.deepStrictEqual([ccm.inputs.version, chart("hcloud-csi").inputs.version], [HCLOUD_CCM_CHART.version, HCLOUD_CSI_CHART.version]);
    });

    it("the CSI driver is applied beside Cilium: after the API, its Secret and the CCM, not after the Cilium chart or its rollout", () => {
        const csi = chart("hcloud-csi");
        assert.ok(g.dependsOn(csi, g.get("k3s-cilium-api-ready")));
        assert.ok(g.dependsOn(csi, g.get("hcloud", "kubernetes:core/v1:Secret")), "its token Secret exists first");
        assert.ok(g.dependsOn(csi, chart("hcloud-cloud-controller-manager")), "the CCM (node initialisation) is applied first");
        // Its await ends once Cilium is Ready (CSI_AWAIT_TIMEOUT_SECONDS says why that is safe); waiting for the
        // Cilium chart or the rollout would add its apply and pulls after Cilium instead.
        assert.ok(!g.dependsOn(csi, chart("cilium")), "the CSI chart must not wait for the Cilium chart");
        assert.ok(!g.dependsOn(csi, g.get("k3s-cilium-cilium-rollout")), "the CSI chart must not wait for Cilium's rollout");
        assert.ok(!g.dependsOn(chart("cilium"), csi), "Cilium must not wait for the CSI chart");
    });

    it("the CSI chart's await starts with every node registered: after agents-joined and every server's install", () => {
        // Its node plugin tolerates every taint, so a node joining during the DaemonSet's await adds a pod the await
        // waits for (kstatus Current), holding engine slots the agents' creates need (components/hetzner-cloud).
        const csi = chart("hcloud-csi");
        const joined = g.get("k3s-cilium-agents-joined");
        assert.ok(g.dependsOn(csi, joined), "the CSI chart waits for the first-boot agents to have joined");
        assert.ok(g.dependsOn(joined, g.get("k3s-cilium-agent-2")), "agents-joined is the wait for every agent");
        const installs = g.ofType("command:remote:Command").filter(c => /-server-[0-9]+-install$/.test(c.name));
        assert.deepStrictEqual(installs.map(c => c.name), ["k3s-cilium-server-1-install", "k3s-cilium-server-2-install", "k3s-cilium-server-3-install"]);
        for (const c of installs) assert.ok(g.dependsOn(csi, c), `${c.name}: every server is in the node set first`);
        // Registration only: nothing the CSI chart waits for waits for Cilium (which alone makes a node Ready).
        assert.ok(!g.dependsOn(joined, chart("cilium")) && !g.dependsOn(csi, chart("cilium")));
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

    it("CSI: only kinds whose await waits; its Deployment and DaemonSet awaited for CSI_AWAIT_TIMEOUT_SECONDS, longer than each of Cilium's awaits", async () => {
        const objects = helmV4Applied(await renderHetznerChart("csi", values("hcloud-csi"), release("hcloud-csi")));
        // Applied before any node is Ready: each of these either has no await or waits (never fails early) for Ready pods
        // (pulumi-kubernetes provider/pkg/await/awaiters.go, deployment.go, daemonset.go). A Job or a bare Pod would not.
        assert.deepStrictEqual([...new Set(objects.map(o => o.kind))].sort(),
            ["CSIDriver", "ClusterRole", "ClusterRoleBinding", "DaemonSet", "Deployment", "ServiceAccount", "StorageClass"]);
        for (const [kind, name] of [["Deployment", "hcloud-csi-controller"], ["DaemonSet", "hcloud-csi-node"]]) {
            assert.strictEqual(annotationsOf(find(objects, kind, name))["pulumi.com/timeoutSeconds"], String(CSI_AWAIT_TIMEOUT_SECONDS), `${kind} ${name}`);
        }
        // What the provider awaits in Cilium's chart, for as long as its annotation (or the provider default) says: the
        // CSI await may start while Cilium still rolls out on every node, and its own pods start after that.
        const cilium = await renderCilium(values("cilium"));
        const ciliumAwaits = cilium.filter(o => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind))
            .map(o => [`${o.kind} ${o.metadata.name}`, Number(annotationsOf(o)["pulumi.com/timeoutSeconds"] ?? PULUMI_KUBERNETES_DEFAULT_AWAIT_SECONDS)] as const);
        assert.ok(ciliumAwaits.some(([w]) => w === "DaemonSet cilium"), ciliumAwaits.map(([w]) => w).join(", "));
        assert.ok(cilium.every(o => !annotationsOf(o)["pulumi.com/skipAwait"]), "Cilium's objects are awaited");
        for (const [workload, seconds] of ciliumAwaits) {
            assert.ok(CSI_AWAIT_TIMEOUT_SECONDS >= seconds + LATENCY.hcloudCsiPods.up,
                `the CSI await (${CSI_AWAIT_TIMEOUT_SECONDS} s) must outlast Cilium's ${workload} (${seconds} s) + its own pods (${LATENCY.hcloudCsiPods.up} s)`);
        }
    });

    it("CSI: commonAnnotations (the await bound) change only the metadata of 5 objects, no workload's spec (no pod restarts)", async () => {
        const withBound = helmV4Applied(await renderHetznerChart("csi", values("hcloud-csi"), release("hcloud-csi")));
        const { commonAnnotations, ...rest } = values("hcloud-csi");
        assert.ok(commonAnnotations, "the program sets commonAnnotations");
        const without = helmV4Applied(await renderHetznerChart("csi", rest, release("hcloud-csi")));
        const id = (o: K8sObject) => `${o.kind} ${o.metadata.name}`;
        assert.deepStrictEqual(withBound.map(id), without.map(id), "the same objects");
        // A chart that put a checksum of its values into a pod template would change the spec: every pod restarts.
        for (const o of withBound.filter(o => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind))) {
            assert.deepStrictEqual(o.spec, find(without, o.kind, o.metadata.name)!.spec, `${id(o)}: spec`);
        }
        // What the first `up` after adding the bound updates in place (README "Day 2"): metadata annotations only.
        const changed = withBound.filter(o => !isDeepStrictEqual(o, find(without, o.kind, o.metadata.name)));
        assert.deepStrictEqual(changed.map(id), ["ServiceAccount hcloud-csi-controller", "ClusterRole hcloud-csi-controller",
            "ClusterRoleBinding hcloud-csi-controller", "DaemonSet hcloud-csi-node", "Deployment hcloud-csi-controller"]);
        const stripped = (o: K8sObject) => ({ ...o, metadata: { ...o.metadata, annotations: undefined } });
        for (const o of changed) assert.deepStrictEqual(stripped(o), stripped(find(without, o.kind, o.metadata.name)!), `${id(o)}: only annotations`);
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
