/** Stack files (Pulumi.<stack>.yaml) as the Pulumi CLI hands their config to a program. */
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../components/config/keys";
import { parseStackFile } from "../components/config/stack-file";
import { projectRoot } from "../components/shared/script";

/** The project root, also when this file runs compiled from .cache/bench-build. */
export const ROOT = projectRoot(__dirname);

/** Path of a stack's file. */
export function stackFilePath(stack: string, root: string = ROOT): string {
    return path.join(root, `Pulumi.${stack}.yaml`);
}

/**
 * Stacks that have a file in the project root (Pulumi.<stack>.yaml), sorted. Only names Pulumi accepts for a
 * stack: letters, digits, '-', '_' and '.', not starting with '.' (so a name never walks out of a directory).
 */
export function listStacks(root: string = ROOT): string[] {
    return fs.readdirSync(root).map(f => /^Pulumi\.([A-Za-z0-9_-][A-Za-z0-9_.-]*)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s).sort();
}

/**
 * The one place tools read a stack file's `config:` section (values as written), through the config module's
 * parser: a broken file fails with one line per problem naming the file, line and what is wrong.
 */
export function readStackFile(stack: string, root: string = ROOT): Record<string, unknown> {
    const file = stackFilePath(stack, root);
    const parsed = parseStackFile(file, fs.readFileSync(file, "utf8"));
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    return parsed.config;
}

/** The stack file's config as the Pulumi CLI hands it to a program: strings, structured values as JSON. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const out: Record<string, string> = {};
    const put = (key: string, value: unknown) => {
        if (value === null || value === undefined) { delete out[key]; return; }
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    };
    for (const [k, v] of Object.entries(readStackFile(stack))) put(k, v);
    for (const [k, v] of Object.entries(overrides)) put(k.includes(":") ? k : `${PROJECT}:${k}`, v);
    return out;
}
