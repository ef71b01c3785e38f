import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ClusterConfig } from "../config";
import { ClusterNode, ClusterNodes } from "../nodes/contract";
import { nodeCommand } from "../shared/remote";
import { loadScript, scriptCommand } from "../shared/script";
import { serviceHost } from "../nodes/plan";
import { agentBatches, agentBatchSize, batchCommands, isK3sUpgrade, plainAndConditional } from "./agent-upgrade";
import { joinUrl, rewriteKubeconfig } from "./config";
import { BOOTSTRAP_TOKEN_RANDOM_LENGTH, BOOTSTRAP_TOKEN_TTL_SECONDS, bootstrapToken } from "./bootstrap-token";
import { agentFirstBoot, FIRST_BOOT, firstBootConfig, FirstBootSource } from "./first-boot";
import { agentConverge, NodeSteps, nodeSteps, NodeStepsContext } from "./node-steps";
import { agentDrain, machineId, serverLeaves } from "./removal";

export * from "./config";
export * from "./node-steps";
export * from "./backup";
export * from "./upgrade";
export * from "./lifecycle";
export * from "./previous-state";
export * from "./removal";
export * from "./first-boot";
export * from "./bootstrap-token";

/** How long agents-joined.sh waits for every first-boot agent to register (boot, download, join). */
export const AGENTS_JOINED_TIMEOUT_SECONDS = 900;

export interface K3sClusterArgs {
    config: ClusterConfig;
    /**
     * The machines, from the nodes stage; joiners wait for its `endpointResources`. A function is called once with
     * the agents' first-boot user data (it needs the agent token, which this component owns): the nodes stage puts
     * it into each agent's user data, and those agents install and join without an SSH command (first-boot.ts).
     */
    machines: ClusterNodes | ((firstBoot: FirstBootSource) => ClusterNodes);
    /** Seconds the first command waits for SSH and cloud-init. Default 900. */
    bootTimeoutSeconds?: number;
    /** The k3s version the previous `up` deployed (lifecycleState), if known: a change upgrades agents in batches. */
    previousK3sVersion?: pulumi.Output<string | undefined>;
    /** S3 credentials of the etcd snapshot upload (secret; ConfigSecrets.etcdS3), when backups are on. */
    etcdS3Credentials?: pulumi.Output<{ accessKey: string; secretKey: string }>;
    /**
     * Whether the first server bootstraps etcd (`cluster-init`) or joins the servers a previous `up` deployed
     * (lifecycle.ts firstServerJoins). @default true
     */
    firstServerBootstraps?: pulumi.Input<boolean>;
}

const script = (name: string) => loadScript(__dirname, name);

/**
 * k3s on every server over SSH (Colima: every node). Per node: boot wait ≺ preflight ≺ config ≺ install. Across
 * nodes: first server ≺ API ready; remaining servers one at a time (etcd membership changes are serial). Hetzner
 * agents install and join from first-boot user data while the servers come up, and one command waits for them all;
 * SSH-path agents join in parallel once the API answers. Then the kubeconfig and a Kubernetes provider.
 */
export class K3sCluster extends pulumi.ComponentResource {
    readonly steps: NodeSteps[];
    /** Each node's k3s install, by node name: what later stages wait for on that node. */
    readonly nodeReady: Readonly<Record<string, pulumi.Resource>>;
    readonly apiReady: command.remote.Command;
    /** Version-skew gate the agents' installs wait for. */
    readonly serversAtVersion: command.remote.Command;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** Server token (secret). */
    readonly token: pulumi.Output<string>;
    /** Agent token (secret): the only long-lived token agents receive (over SSH, never in user data). */
    readonly agentToken: pulumi.Output<string>;
    /**
     * Bootstrap token (secret): what first-boot agents' user data carries, valid only while they join; undefined
     * when no machine takes user data (Colima).
     */
    readonly bootstrapToken?: pulumi.Output<string>;
    readonly firstServer: ClusterNode;
    /** The machines (made by this component when `args.machines` is a function). */
    readonly machines: ClusterNodes;

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:k3s:K3sCluster", name, {}, opts);
        const { config } = args;
        const parent = this;
        const bootTimeout = args.bootTimeoutSeconds ?? 900;

        const token = new random.RandomPassword(`${config.clusterName}-k3s-token`, { length: 64, special: false }, { parent });
        this.token = pulumi.secret(token.result);
        // Agents join with their own token (k3s `agent-token`), never the server token: see k3sTokenKeys.
        const agentToken = new random.RandomPassword(`${config.clusterName}-k3s-agent-token`, { length: 64, special: false }, { parent });
        this.agentToken = pulumi.secret(agentToken.result);
        // The machines are made here when the nodes stage takes first-boot user data, so that it can carry the
        // bootstrap token this component owns; the nodes stage's resources keep their own parents (and URNs).
        const plannedUrl = joinUrl(serviceHost(config), config.apiPort);
        const firstBootAgents = new Set<string>();
        const makeMachines = args.machines;
        let machines: ClusterNodes;
        if (typeof makeMachines === "function") {
            // First-boot agents' user data carries a bootstrap token, not the agent token (bootstrap-token.ts): the
            // same value for the stack's life, registered on the first server with a TTL whenever agents-joined runs.
            const random22 = new random.RandomString(`${config.clusterName}-k3s-bootstrap-token`, {
                length: BOOTSTRAP_TOKEN_RANDOM_LENGTH, upper: false, special: false, lower: true, numeric: true,
            }, { parent, additionalSecretOutputs: ["result"] });
            const joinToken = pulumi.secret(random22.result.apply(bootstrapToken));
            this.bootstrapToken = joinToken;
            machines = makeMachines(p => {
                if (p.role !== "agent") return undefined;
                firstBootAgents.add(p.name);
                return pulumi.secret(joinToken.apply(t => agentFirstBoot(config, p, firstBootConfig(config, p, plannedUrl, t))));
            });
        } else {
            machines = makeMachines;
        }
        this.machines = machines;

        const servers = machines.nodes.filter(n => n.role === "server");
        this.firstServer = servers[0];
        const url = joinUrl(machines.endpoint.serviceHost, machines.endpoint.port);
        if (firstBootAgents.size && url !== plannedUrl) {
            throw new pulumi.ResourceError(`the nodes stage's endpoint ${url} is not the planned ${plannedUrl} that first-boot agents join`, this);
        }

        const ctx: NodeStepsContext = {
            config, parent, bootTimeout, joinUrl: url, tlsSans: machines.endpoint.tlsSans, firstServer: this.firstServer,
            tokens: { server: this.token, agent: this.agentToken, etcdS3: args.etcdS3Credentials },
            firstServerBootstraps: args.firstServerBootstraps ?? true, serverAddresses: servers.map(s => s.privateAddress),
        };

        const endpoint = machines.endpointResources;
        const first = nodeSteps(ctx, this.firstServer, []);
        this.apiReady = nodeCommand(`${config.clusterName}-api-ready`, {
            node: this.firstServer, create: scriptCommand(script("api-ready.sh"), [this.firstServer.name, 300]),
        }, { parent, dependsOn: [first.install], customTimeouts: { create: "10m" } });

        this.steps = [first];
        // Servers join one at a time: each etcd member must be in before the next membership change.
        let previous: pulumi.Resource = this.apiReady;
        for (const server of servers.slice(1)) {
            const s = nodeSteps(ctx, server, [previous, ...endpoint]);
            this.steps.push(s);
            previous = s.install;
        }
        // The skew gate keeps agents from upgrading before every server runs the new version (no kubelet newer than
        // an API server); on a first install it passes at once, so agents do not queue behind the serial server joins.
        const skewGateCmd = scriptCommand(script("servers-at-version.sh"), [this.firstServer.name, config.versions.k3s, 1800]);
        this.serversAtVersion = nodeCommand(`${config.clusterName}-servers-at-version`, {
            node: this.firstServer, create: skewGateCmd, update: skewGateCmd,
        }, { parent, dependsOn: [this.apiReady], customTimeouts: { create: "35m", update: "35m" } });
        const agents = this.joinAgents(ctx, machines.nodes.filter(n => n.role === "agent"), firstBootAgents, args.previousK3sVersion, endpoint);
        // Removing or replacing a server removes its etcd member and Node first, from a survivor (removal.ts).
        if (config.provider === "hetzner") serverLeaves(parent, this.steps.filter(s => s.node.role === "server"));

        this.nodeReady = { ...Object.fromEntries(this.steps.map(s => [s.node.name, s.install])), ...agents };

        const access = this.clusterAccess(config, machines.endpoint);
        this.kubeconfig = access.kubeconfig;
        this.provider = access.provider;

        this.registerOutputs({ kubeconfig: this.kubeconfig, apiReady: this.apiReady.id });
    }

    /**
     * Agents join in parallel, never depending on each other, once the API answers (first-boot agents: on their
     * own, from user data). During a k3s version change they go in batches, each drained before and uncordoned
     * after its restart (agent-upgrade.ts); otherwise (first install) the batches do not wait and their commands run
     * nothing on create. First-boot agents have one `<agent>-converge` each (update only) and one
     * `<cluster>-agents-joined` wait for all of them. Returns what later stages wait for, per agent.
     */
    private joinAgents(
        ctx: NodeStepsContext, agents: ClusterNode[], firstBoot: ReadonlySet<string>,
        previousK3sVersion: pulumi.Output<string | undefined> | undefined, endpoint: readonly pulumi.Resource[],
    ): Record<string, pulumi.Resource> {
        const { config, parent } = ctx;
        const upgrading = (previousK3sVersion ?? pulumi.output(undefined)).apply(prev => isK3sUpgrade(prev, config.versions.k3s));
        const steps: NodeSteps[] = [];
        const uncordons: pulumi.Resource[] = [];
        let previousBatch: pulumi.Resource[] = [];
        const joiners = agents.filter(a => firstBoot.has(a.name));
        const tokenReady = joiners.length ? this.registerBootstrapToken(ctx, joiners) : undefined;
        agentBatches(agents, agentBatchSize(agents.length)).forEach((batch, i) => {
            const waitFor = previousBatch;
            const cmds = batchCommands(`${config.clusterName}-agents-batch-${i + 1}`, batch, this.firstServer, config.versions.k3s, parent,
                upgrading, plainAndConditional([this.serversAtVersion], upgrading.apply(u => (u ? waitFor : []))));
            const installs = batch.map(agent => {
                const dependsOn = [this.serversAtVersion, cmds.drain, ...endpoint];
                const s = firstBoot.has(agent.name) ? agentConverge(ctx, agent, [...dependsOn, tokenReady!]) : nodeSteps(ctx, agent, dependsOn);
                steps.push(s);
                return s.install;
            });
            previousBatch = [cmds.uncordon(installs)];
            uncordons.push(...previousBatch);
        });
        // Removing or replacing an agent drains and deletes its Node first (removal.ts).
        for (const s of steps) agentDrain(parent, s, this.firstServer);
        this.steps.push(...steps);
        const ready: Record<string, pulumi.Resource> = Object.fromEntries(steps.map(s => [s.node.name, s.install]));
        if (!joiners.length) return ready;
        // One bounded wait on the first server for every first-boot agent (registered at the version), instead of an
        // SSH session per agent; it runs again when the list or the version changes, after the batches' uncordons.
        // It first registers the bootstrap token (stdin) with its TTL, so agents can join only from then on and only
        // for the TTL, and deletes it once every agent is registered (kept after a failed wait, for a manual re-run). It also runs again (triggers) when an agent's machine is replaced under the same name: the
        // new machine's user data carries the same token, which has long expired by then.
        const waitCmd = scriptCommand(script("agents-joined.sh"), [this.firstServer.name, config.versions.k3s,
            AGENTS_JOINED_TIMEOUT_SECONDS, FIRST_BOOT.log, BOOTSTRAP_TOKEN_TTL_SECONDS, ...joiners.map(a => a.name)]);
        const joined = nodeCommand(`${config.clusterName}-agents-joined`, {
            node: this.firstServer, create: waitCmd, update: waitCmd, stdin: this.bootstrapToken!,
            triggers: joiners.map(a => machineId(a)),
        }, {
            parent, dependsOn: [this.apiReady, ...uncordons, ...joiners.map(a => a.machine)],
            additionalSecretOutputs: ["stdin"], customTimeouts: { create: "20m", update: "20m" },
        });
        for (const a of joiners) ready[a.name] = joined;
        return ready;
    }

    /**
     * Registers the bootstrap token on the first server before any first-boot agent's converge, and again whenever
     * the agents' machines change (triggers): a replaced agent's converge waits for its cloud-init, whose first boot
     * can join only with a registered token, so this must not wait for the converges (agents-joined does, during an
     * upgrade). agents-joined.sh registers it once more right before its wait, so the hour counts from then.
     */
    private registerBootstrapToken(ctx: NodeStepsContext, joiners: ClusterNode[]): pulumi.Resource {
        const { config, parent } = ctx;
        const cmd = scriptCommand(script("register-bootstrap-token.sh"), [this.firstServer.name, BOOTSTRAP_TOKEN_TTL_SECONDS]);
        return nodeCommand(`${config.clusterName}-agents-bootstrap-token`, {
            node: this.firstServer, create: cmd, update: cmd, stdin: this.bootstrapToken!,
            triggers: joiners.map(a => machineId(a)),
        }, {
            parent, dependsOn: [this.apiReady, ...joiners.map(a => a.machine)],
            additionalSecretOutputs: ["stdin"], customTimeouts: { create: "5m", update: "5m" },
        });
    }

    /** The first server's kubeconfig, pointed at the operator's endpoint (secret), and a Kubernetes provider on it. */
    private clusterAccess(config: ClusterConfig, endpoint: ClusterNodes["endpoint"]): { kubeconfig: pulumi.Output<string>; provider: k8s.Provider } {
        // The admin client certificate in k3s.yaml is valid for a year; k3s renews certificates at start when they are
        // within 90 days of expiry and rewrites k3s.yaml (k3s-io/k3s discussion #10024, issue #12171; kube-hetzner
        // discussion #1268 re-reads it the same way). So the read re-runs when the first server's k3s version
        // changes (that install restarts k3s before apiReady): a triggers change replaces the command, `create` runs
        // again, and the provider's kubeconfig changes as an update (clusterIdentifier below). Not on every `up`:
        // a trigger that changes every run would be a perma-diff and re-read an unchanged file. README "Day 2".
        const kubeconfigRead = nodeCommand(`${config.clusterName}-kubeconfig`, {
            node: this.firstServer, create: scriptCommand(script("kubeconfig.sh"), [this.firstServer.name]),
            triggers: [config.versions.k3s],
            secretOutputs: ["stdout"], logging: "stderr",
        }, { parent: this, dependsOn: [this.apiReady] });
        const server = pulumi.interpolate`${endpoint.kubeconfigHost}`.apply(h => joinUrl(h, endpoint.port));
        const kubeconfig = pulumi.secret(pulumi.all([kubeconfigRead.stdout, server]).apply(([raw, s]) =>
            rewriteKubeconfig(raw, s, config.clusterName)));
        const provider = new k8s.Provider(`${config.clusterName}-k8s`, {
            kubeconfig,
            // With an identifier, a kubeconfig change (e.g. the API endpoint moving off a public load balancer) is an
            // update, not a replacement of every object in the cluster; adding it is itself no replacement
            // (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig @010f5d8, testdata/diffconfig).
            clusterIdentifier: config.clusterName,
            enableServerSideApply: true,
        }, { parent: this, dependsOn: [kubeconfigRead] });
        return { kubeconfig, provider };
    }
}
