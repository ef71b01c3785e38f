import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse as parseShell } from "shell-quote";

/** Quotes one word for a POSIX shell: 'it'\''s'. */
export function shellQuote(word: string): string {
    if (/^[A-Za-z0-9_./:=+@%,-]+$/.test(word)) return word;
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A script shipped with the program: `components/<stage>/scripts/<name>`. */
export interface Script {
    name: string;
    path: string;
    text: string;
    sha256: string;
    /** `text` quoted once for `bash -c`: a hundred nodes share one script, so it is not re-quoted per command. */
    quoted: string;
}

const cache = new Map<string, Script>();

/** The project root: the first ancestor with a package.json (works from the sources and from bin/). */
export function projectRoot(from: string = __dirname): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "package.json"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
    }
}

/**
 * The line a script file carries where the shared prelude (`info`, `fatal`, `as_root`: one source file,
 * components/shared/scripts/prelude.sh) goes. The script as sent has the prelude's text in its place, so it stays
 * self-contained over `bash -c` (no file exists on the node) and the whole text shows in preview diffs.
 */
export const PRELUDE_MARKER = "# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)";

/**
 * A marker line of any shared fragment: `# @prelude: <what it defines> from components/shared/scripts/<file>
 * (inserted by ...)`. Every script has prelude.sh, or operator-prelude.sh when it runs on the operator's machine
 * (Colima: no node, no escalation); it opts into the other fragments it uses (wait.sh's bounded `wait_until`,
 * k3s-node.sh's Node removal helpers) with their own marker lines, so a script's text as sent changes only when
 * something it runs changes.
 */
export const FRAGMENT_MARKER = /^# @prelude: [a-z_, ]+ from components\/shared\/scripts\/([a-z0-9-]+\.sh) \(inserted by components\/shared\/script\.ts\)$/;

const fragments = new Map<string, string>();

function fragment(file: string): string {
    let text = fragments.get(file);
    if (text === undefined) {
        text = fs.readFileSync(path.join(projectRoot(), "components", "shared", "scripts", file), "utf8").replace(/\n$/, "");
        fragments.set(file, text);
    }
    return text;
}

/** The text a script file becomes when sent: each fragment marker line (prelude.sh and any other) replaced by that fragment's text. */
export function withPrelude(text: string): string {
    return text.split("\n").map(line => {
        const file = FRAGMENT_MARKER.exec(line)?.[1];
        return file === undefined ? line : fragment(file);
    }).join("\n");
}

/** A Script from its file's text, prelude inserted (loadScript reads it from disk; tests build their own). */
export function scriptFromText(name: string, file: string, source: string): Script {
    const text = withPrelude(source);
    return { name, path: file, text, sha256: crypto.createHash("sha256").update(text).digest("hex"), quoted: shellQuote(text) };
}

/** Loads `components/<stage>/scripts/<name>` from the source tree; stageDir is the calling stage's __dirname. */
export function loadScript(stageDir: string, name: string): Script {
    const key = path.join(stageDir, name);
    let script = cache.get(key);
    if (!script) {
        const file = path.join(projectRoot(stageDir), "components", path.basename(stageDir), "scripts", name);
        script = scriptFromText(name, file, fs.readFileSync(file, "utf8"));
        cache.set(key, script);
    }
    return script;
}

/**
 * The command line that runs a script file on the other end of SSH (or locally) without copying it first:
 * `bash -c '<script text>' <name> <args...>`. The script text stays visible in `pulumi preview` diffs; secrets
 * never go into arguments — they travel on stdin, which the command resources mark secret.
 */
export function scriptCommand(script: Script, args: readonly (string | number)[] = []): string {
    return ["bash", "-c", script.quoted, script.name, ...args.map(a => shellQuote(String(a)))].join(" ");
}

/**
 * Several script commands in one SSH session, each only if the one before succeeded. stdin goes to the first
 * (configure.sh reads it whole; later scripts see end-of-file).
 */
export function scriptSequence(...commands: string[]): string {
    return commands.join(" && ");
}

/**
 * The inverse of scriptCommand / scriptSequence: recovers each script's text, name and (re-quoted) arguments from a
 * command line, or undefined for a line that is not made of scripts (e.g. `true`). Used by `npm run render`.
 */
export function parseScriptCommands(line: string): { name: string; text: string; args: string }[] | undefined {
    // shell-quote's tokens: words as strings, `&&` as { op: "&&" }; anything else (a pipe, a glob) is not ours.
    const commands: string[][] = [[]];
    for (const token of parseShell(line)) {
        if (typeof token === "string") commands[commands.length - 1].push(token);
        else if ("op" in token && token.op === "&&") commands.push([]);
        else return undefined;
    }
    if (!commands.every(c => c.length >= 4 && c[0] === "bash" && c[1] === "-c" && c[3].endsWith(".sh"))) return undefined;
    return commands.map(([, , text, name, ...args]) => ({ name, text, args: args.map(a => ` ${shellQuote(a)}`).join("") }));
}

/** Stable hash of JSON-able data, for `triggers` that must change exactly when the data does. */
export function contentHash(data: unknown): string {
    return crypto.createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
}
