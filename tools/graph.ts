/**
 * The resource graph a program run registers, as recorded by tools/evaluate.ts: every registration with its type,
 * name, inputs and the options the mocks API never shows (parent, dependsOn, deletedWith, customTimeouts,
 * ignoreChanges, replaceOnChanges, provider, additionalSecretOutputs).
 */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    remote: boolean;
    inputs: Record<string, any>;
    /** Top-level input names whose value is a secret. */
    secretInputs: string[];
    parent: string;
    dependsOn: string[];
    /** Implicit dependencies through inputs (property → URNs). */
    propertyDependencies: Record<string, string[]>;
    deletedWith: string;
    customTimeouts: { create?: string; update?: string; delete?: string };
    ignoreChanges: string[];
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    /** Pulumi `protect`: the engine refuses to delete (or replace) it. */
    protect: boolean;
    additionalSecretOutputs: string[];
    provider: string;
}

export class Graph {
    constructor(readonly resources: RecordedResource[], readonly outputs: Record<string, unknown>) {}

    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find(r => r.urn === urn);
    }
    /** Exactly one resource with this name (and type, when given). */
    get(name: string, type?: string): RecordedResource {
        const found = this.resources.filter(r => r.name === name && (!type || r.type === type));
        if (found.length !== 1) {
            throw new Error(`expected one resource named ${name}${type ? ` of ${type}` : ""}, found ${found.length}: ${this.resources.map(r => `${r.type}::${r.name}`).join(", ")}`);
        }
        return found[0];
    }
    ofType(type: string): RecordedResource[] {
        return this.resources.filter(r => r.type === type);
    }
    /** Direct edges: explicit dependsOn plus implicit input dependencies. */
    edges(r: RecordedResource): string[] {
        return [...new Set([...r.dependsOn, ...Object.values(r.propertyDependencies).flat()])].filter(u => u !== r.urn);
    }
    /** True when `later` (transitively, through dependsOn, input dependencies and parents' dependsOn) waits for `earlier`. */
    dependsOn(later: RecordedResource, earlier: RecordedResource): boolean {
        const seen = new Set<string>();
        const stack = [later.urn];
        while (stack.length) {
            const urn = stack.pop()!;
            if (seen.has(urn)) continue;
            seen.add(urn);
            const r = this.byUrn(urn);
            if (!r) continue;
            for (const e of this.edges(r)) {
                if (e === earlier.urn) return true;
                // Depending on a component means depending on all of its children.
                for (const child of this.descendants(e)) {
                    if (child.urn === earlier.urn) return true;
                    stack.push(child.urn);
                }
                stack.push(e);
            }
        }
        return false;
    }
    descendants(urn: string): RecordedResource[] {
        const out: RecordedResource[] = [];
        const walk = (u: string) => {
            for (const r of this.resources.filter(x => x.parent === u)) { out.push(r); walk(r.urn); }
        };
        walk(urn);
        return out;
    }
}
