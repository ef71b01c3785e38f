import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

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
}

const cache = new Map<string, Script>();

/** The project root: the first ancestor with a package.json (works from the sources and from bin/). */
export function projectRoot(from: string = __dirname): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "package.json"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
    }
}

/** Loads `components/<stage>/scripts/<name>` from the source tree; stageDir is the calling stage's __dirname. */
export function loadScript(stageDir: string, name: string): Script {
    const file = path.join(projectRoot(stageDir), "components", path.basename(stageDir), "scripts", name);
    let script = cache.get(file);
    if (!script) {
        const text = fs.readFileSync(file, "utf8");
        script = { name, path: file, text, sha256: crypto.createHash("sha256").update(text).digest("hex") };
        cache.set(file, script);
    }
    return script;
}

/**
 * The command line that runs a script file on the other end of SSH (or locally) without copying it first:
 * `bash -c '<script text>' <name> <args...>`. The script text stays visible in `pulumi preview` diffs; secrets
 * never go into arguments — they travel on stdin, which the command resources mark secret.
 */
export function scriptCommand(script: Script, args: readonly (string | number)[] = []): string {
    return ["bash", "-c", shellQuote(script.text), script.name, ...args.map(a => shellQuote(String(a)))].join(" ");
}

/**
 * The inverse of scriptCommand: recovers the script text, its name and the argument string from a command line,
 * or undefined for a command that is not a script (e.g. `true`). Used by `npm run render`.
 */
export function parseScriptCommand(line: string): { name: string; text: string; args: string } | undefined {
    const m = /^bash -c '([\s\S]*)' (\S+\.sh)((?: .*)?)$/.exec(line);
    return m ? { text: m[1].replace(/'\\''/g, "'"), name: m[2], args: m[3] } : undefined;
}

/** Stable hash of JSON-able data, for `triggers` that must change exactly when the data does. */
export function contentHash(data: unknown): string {
    return crypto.createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
}
