// Wiring only: config → nodes → k3s → Gateway API → Cilium → policies → outputs. Each stage is in components/.
// First: a Node.js older than package.json's engines stops here, with how to fix it.
import "./components/shared/node-guard";
import * as pulumi from "@pulumi/pulumi";
import { BaselinePolicies, baselinePolicies, CHART_POLICY_AUDIT_MODE, enforcementProblems } from "./components/policies";
import { Cilium } from "./components/cilium";
import { ConfigError, loadConfig } from "./components/config";
import { GatewayApiCrds } from "./components/gateway-api";
import { ciliumMtu, HetznerCloud } from "./components/hetzner-cloud";
import { firstServerJoins, K3sCluster, lifecycleGate, lifecycleStateOf, previousLifecycleState } from "./components/k3s";
import { assertHostTools, ClusterNodes, ColimaNodes, HetznerNodes, operatorKubeconfig } from "./components/nodes";
import { operatorCommands } from "./components/outputs";
import { assertBuildFresh, withShallowStackTraces } from "./components/shared/runtime";

// 1. Config: every problem is reported at once, before any resource exists.
assertBuildFresh(__filename);
const { config, secrets } = loadConfig();
const policyProblems = enforcementProblems(config, baselinePolicies(config));
if (policyProblems.length) throw new ConfigError(policyProblems);
assertHostTools(config);

// What the previous `up` deployed (a self StackReference); a change that would lose quorum or replace several
// servers at once is refused before any machine is registered (components/k3s/previous-state.ts).
const previousState = previousLifecycleState(config);
const gate = lifecycleGate(previousState, config);

const cluster = withShallowStackTraces(() => {
    // 2. Machines, behind one contract (made by K3sCluster on Hetzner: agents' user data carries its agent token).
    // 3. k3s: servers over SSH; Hetzner agents from first-boot user data (components/k3s/first-boot.ts).
    const k3s = new K3sCluster("k3s", {
        config,
        machines: config.provider === "hetzner"
            ? firstBoot => new HetznerNodes("nodes", { config, sshPrivateKey: secrets.sshPrivateKey, gate, firstBoot })
            : new ColimaNodes("nodes", { config }),
        etcdS3Credentials: secrets.etcdS3,
        previousK3sVersion: previousState.apply(p => p?.k3sVersion),
        firstServerBootstraps: previousState.apply(prev => !firstServerJoins(prev, config)),
    });
    const machines: ClusterNodes = k3s.machines;
    const firstMachine = k3s.firstServer.machine;

    // 4. Gateway API CRDs (gatewayApi: true only), which Cilium's operator only looks for at start-up.
    const gatewayApi = config.cilium.gatewayApi
        ? new GatewayApiCrds("gateway-api", { config, provider: k3s.provider, dependsOn: [k3s.apiReady], deletedWith: firstMachine })
        : undefined;

    // 5. Cilium, then rollout and the CRD gate.
    const cilium = new Cilium("cilium", {
        config, provider: k3s.provider, firstServer: k3s.firstServer,
        endpoint: { serviceHost: machines.endpoint.serviceHost, port: machines.endpoint.port },
        dependsOn: [k3s.apiReady, ...(gatewayApi ? [gatewayApi] : [])],
        policyAuditMode: CHART_POLICY_AUDIT_MODE,
    });

    // 5b. Hetzner cloud parts (CCM and CSI beside Cilium, destroy-time cleanup of what they created).
    const hetznerCloud = machines instanceof HetznerNodes ? new HetznerCloud("hetzner-cloud", {
        config, provider: k3s.provider, firstServer: k3s.firstServer, apiReady: k3s.apiReady,
        endpoint: { serviceHost: machines.endpoint.serviceHost, port: machines.endpoint.port },
        networkId: machines.network.id, hcloudToken: secrets.hcloudToken, nodeSteps: Object.values(k3s.nodeReady),
    }) : undefined;

    // 6. Baseline policies in order, a reachability check, then (if configured) enforcement.
    const policies = new BaselinePolicies("policies", {
        config, provider: k3s.provider, crdGate: cilium.crdGate, nodes: machines.nodes, firstServer: k3s.firstServer,
        endpoint: machines.endpoint, nodeReady: k3s.nodeReady,
    });
    return { machines, k3s, gatewayApi, policies, hetznerCloud };
});

// 7. Outputs.
const { machines, k3s, gatewayApi, policies, hetznerCloud } = cluster;
const first = k3s.firstServer;
export const kubeconfig = operatorKubeconfig(config, k3s.kubeconfig, machines.nodes);
export const apiEndpoint = pulumi.interpolate`https://${machines.endpoint.kubeconfigHost}:${machines.endpoint.port}`;
export const k8sServiceHost = machines.endpoint.serviceHost;
// sshPort/sshUser: npm run restore (scripts/restore.ts) reaches every server with them.
export const nodes = pulumi.all(machines.nodes.map(n => pulumi.all([n.sshAddress, n.connection.port, n.connection.user]).apply(([ssh, sshPort, sshUser]) => ({
    name: n.name, role: n.role, sshAddress: ssh, privateAddress: n.privateAddress, sshPort, sshUser,
}))));
export const commands = pulumi.all([first.connection.host, first.connection.port, first.connection.user])
    .apply(([host, port, user]) => operatorCommands(config, { host, port, user }));
export const versions = { k3s: config.versions.k3s, cilium: config.versions.cilium, ...(gatewayApi ? { gatewayApi: gatewayApi.version } : {}) };
export const policyAuditMode = config.cilium.policyAuditMode;
export const hubbleRelay = config.cilium.hubble.relay;
export const baselinePolicyNames = policies.policies.map(p => p.policy.name);
export const sshPrivateKey = machines.sshPrivateKey;
/** known_hosts lines of the pinned SSH host keys (prod): `commands.knownHosts` writes them for `commands.ssh`. */
export const sshKnownHosts = machines.knownHosts;
/** Hetzner cloud parts that run (npm run verify checks them) and the MTU Cilium was given. */
export const hetznerCloudParts = { cloudController: !!hetznerCloud?.ccm, csiDriver: !!hetznerCloud?.csi, ciliumMtu: ciliumMtu(config)?.deviceMtu ?? null };
/** What this `up` deployed, read back by the next one (components/k3s/lifecycle.ts); waits for the gate. */
export const lifecycleState = gate.apply(() => lifecycleStateOf(config));
