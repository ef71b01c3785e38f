/** README "Architecture" names real files: every backticked path in the section exists in the project. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

/**
 * Backticked paths in the README section `## <title>`. In a table row, a name that is not a path from the project
 * root (`plan.ts`, `verify/`) is inside the row's room (its first cell, e.g. `components/nodes/`).
 */
export function sectionPaths(readme: string, title: string, root: string): string[] {
    const start = readme.indexOf(`## ${title}\n`);
    if (start < 0) throw new Error(`README has no "## ${title}" section`);
    const end = readme.indexOf("\n## ", start + 1);
    return readme.slice(start, end < 0 ? undefined : end).split("\n").flatMap(line => {
        const names = [...line.matchAll(/`([A-Za-z0-9_.*/-]+)`/g)].map(m => m[1]).filter(n => /\/|\.(ts|sh|yaml)$/.test(n));
        const room = line.startsWith("| `") && names[0]?.endsWith("/") ? names[0] : "";
        return names.map(n => (room && n !== room && !fs.existsSync(path.join(root, n)) ? room + n : n));
    });
}

describe("README Architecture", () => {
    it("names only files and folders that exist", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const paths = sectionPaths(readme, "Architecture", ROOT);
        assert.ok(paths.includes("components/cilium/datapath.ts"), "the datapath module is on the map");
        const missing = paths.filter(p => !p.includes("*") && !fs.existsSync(path.join(ROOT, p)));
        assert.deepStrictEqual(missing, []);
    });
});
