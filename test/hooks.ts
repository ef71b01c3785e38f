/**
 * Mocha root hooks (.mocharc.json `require`). The suite gets its own temporary root: TMPDIR points into it before
 * any test file loads, so os.tmpdir(), mktemp in scripts under test and child processes all write there — and
 * nothing another run on the same machine does can be mistaken for this run's. After the run, anything left in it
 * fails the run (with the names), then the root goes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { leftovers, lifecycle } from "./temp";

/**
 * Caches of tools, not of tests: ts-node's v8-compile-cache-lib keeps `v8-compile-cache-<uid>` in os.tmpdir() and
 * reuses it across runs (a fixed name, so it never piles up); it goes with the root.
 */
const TOOL_CACHES = [/^v8-compile-cache-\d+$/];

const root = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-cilium-test-"));
process.env.TMPDIR = root;

export const mochaHooks = {
    beforeEach(): void { lifecycle.testStarts(); },
    afterEach(): void { lifecycle.testEnds(); },
    afterAll(): void {
        lifecycle.runEnds();
        const left = leftovers(root).filter(name => !TOOL_CACHES.some(re => re.test(name)));
        fs.rmSync(root, { recursive: true, force: true });
        if (left.length) throw new Error(`the suite left ${left.length} entries in its temporary directory: ${left.join(", ")} (make them with tempDir() from test/temp.ts)`);
    },
};
