import { Graph, RecordedResource } from "../tools/graph";
import { LATENCY, stepsOf } from "./latency";
import { Task } from "./calc";

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const INSIDE = (r: RecordedResource) =>
    r.type.startsWith("command:remote:") || r.type.startsWith("kubernetes:");

/**
 * Turns the recorded resource graph into tasks: edges are dependsOn + implicit input dependencies, and depending
 * on a component means depending on all of its descendants (how the engine treats a component in dependsOn).
 */
export function tasksFromGraph(g: Graph, opts: { enforcing?: boolean } = {}): Task[] {
    // Servers prefetch the Cilium node images once k3s runs (components/k3s/node-steps.ts): a shorter rollout.
    const prefetched = g.ofType("command:remote:Command").some(c => String(c.inputs.create ?? "").includes("prefetch-images.sh"));
    const expand = (urn: string): string[] => {
        const r = g.byUrn(urn);
        if (!r) return [];
        return r.custom || r.remote ? [urn] : [urn, ...g.descendants(urn).map(d => d.urn)];
    };
    const tasks = g.resources.map(r => {
        const steps = stepsOf(r, { ...opts, prefetched }).map(k => LATENCY[k]);
        // A resource also waits for its explicit provider (`urn::id`): the Kubernetes provider needs the kubeconfig.
        const provider = r.provider ? r.provider.split("::").slice(0, -1).join("::") : "";
        const deps = [...new Set([...g.edges(r), ...(provider ? [provider] : [])].flatMap(expand))].filter(u => u !== r.urn && g.byUrn(u));
        return {
            id: r.urn, name: r.name, up: sum(steps.map(s => s.up)), destroy: sum(steps.map(s => s.destroy)), deps,
            deletedWithTarget: r.deletedWith || undefined, inside: INSIDE(r),
        };
    });
    return withCniWait(g, withFirstBoots(g, tasks));
}

/**
 * The hcloud CSI chart is applied beside Cilium's (components/hetzner-cloud), but its pods cannot start before Cilium
 * is Ready on their node, which is when the Cilium chart's own await ends: the CSI chart's await, holding its slot,
 * ends no earlier than the Cilium chart + its pods' pulls and start (a physical constraint, not a graph edge). When
 * the CSI chart comes after the Cilium chart anyway (the design before), this changes nothing. As for every chart,
 * one slot: in the engine each awaited child (here its Deployment and DaemonSet) holds a slot of its own.
 */
function withCniWait(g: Graph, tasks: Task[]): Task[] {
    const cilium = g.ofType("kubernetes:helm.sh/v4:Chart").find(c => c.name === "cilium");
    const csi = g.ofType("kubernetes:helm.sh/v4:Chart").find(c => c.name === "hcloud-csi");
    if (!cilium || !csi) return tasks;
    return tasks.map(t => (t.id === csi.urn ? { ...t, until: { id: cilium.urn, after: LATENCY.hcloudCsiPods.up } } : t));
}

/**
 * A machine whose user data installs k3s (a `runcmd` in it: components/k3s/first-boot.ts) does that work after its
 * create, off the engine's slots: one off-slot task per such machine, and the command that waits for the agents to
 * join (`-agents-joined`) waits for all of them.
 */
function withFirstBoots(g: Graph, tasks: Task[]): Task[] {
    const booting = g.ofType("hcloud:index/server:Server").filter(m => /\nruncmd:/.test(String(m.inputs.userData ?? "")));
    if (!booting.length) return tasks;
    const boots: Task[] = booting.map(m => ({
        id: `${m.urn}#first-boot`, name: `${m.name} first-boot`, up: LATENCY.firstBootAgent.up, destroy: 0,
        deps: [m.urn], inside: true, offSlot: true,
    }));
    return [...tasks.map(t => (t.name.endsWith("-agents-joined") ? { ...t, deps: [...t.deps, ...boots.map(b => b.id)] } : t)), ...boots];
}
