import * as schemaData from "./data/cilium-values-schema.json";

/** JSON Schema node, as far as values.schema.json of the Cilium chart uses it. */
export interface SchemaNode {
    type?: string | string[];
    properties?: Record<string, SchemaNode>;
    anyOf?: SchemaNode[];
    oneOf?: SchemaNode[];
}

/**
 * Every key path of a chart's values.schema.json with the JSON types it allows ("hubble.relay.enabled" →
 * ["boolean"]). A path typed "object" without properties is a free-form map (annotations, nodeSelector, …).
 */
export function schemaPaths(schema: SchemaNode): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const walk = (node: SchemaNode, prefix: string) => {
        const types = new Set<string>([node.type ?? []].flat());
        for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) for (const t of [alt.type ?? []].flat()) types.add(t);
        if (prefix) out[prefix] = [...types].sort();
        for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, prefix ? `${prefix}.${k}` : k);
    };
    walk(schema, "");
    return out;
}

/**
 * The pinned chart's key tree (components/config/data/cilium-values-schema.json: `paths` is schemaPaths() of
 * values.schema.json in cilium-1.18.4.tgz, https://helm.cilium.io, sha256 c361ca56…; test/config-cilium-values
 * checks it against the package). The schema lists every key of the chart's values.yaml.
 */
export const CILIUM_VALUE_PATHS: Readonly<Record<string, readonly string[]>> = schemaData.paths;
export const CILIUM_VALUES_VERSION: string = schemaData.version;

/** Keys the chart's templates read that are not in values.schema.json (shared/upstream/README.md). */
const TEMPLATE_ONLY_PATHS = new Set(["policyAuditMode", "loadBalancer.mode"]);

function jsonType(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function typeFits(value: unknown, allowed: readonly string[]): boolean {
    const t = jsonType(value);
    return allowed.length === 0 || allowed.includes(t) || (t === "integer" && allowed.includes("number"))
        || (t === "null" && allowed.includes("null"));
}

/** Closest known sibling key, for "did you mean". */
function nearest(parent: string, key: string, paths: Readonly<Record<string, readonly string[]>>): string | undefined {
    const depth = parent ? parent.split(".").length + 1 : 1;
    const siblings = Object.keys(paths).filter(p => p.split(".").length === depth && (parent === "" || p.startsWith(`${parent}.`)));
    const score = (p: string) => { const k = p.split(".").pop()!; let d = Math.abs(k.length - key.length); for (let i = 0; i < Math.min(k.length, key.length); i++) if (k[i] !== key[i]) d++; return d; };
    const best = siblings.sort((a, b) => score(a) - score(b))[0];
    return best && score(best) <= 3 ? best : undefined;
}

/** Unknown keys and values of the wrong type in a ciliumValues override, as sentences naming the key path. */
export function ciliumValuesProblems(override: Record<string, unknown>, paths = CILIUM_VALUE_PATHS): string[] {
    const problems: string[] = [];
    const walk = (obj: Record<string, unknown>, parent: string) => {
        for (const [key, value] of Object.entries(obj)) {
            const p = parent ? `${parent}.${key}` : key;
            const allowed = paths[p];
            if (!allowed) {
                if (TEMPLATE_ONLY_PATHS.has(p)) continue;
                const hint = nearest(parent, key, paths);
                problems.push(`key ${p} is not in the Cilium chart's values${hint ? ` (did you mean ${hint}?)` : ""}`);
                continue;
            }
            if (!typeFits(value, allowed)) {
                problems.push(`key ${p} is ${jsonType(value)} ${JSON.stringify(value)}, the chart's schema wants ${allowed.join(" or ")}`);
                continue;
            }
            const hasChildren = Object.keys(paths).some(k => k.startsWith(`${p}.`));
            if (hasChildren && value && typeof value === "object" && !Array.isArray(value)) walk(value as Record<string, unknown>, p);
        }
    };
    walk(override, "");
    return problems;
}
