/**
 * Day-2 lifecycle decisions, pure: what the previous `pulumi up` deployed (the stack output `lifecycleState`, read
 * back by components/k3s/previous-state.ts) against what the config now asks for. A change that would lose etcd
 * quorum, or replace or power off more than one server in one `up`, is refused before anything is created, with the
 * config key, the current and requested values, and the safe sequence.
 */
import { ClusterConfig } from "../config";
import { qualified } from "../config/keys";
import { upgradeProblems } from "./upgrade";
import { planNodes } from "../nodes/plan";

/** What one `up` deployed: exported as the stack output `lifecycleState`, read back by the next `up`. */
export interface LifecycleState {
    /** Bumped when the shape changes; an unknown schema is treated as "no previous state" plus a warning. */
    schema: 1;
    provider: string;
    clusterName: string;
    controlPlaneCount: number;
    workerCount: number;
    /** Server and agent names, in join order. */
    servers: string[];
    agents: string[];
    /** Hetzner inputs that replace (image, location: ForceNew) or power off (server type) a server on change. */
    serverImage: string;
    hcloudLocation: string;
    controlPlaneServerType: string;
    workerServerType: string;
    /** Versions deployed (absent in states written before they were recorded: then no version refusal). */
    k3sVersion?: string;
    ciliumVersion?: string;
}

export const LIFECYCLE_SCHEMA = 1;

/** The state this config deploys (the next `up` reads it back). */
export function lifecycleStateOf(config: ClusterConfig): LifecycleState {
    const planned = planNodes(config);
    return {
        schema: LIFECYCLE_SCHEMA,
        provider: config.provider,
        clusterName: config.clusterName,
        controlPlaneCount: config.nodes.controlPlaneCount,
        workerCount: config.nodes.workerCount,
        servers: planned.filter(n => n.role === "server").map(n => n.name),
        agents: planned.filter(n => n.role === "agent").map(n => n.name),
        serverImage: config.provider === "hetzner" ? config.hetzner.image : "",
        hcloudLocation: config.provider === "hetzner" ? config.hetzner.location : "",
        controlPlaneServerType: config.provider === "hetzner" ? config.hetzner.controlPlaneServerType : "",
        workerServerType: config.provider === "hetzner" ? config.hetzner.workerServerType : "",
        k3sVersion: config.versions.k3s,
        ciliumVersion: config.versions.cilium,
    };
}

/** A previous-state value read from a stack output: the state when it has the known shape, else undefined. */
export function parseLifecycleState(raw: unknown): LifecycleState | undefined {
    if (!raw || typeof raw !== "object") return undefined;
    const s = raw as Partial<LifecycleState>;
    if (s.schema !== LIFECYCLE_SCHEMA || !Array.isArray(s.servers) || !Array.isArray(s.agents)
        || typeof s.controlPlaneCount !== "number" || typeof s.workerCount !== "number") return undefined;
    return s as LifecycleState;
}

/** etcd's quorum: a majority of the voting members. */
export function quorum(members: number): number {
    return Math.floor(members / 2) + 1;
}

function refusal(key: string, current: unknown, requested: unknown, why: string, steps: string[]): string {
    const sequence = steps.map((s, i) => `${i + 1}) ${s}`).join(" ");
    return `${qualified(key)}: current ${JSON.stringify(current)}, requested ${JSON.stringify(requested)}: refused: ${why}. Safe sequence: ${sequence}`;
}

/**
 * Server count changes. Servers join one at a time (K3sCluster chains them) and leave one at a time (each leave
 * removes its etcd member from a surviving server before its machine is deleted, highest ordinal first), so one
 * odd step per `up` (1↔3, 3↔5, 5↔7) keeps a majority through every single membership change. Even counts are not
 * accepted as a resting state (config rule controlPlaneCount), so a step is two members: the leave script refuses to
 * remove a member while any other server is NotReady. A bigger jump is refused.
 */
function controlPlaneProblems(prev: LifecycleState, config: ClusterConfig): string[] {
    const from = prev.controlPlaneCount;
    const to = config.nodes.controlPlaneCount;
    if (Math.abs(to - from) <= 2) return [];
    const path: number[] = [];
    for (let n = from; n !== to; n += to > from ? 2 : -2) path.push(n);
    path.push(to);
    const direction = to > from ? "adds" : "removes";
    const why = to < from
        ? `it ${direction} ${from - to} etcd members in one up; ${from} members need ${quorum(from)} for quorum, and more than one odd step at a time leaves no margin if a server fails mid-change`
        : `it ${direction} ${to - from} etcd members in one up; each join is a membership change that needs the previous one finished`;
    return [refusal("controlPlaneCount", from, to, why,
        [...path.slice(1).map(n => `pulumi config set ${qualified("controlPlaneCount")} ${n} && pulumi up (wait until every server is Ready)`)])];
}

/** Hetzner inputs whose change would replace or power off every node of a role in one `up`. */
function hetznerProblems(prev: LifecycleState, config: ClusterConfig): string[] {
    if (prev.provider !== "hetzner" || config.provider !== "hetzner") return [];
    const problems: string[] = [];
    const servers = prev.servers.length;
    const agents = prev.agents.length;
    // image and location are ForceNew on hcloud_server, server_type is an in-place power-off + change-type
    // (hetznercloud/terraform-provider-hcloud internal/server/resource.go @03a56de: "image"/"location" ForceNew;
    // resourceServerUpdate on "server_type": Poweroff, then ChangeType).
    if (config.hetzner.image !== prev.serverImage && servers + agents > 0) {
        problems.push(refusal("serverImage", prev.serverImage, config.hetzner.image,
            `the image is fixed when a server is created (ForceNew), so this replaces all ${servers} servers and ${agents} agents at once`,
            [`pulumi config set ${qualified("serverImage")} ${prev.serverImage} (keep the running image)`,
                "rebuild one node per maintenance window with `hcloud server rebuild --image <new> <node>` after draining it (servers: wait for its etcd member to be healthy again)",
                `once every node runs the new image, set ${qualified("serverImage")} to it and run \`pulumi refresh\` then \`pulumi up\` (no replacement)`]));
    }
    if (config.hetzner.location !== prev.hcloudLocation && servers + agents > 0) {
        problems.push(refusal("hcloudLocation", prev.hcloudLocation, config.hetzner.location,
            "the location is fixed when a server is created (ForceNew); this replaces every server, the load balancer and the network zone at once",
            [`pulumi config set ${qualified("hcloudLocation")} ${prev.hcloudLocation}`,
                `create a new stack in ${config.hetzner.location}, move workloads (and an etcd snapshot if needed), then destroy this stack`]));
    }
    const typeChange = (key: "controlPlaneServerType" | "workerServerType", before: string, after: string, count: number, role: string) => {
        if (before === after || count < 2) return;
        problems.push(refusal(key, before, after,
            `a server type change powers each ${role} off for hcloud change-type, and Pulumi would do all ${count} at once${role === "server" ? ` (etcd needs ${quorum(count)} of ${count} up)` : ""}`,
            [`pulumi config set ${qualified(key)} ${before}`,
                `one ${role} at a time: drain it, \`hcloud server change-type <node> ${after}\` (it powers off), wait until it is Ready${role === "server" ? " and its etcd member healthy" : ""}`,
                `when all ${count} run ${after}: pulumi config set ${qualified(key)} ${after} && pulumi refresh && pulumi up (no change left)`]));
    };
    typeChange("controlPlaneServerType", prev.controlPlaneServerType, config.hetzner.controlPlaneServerType, servers, "server");
    typeChange("workerServerType", prev.workerServerType, config.hetzner.workerServerType, agents, "agent");
    return problems;
}

/**
 * New agents during a k3s version change. Hetzner agents install `k3sVersion` from their first-boot user data as
 * soon as their machine boots, without waiting for the servers-at-version gate (no Pulumi command runs on them on
 * create: components/k3s/first-boot.ts), so in the same `up` as an upgrade they could register a kubelet newer than
 * the API servers, which Kubernetes' version-skew policy forbids ("kubelet must not be newer than kube-apiserver").
 */
function newAgentsDuringUpgradeProblems(prev: LifecycleState, config: ClusterConfig): string[] {
    if (config.provider !== "hetzner" || !prev.k3sVersion || prev.k3sVersion === config.versions.k3s) return [];
    const known = new Set(prev.agents);
    const added = planNodes(config).filter(n => n.role === "agent" && !known.has(n.name)).map(n => n.name);
    if (!added.length) return [];
    return [refusal("workerCount", prev.workerCount, config.nodes.workerCount,
        `${added.length} new agent(s) (${added.join(", ")}) would install ${config.versions.k3s} at first boot while the servers still run ${prev.k3sVersion}; a kubelet must never be newer than the API servers`,
        [`pulumi config set ${qualified("workerCount")} ${prev.workerCount} && pulumi up (upgrades the servers, then the agents)`,
            `pulumi config set ${qualified("workerCount")} ${config.nodes.workerCount} && pulumi up (the new agents join at ${config.versions.k3s})`])];
}

/**
 * Every lifecycle refusal for moving from `prev` (undefined on a new stack: nothing to protect) to `config`.
 * Pure; the program throws them all at once before any machine is created.
 */
export function lifecycleProblems(prev: LifecycleState | undefined, config: ClusterConfig): string[] {
    if (!prev || prev.servers.length === 0) return [];
    const problems: string[] = [];
    if (prev.provider !== config.provider) {
        problems.push(refusal("provider", prev.provider, config.provider,
            "a provider change deletes every node of the running cluster and builds a new one",
            ["run `pulumi destroy` on this stack first (or use a new stack) if a new cluster is really wanted"]));
        return problems;
    }
    if (prev.clusterName !== config.clusterName) {
        problems.push(refusal("clusterName", prev.clusterName, config.clusterName,
            "every node, key, network and load balancer is named after the cluster, so a rename replaces all of them at once",
            [`pulumi config set ${qualified("clusterName")} ${prev.clusterName}`, "for a new name, create a new stack and move workloads"]));
        return problems;
    }
    problems.push(...controlPlaneProblems(prev, config), ...hetznerProblems(prev, config), ...newAgentsDuringUpgradeProblems(prev, config),
        // One minor per up for k3s and Cilium (components/k3s/upgrade.ts).
        ...upgradeProblems(prev, { k3sVersion: config.versions.k3s, ciliumVersion: config.versions.cilium }));
    return problems;
}

/**
 * Whether the first server must join an existing cluster instead of bootstrapping one (`cluster-init`). k3s only
 * reads `cluster-init`/`server` when the node has no etcd data yet: with a WAL directory it restarts as the
 * existing member whatever the flags say (k3s-io/k3s pkg/etcd/etcd.go `Start`: `if isInitialized { … e.cluster }`
 * before `if clientAccessInfo == nil { e.newCluster }`). So a live server-1 is unaffected, and a replaced server-1
 * (empty disk) joins the surviving members through the endpoint instead of starting a second cluster behind it.
 * True when the previous `up` deployed other servers that this config keeps.
 */
export function firstServerJoins(prev: LifecycleState | undefined, config: ClusterConfig): boolean {
    if (!prev || config.provider !== "hetzner") return false;
    const desired = new Set(planNodes(config).filter(n => n.role === "server").map(n => n.name));
    const first = planNodes(config)[0].name;
    return prev.servers.some(s => s !== first && desired.has(s));
}
