/**
 * Pure schedule calculator over a dependency graph: makespan with unlimited or limited parallelism, the critical
 * path, and destroy order (reverse edges; a resource whose deletedWith target goes in the same run costs 0).
 */
export interface Task {
    id: string;
    name: string;
    up: number;
    destroy: number;
    /** ids this task waits for (already expanded: components replaced by their descendants). */
    deps: string[];
    /** Skipped on destroy because the machine it lives on is deleted in the same run. */
    deletedWithTarget?: string;
    /** In-cluster object or command on a machine (for the destroy assertion). */
    inside: boolean;
    /** Work the machine does by itself (first boot): it takes time but no Pulumi slot. */
    offSlot?: boolean;
    /**
     * Work that starts with its deps but cannot end before another task's end + `after` (an await whose pods need what
     * that task brings up): it holds its slot while it waits. Not a dependency: nothing orders the two in the engine.
     */
    until?: { id: string; after: number };
}

export interface Schedule {
    makespan: number;
    /** Names along the longest chain that actually take time, first to last. */
    criticalPath: string[];
}

function order(tasks: Task[]): Task[] {
    const byId = new Map(tasks.map(t => [t.id, t]));
    const seen = new Set<string>();
    const out: Task[] = [];
    const visiting = new Set<string>();
    const visit = (t: Task) => {
        if (seen.has(t.id)) return;
        if (visiting.has(t.id)) throw new Error(`dependency cycle at ${t.name}`);
        visiting.add(t.id);
        for (const d of [...t.deps, ...(t.until ? [t.until.id] : [])]) {
            const dep = byId.get(d);
            if (!dep) throw new Error(`${t.name} depends on unknown ${d}`);
            visit(dep);
        }
        visiting.delete(t.id);
        seen.add(t.id);
        out.push(t);
    };
    for (const t of tasks) visit(t);
    return out;
}

function longest(tasks: Task[], cost: (t: Task) => number, deps: (t: Task) => string[]): Schedule {
    const finish = new Map<string, number>();
    const via = new Map<string, string | undefined>();
    const byId = new Map(tasks.map(t => [t.id, t]));
    for (const t of tasks) {
        let start = 0;
        let from: string | undefined;
        for (const d of deps(t)) {
            const f = finish.get(d)!;
            if (from === undefined || f > start) { start = f; from = d; }
        }
        const bound = t.until && cost(t) > 0 ? finish.get(t.until.id)! + t.until.after : 0;
        finish.set(t.id, Math.max(start + cost(t), bound));
        via.set(t.id, bound > start + cost(t) ? t.until!.id : from);
    }
    let end: string | undefined;
    let makespan = 0;
    for (const [id, f] of finish) if (f > makespan) { makespan = f; end = id; }
    const path: string[] = [];
    for (let id = end; id; id = via.get(id)) {
        const t = byId.get(id)!;
        if (cost(t) > 0) path.unshift(t.name);
    }
    return { makespan: round(makespan), criticalPath: path };
}

export const round = (x: number) => Math.round(x * 100) / 100;

/** `pulumi up` with unlimited parallelism: the longest path. */
export function upSchedule(tasks: Task[]): Schedule {
    return longest(order(tasks), t => t.up, t => t.deps);
}

/**
 * `pulumi up --parallel p`: list scheduling in registration order, at most p operations at once (the engine's step
 * executor: a bounded worker pool fed in the order steps become ready, pulumi/pulumi pkg/resource/deploy/
 * step_executor.go). The critical path follows, from the last task back, whatever delayed each start: the
 * dependency that finished last, or — when the task was ready earlier but every slot was busy — the task whose end
 * freed the slot (the waiting task is marked "⏳slot").
 */
export function upScheduleLimited(tasks: Task[], p: number): Schedule {
    const ordered = order(tasks);
    const remaining = new Map(ordered.map(t => [t.id, t.deps.length]));
    const dependents = new Map<string, string[]>();
    for (const t of ordered) for (const d of t.deps) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
    const byId = new Map(ordered.map(t => [t.id, t]));
    const index = new Map(tasks.map((t, i) => [t.id, i]));
    const end = new Map<string, number>();
    const cause = new Map<string, { id: string; slot: boolean } | undefined>();
    let ready = ordered.filter(t => t.deps.length === 0).map(t => t.id);
    const running: { id: string; end: number }[] = [];
    let now = 0;
    let freedBy: string | undefined;
    const waiting = new Map<string, { min: number; until: { id: string; after: number } }>();
    while (end.size < ordered.length) {
        ready.sort((a, b) => index.get(a)! - index.get(b)!);
        const start = (id: string) => {
            const t = byId.get(id)!;
            let last: string | undefined;
            for (const d of t.deps) if (last === undefined || end.get(d)! > end.get(last)!) last = d;
            const readyAt = last === undefined ? 0 : end.get(last)!;
            cause.set(id, readyAt < now && freedBy && !t.offSlot ? { id: freedBy, slot: true } : last ? { id: last, slot: false } : undefined);
            running.push({ id, end: now + t.up });
            if (t.until) untilBound(id, t.until);
        };
        // A task that waits for another's end: bounded now if that end is known, else when it comes (Infinity till then).
        const untilBound = (id: string, until: { id: string; after: number }) => {
            const entry = running.find(r => r.id === id)!;
            const other = end.get(until.id) ?? running.find(r => r.id === until.id && r.end !== Infinity)?.end;
            if (other === undefined) { waiting.set(id, { min: entry.end, until }); entry.end = Infinity; return; }
            if (other + until.after > entry.end) { entry.end = other + until.after; cause.set(id, { id: until.id, slot: false }); }
        };
        // Work off the engine (a machine's first boot) starts as soon as it is ready; the rest waits for a slot.
        for (const id of ready.filter(x => byId.get(x)!.offSlot)) start(id);
        ready = ready.filter(x => !byId.get(x)!.offSlot);
        while (running.filter(r => !byId.get(r.id)!.offSlot).length < p && ready.length) start(ready.shift()!);
        running.sort((a, b) => a.end - b.end || index.get(a.id)! - index.get(b.id)!);
        if (running[0].end === Infinity) throw new Error(`every slot waits: ${running.map(r => byId.get(r.id)!.name).join(", ")}`);
        now = running[0].end;
        const finished: string[] = [];
        while (running.length && running[0].end === now) finished.push(running.shift()!.id);
        freedBy = finished[0];
        for (const f of finished) {
            end.set(f, now);
            for (const [id, w] of [...waiting].filter(([, w]) => w.until.id === f)) {
                const entry = running.find(r => r.id === id)!;
                entry.end = Math.max(w.min, now + w.until.after);
                if (entry.end > w.min) cause.set(id, { id: f, slot: false });
                waiting.delete(id);
            }
            for (const d of dependents.get(f) ?? []) {
                const left = remaining.get(d)! - 1;
                remaining.set(d, left);
                if (left === 0) ready.push(d);
            }
        }
    }
    let last: string | undefined;
    for (const [id, f] of end) if (last === undefined || f > end.get(last)!) last = id;
    const path: string[] = [];
    for (let id = last; id; ) {
        const t = byId.get(id)!;
        const c = cause.get(id);
        if (t.up > 0) path.unshift(c?.slot ? `${t.name} ⏳slot` : t.name);
        id = c?.id;
    }
    return { makespan: round(now), criticalPath: path };
}

/**
 * A lower bound on `pulumi up --parallel p` that no ordering of this graph can beat: the engine-slot seconds
 * (every task but the machines' own first boots) spread perfectly over p slots, or the unbounded critical path,
 * whichever is longer. The goals are judged against it too: a goal below it needs a different graph or faster
 * steps, not a better schedule.
 */
export function lowerBoundLimited(tasks: Task[], p: number): number {
    const slotSeconds = tasks.filter(t => !t.offSlot).reduce((sum, t) => sum + t.up, 0);
    return round(Math.max(slotSeconds / p, upSchedule(tasks).makespan));
}

/** `pulumi up --parallel p`: the makespan only. */
export function upMakespanLimited(tasks: Task[], p: number): number {
    return upScheduleLimited(tasks, p).makespan;
}

/**
 * `pulumi destroy`: a resource is deleted after everything that depends on it. Deleting a resource whose
 * deletedWith target is deleted in the same run is free (it is dropped from state without an operation).
 */
export function destroySchedule(tasks: Task[]): Schedule {
    const ids = new Set(tasks.map(t => t.id));
    const dependents = new Map<string, string[]>();
    for (const t of tasks) for (const d of t.deps) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
    const reversed: Task[] = tasks.map(t => ({ ...t, until: undefined, deps: dependents.get(t.id) ?? [] }));
    const cost = (t: Task) => (t.deletedWithTarget && ids.has(t.deletedWithTarget) ? 0 : t.destroy);
    return longest(order(reversed), cost, t => t.deps);
}
