/**
 * Temporary directories of the test suite. Every one is made here and removed by the root hooks (test/hooks.ts):
 * one made inside a test right after that test, one made while loading a file or in a `before` hook (shared by
 * several tests) after the whole run.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

interface Entry { dir: string; perTest: boolean }
const made: Entry[] = [];
let inTest = false;

/** A new empty directory under os.tmpdir(), removed by the root hooks. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push({ dir, perTest: inTest });
    return dir;
}

const remove = (entries: Entry[]) => { for (const e of entries) fs.rmSync(e.dir, { recursive: true, force: true }); };

/** Root hooks call these. */
export const lifecycle = {
    testStarts(): void { inTest = true; },
    testEnds(): void {
        inTest = false;
        remove(made.filter(e => e.perTest));
        made.splice(0, made.length, ...made.filter(e => !e.perTest));
    },
    runEnds(): void { remove(made.splice(0)); },
};

/** Entries left under `root`, as names relative to it (what a run leaked). */
export function leftovers(root: string): string[] {
    return fs.existsSync(root) ? fs.readdirSync(root).sort() : [];
}
