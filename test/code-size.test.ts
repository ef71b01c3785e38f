/**
 * Size limits of the project's own code (issue 13): no function body over ~80 lines, no file over ~400 lines, so
 * each decision has a place a reader can hold in view. Function bodies are measured with the TypeScript compiler's
 * syntax tree (every function-like node with a body: declarations, methods, constructors, accessors, arrows and
 * function expressions), not with a pattern over the text. Tests are held to a looser bound: a `describe` callback
 * is a list of cases, not a decision.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./harness";

interface Limits { functionLines: number; fileLines: number }
export const PROGRAM_LIMITS: Limits = { functionLines: 80, fileLines: 400 };
export const TEST_LIMITS: Limits = { functionLines: 160, fileLines: 500 };

/** One function whose body is longer than allowed: `file:line name (N lines)`. */
export interface Oversize { file: string; line: number; name: string; lines: number }

/** Every function-like node with a body longer than `max` lines (from the opening to the closing brace). */
export function longFunctions(file: string, text: string, max: number): Oversize[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
    const found: Oversize[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
            const body = node.body as ts.Node;
            const lines = line(body.getEnd()) - line(body.getStart(source)) + 1;
            if (lines > max) {
                const name = "name" in node && node.name ? (node.name as ts.Node).getText(source) : ts.SyntaxKind[node.kind];
                found.push({ file, line: line(node.getStart(source)), name, lines });
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
}

function tsFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : tsFiles(p);
        return e.name.endsWith(".ts") ? [p] : [];
    });
}

/** The program's own TypeScript (what `tsconfig.json` includes, tests apart), relative to the project root. */
export function programFiles(root: string): string[] {
    return ["index.ts", ...["components", "tools", "scripts", "bench"].flatMap(d => tsFiles(path.join(root, d)))
        .map(f => path.relative(root, f))];
}

/** Problems of one file against its limits (empty = fine). */
export function sizeProblems(file: string, text: string, limits: Limits): string[] {
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    return [
        ...(lines > limits.fileLines ? [`${file}: ${lines} lines (at most ${limits.fileLines})`] : []),
        ...longFunctions(file, text, limits.functionLines)
            .map(f => `${f.file}:${f.line} ${f.name}: body of ${f.lines} lines (at most ${limits.functionLines})`),
    ];
}

describe("code size (issue 13)", () => {
    it("measures function bodies by the syntax tree: methods, arrows and constructors, nested ones too", () => {
        const body = (n: number) => Array.from({ length: n }, (_, i) => `    const x${i} = ${i};`).join("\n");
        const text = [
            `export function short() {\n${body(3)}\n}`,
            `class C {\n  constructor() {\n${body(79)}\n  }\n  m() {\n${body(5)}\n  }\n}`,
            `const outer = () => {\n  const inner = function named() {\n${body(81)}\n  };\n};`,
        ].join("\n");
        const found = longFunctions("x.ts", text, 80).map(f => `${f.name}:${f.lines}`);
        // constructor: 79 + 2 braces = 81 lines; the inner function 83; the arrow around it 85; short() and m() fit.
        assert.deepStrictEqual(found, ["Constructor:81", "ArrowFunction:85", "named:83"]);
        assert.deepStrictEqual(sizeProblems("y.ts", "a\n".repeat(401), PROGRAM_LIMITS), ["y.ts: 401 lines (at most 400)"]);
        assert.deepStrictEqual(sizeProblems("y.ts", "a\n".repeat(400), PROGRAM_LIMITS), []);
    });

    it("the program's own code (index.ts, components/, tools/, scripts/, bench/): no function over 80 lines, no file over 400", () => {
        const files = programFiles(ROOT);
        assert.ok(files.includes(path.join("components", "nodes", "hetzner.ts")), "the walk reaches components/");
        const problems = files.flatMap(f => sizeProblems(f, fs.readFileSync(path.join(ROOT, f), "utf8"), PROGRAM_LIMITS));
        assert.deepStrictEqual(problems, []);
    });

    it(`tests: no function over ${TEST_LIMITS.functionLines} lines, no file over ${TEST_LIMITS.fileLines}`, () => {
        const files = tsFiles(path.join(ROOT, "test")).map(f => path.relative(ROOT, f));
        const problems = files.flatMap(f => sizeProblems(f, fs.readFileSync(path.join(ROOT, f), "utf8"), TEST_LIMITS));
        assert.deepStrictEqual(problems, []);
    });
});
