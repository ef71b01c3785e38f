/**
 * commands.txt of a render: every command the program runs, one line each, in the order `pulumi up` runs them.
 */
import { parseScriptCommands } from "../components/shared/script";
import { Graph, RecordedResource } from "./graph";

const COMMAND_TYPES = ["command:remote:Command", "command:local:Command"];

/**
 * Topological order of `items` under `waitsFor` (Kahn's algorithm): an item comes after everything it waits for;
 * among items that are ready at the same time, the smaller `key` first, so the order never depends on
 * registration timing. Throws on a cycle.
 */
export function topologicalOrder<T>(items: readonly T[], waitsFor: (later: T, earlier: T) => boolean, key: (t: T) => string): T[] {
    const before = new Map(items.map(t => [t, items.filter(o => o !== t && waitsFor(t, o))]));
    const done = new Set<T>();
    const out: T[] = [];
    while (out.length < items.length) {
        const ready = items.filter(t => !done.has(t) && before.get(t)!.every(o => done.has(o)));
        if (!ready.length) throw new Error(`dependency cycle among ${items.filter(t => !done.has(t)).map(key).join(", ")}`);
        const next = ready.reduce((a, b) => (key(b) < key(a) ? b : a));
        done.add(next);
        out.push(next);
    }
    return out;
}

/** One command line as a reader wants it: the scripts with their (quoted) arguments, or the line itself. */
function describe(line: string, scripts: Map<string, string>): string {
    const parsed = parseScriptCommands(line);
    if (!parsed) return line;
    for (const s of parsed) scripts.set(s.name, s.text);
    return parsed.map(s => `${s.name}${s.args}`).join(" && ");
}

/** A phase that does nothing (`true`) is not a command. */
const runs = (line: unknown): line is string => typeof line === "string" && line.trim() !== "" && line.trim() !== "true";

/**
 * The text of commands.txt and the scripts the commands carry (name → text). Creates in graph order (ties by
 * name); an update is listed only where it differs from the create (otherwise a change reruns the same line);
 * deletes in the reverse order, as `pulumi destroy` runs dependents first.
 */
export function commandsFile(g: Graph): { text: string; scripts: Map<string, string> } {
    const commands = g.resources.filter(r => COMMAND_TYPES.includes(r.type));
    const ordered = topologicalOrder(commands, (a, b) => g.dependsOn(a, b), r => r.name);
    const scripts = new Map<string, string>();
    const up: string[] = [];
    for (const r of ordered) {
        const create = runs(r.inputs.create) ? describe(r.inputs.create, scripts) : undefined;
        if (create) up.push(`${r.name}: ${create}`);
        const update = runs(r.inputs.update) ? describe(r.inputs.update, scripts) : undefined;
        if (update && update !== create) up.push(`${r.name} (on change): ${update}`);
    }
    const down = [...ordered].reverse().filter((r: RecordedResource) => runs(r.inputs.delete))
        .map(r => `${r.name}: ${describe(r.inputs.delete, scripts)}`);
    const text = [
        "# pulumi up runs these in this order (each after the commands it depends on; ties by name).",
        "# On a change, a command reruns its line; placeholders: see PLACEHOLDERS.txt.",
        ...up,
        "# On removal and pulumi destroy, dependents first:",
        ...down,
    ].join("\n");
    return { text: `${text}\n`, scripts };
}
