/**
 * The node arguments `pulumi up` starts the program with, read from Pulumi.yaml (their one owner), so the bench's
 * fresh processes run under exactly the flags Pulumi's nodejs language host passes.
 *
 * Upstream contract (pulumi/pulumi@1b5949891b, sdk/nodejs/cmd/pulumi-language-nodejs/main.go): `parseOptions` reads
 * `runtime.options.nodeargs` and refuses anything but a string ("nodeargs option must be a string"); `execRuntime`
 * splits it with github.com/google/shlex (`shlex.Split(opts.nodeargs)`) and puts the words before the run script:
 * `node <nodeargs> <@pulumi/pulumi/cmd/run> --monitor …` (`constructArguments` starts with the run path). The option
 * exists since CLI v3.21.1 (pulumi/pulumi#8655; CHANGELOG.md, section 3.21.1).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const ROOT = path.resolve(__dirname, "..");

/**
 * Pure: the words of Pulumi.yaml's `runtime.options.nodeargs` (none when unset). Only plain words separated by
 * white space are accepted: quotes, backslashes and `#` mean something to shlex that this split does not repeat,
 * so they are refused rather than measured differently from what Pulumi runs.
 */
export function nodeArgsOf(pulumiYaml: string): string[] {
    const runtime = (YAML.parse(pulumiYaml) ?? {}).runtime;
    const nodeargs = typeof runtime === "object" && runtime !== null ? runtime.options?.nodeargs : undefined;
    if (nodeargs === undefined) return [];
    if (typeof nodeargs !== "string") throw new Error(`Pulumi.yaml runtime.options.nodeargs: ${JSON.stringify(nodeargs)} is not a string (Pulumi refuses it: "nodeargs option must be a string")`);
    if (/['"\\#]/.test(nodeargs)) throw new Error(`Pulumi.yaml runtime.options.nodeargs: ${JSON.stringify(nodeargs)}; the bench accepts plain words separated by spaces (no quotes, backslashes or #)`);
    return nodeargs.split(/\s+/).filter(w => w !== "");
}

/** The project's own node arguments (Pulumi.yaml in the project root). */
export function projectNodeArgs(root: string = ROOT): string[] {
    return nodeArgsOf(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
}
