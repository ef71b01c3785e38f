import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "./script";

/** Set to 1 to keep full stack traces while the graph is built (for debugging the program itself). */
export const FULL_STACKS_ENV = "K3S_CILIUM_FULL_STACKS";

/** Frames an error keeps once the graph is built: the throw site. */
export const LATE_STACK_FRAMES = 1;

/**
 * Runs the graph construction without stack traces. @pulumi/pulumi records `new Error().stack` for every output
 * promise (to report promise leaks), and Pulumi's runner formats each through source-map-support: at 100 nodes
 * that was half of the evaluation time. Resource source positions are unaffected (Pulumi lifts the limit itself
 * for those). An error thrown during construction keeps its message and says how to get its frames.
 * Afterwards the SDK goes on registering asynchronously and records a trace for ~3 more promises per resource
 * (runtime/debuggable.ts `debuggablePromise`: registration, its result, the RPC), every frame its own: at 3+97
 * 10 frames each cost ~400 ms CPU of ~2 s in-process (bench). Each frame source-map-support formats is an object
 * with a closure per CallSite method (source-map-support 0.5.21 `cloneCallSite`): at 3 frames these traces were
 * still ~105 MiB of the ~580 MiB one 3+97 evaluation allocates, and garbage collection is a third of its time.
 * So the limit comes back as at most LATE_STACK_FRAMES, never raised: an error our code throws later (in an
 * apply) still names where it was thrown, not its callers.
 */
export function withShallowStackTraces<T>(build: () => T, env: NodeJS.ProcessEnv = process.env): T {
    if (env[FULL_STACKS_ENV] === "1") return build();
    const previous = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return build();
    } catch (e) {
        if (e instanceof Error && !/\n\s+at /.test(e.stack ?? "")) {
            e.stack = `${e.stack ?? `${e.name}: ${e.message}`}\n    (no stack trace: traces are off while the resource graph is built; rerun with ${FULL_STACKS_ENV}=1 to get them)`;
        }
        throw e;
    } finally {
        Error.stackTraceLimit = Math.min(previous, LATE_STACK_FRAMES);
    }
}

/** Newest modification time of the TypeScript sources, in ms. */
function newestSource(root: string): number {
    let newest = fs.statSync(path.join(root, "index.ts")).mtimeMs;
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
        }
    };
    walk(path.join(root, "components"));
    return newest;
}

/**
 * Pulumi runs bin/index.js; refuse to run JavaScript older than the TypeScript it was built from, so an edit
 * without `npm run build` can never deploy yesterday's program. A no-op when running the sources (tests, render).
 */
export function assertBuildFresh(entryFile: string): void {
    if (!entryFile.endsWith(".js")) return;
    const root = projectRoot(path.dirname(entryFile));
    if (!fs.existsSync(path.join(root, "index.ts"))) return;
    const built = fs.statSync(entryFile).mtimeMs;
    if (newestSource(root) > built) {
        throw new Error(`${path.relative(root, entryFile)} is older than the TypeScript sources: run \`npm run build\` (npm ci does it too), then pulumi up again`);
    }
}
