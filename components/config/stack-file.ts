import * as path from "path";
import * as YAML from "yaml";

export type StackFileResult =
    | { ok: true; config: Record<string, unknown> }
    | { ok: false; errors: string[] };

/** `file:line:column: problem` for a YAML node or error position. */
function at(file: string, text: string, offset: number | undefined, problem: string): string {
    if (offset === undefined) return `${file}: ${problem}`;
    const before = text.slice(0, offset).split("\n");
    return `${file}:${before.length}:${before[before.length - 1].length + 1}: ${problem}`;
}

/** A config value as written: plain scalars keep their source text (1e20 stays "1e20"), the rest their value. */
function asWritten(node: unknown): unknown {
    if (YAML.isScalar(node)) {
        if (node.value === null) return null;
        return node.type === "PLAIN" && typeof node.source === "string" ? node.source : node.value;
    }
    return YAML.isNode(node) ? node.toJSON() : node;
}

/**
 * Reads a stack file (Pulumi.<stack>.yaml) the way the Pulumi CLI hands its `config:` to a program: scalars as
 * the text written in the file (pulumi/pulumi sdk/go/common/resource/config/value.go: Value.UnmarshalYAML
 * decodes a scalar into a Go string, which keeps its text), lists and mappings as structured values. Pure: the
 * caller reads the file. Every problem names the file, the line and what is wrong: YAML syntax errors,
 * duplicate keys (YAML forbids them; the CLI would keep one silently), a missing or non-mapping `config:`.
 */
export function parseStackFile(file: string, text: string): StackFileResult {
    const name = path.basename(file);
    const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) {
        return { ok: false, errors: doc.errors.map(e => at(name, text, e.pos?.[0], e.code === "DUPLICATE_KEY"
            ? `duplicate key ${/^("[^"]*"|\S+?)(?=:(\s|$))/.exec(text.slice(e.pos[0]))?.[0] ?? ""} (YAML forbids it; which value wins would be a guess); accepted: each key once`
            : `YAML syntax error: ${e.message.split(" at line")[0].split("\n")[0]}`)) };
    }
    if (!YAML.isMap(doc.contents)) {
        return { ok: false, errors: [at(name, text, undefined, "no `config:` section; accepted: a mapping with a `config:` key holding the stack's settings")] };
    }
    const configNode = doc.contents.get("config", true);
    if (configNode === undefined) {
        return { ok: false, errors: [at(name, text, undefined, "no `config:` section; accepted: a mapping with a `config:` key holding the stack's settings")] };
    }
    if (YAML.isScalar(configNode) && configNode.value === null) return { ok: true, config: {} };
    if (!YAML.isMap(configNode)) {
        return { ok: false, errors: [at(name, text, YAML.isNode(configNode) ? configNode.range?.[0] : undefined, "`config:` is not a mapping; accepted: `key: value` lines under `config:`")] };
    }
    const config: Record<string, unknown> = {};
    for (const pair of configNode.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        config[key] = asWritten(pair.value);
    }
    return { ok: true, config };
}
