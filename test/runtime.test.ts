import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { assertBuildFresh, LATE_STACK_FRAMES, withShallowStackTraces } from "../components/shared/runtime";
import { ROOT } from "./harness";
import { tempDir } from "./temp";

describe("runtime: compiled program", () => {
    function project(): string {
        const dir = tempDir("fresh-");
        fs.writeFileSync(path.join(dir, "package.json"), "{}");
        fs.writeFileSync(path.join(dir, "index.ts"), "");
        fs.mkdirSync(path.join(dir, "components", "k3s"), { recursive: true });
        fs.writeFileSync(path.join(dir, "components", "k3s", "index.ts"), "");
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "index.js"), "");
        return dir;
    }
    const touch = (f: string, secondsAgo: number) => { const t = new Date(Date.now() - secondsAgo * 1000); fs.utimesSync(f, t, t); };

    it("refuses bin/index.js older than the sources, with the command to run", () => {
        const dir = project();
        touch(path.join(dir, "bin", "index.js"), 60);
        touch(path.join(dir, "index.ts"), 120);
        touch(path.join(dir, "components", "k3s", "index.ts"), 10);
        assert.throws(() => assertBuildFresh(path.join(dir, "bin", "index.js")), /bin\/index\.js is older than the TypeScript sources: run `npm run build`/);
        touch(path.join(dir, "components", "k3s", "index.ts"), 120);
        assert.doesNotThrow(() => assertBuildFresh(path.join(dir, "bin", "index.js")));
        assert.doesNotThrow(() => assertBuildFresh(path.join(dir, "index.ts")), "running the sources needs no build");
    });

    it("no stack traces while the graph is built, then the top frames only (never raised), also when it throws", () => {
        const before = Error.stackTraceLimit;
        try {
            Error.stackTraceLimit = 10;
            assert.strictEqual(withShallowStackTraces(() => Error.stackTraceLimit, {}), 0);
            assert.strictEqual(Error.stackTraceLimit, LATE_STACK_FRAMES);
            Error.stackTraceLimit = 10;
            assert.throws(() => withShallowStackTraces(() => { throw new Error("boom"); }, {}), /boom/);
            assert.strictEqual(Error.stackTraceLimit, LATE_STACK_FRAMES);
            Error.stackTraceLimit = 1;
            withShallowStackTraces(() => 0, {});
            assert.strictEqual(Error.stackTraceLimit, 1);
        } finally {
            Error.stackTraceLimit = before;
        }
    });

    it("an error thrown after the graph is built still names its throw site, and only that (each frame costs memory)", () => {
        const before = Error.stackTraceLimit;
        try {
            Error.stackTraceLimit = 10;
            withShallowStackTraces(() => 0, {});
            const thrownLater = () => new Error("late");
            const frames = thrownLater().stack!.split("\n").slice(1);
            assert.strictEqual(frames.length, 1, frames.join("\n"));
            assert.match(frames[0], /^ {4}at thrownLater \(.*runtime\.test\.ts:\d+:\d+\)$/);
        } finally {
            Error.stackTraceLimit = before;
        }
    });

    it("an error thrown while building says how to get its stack trace, and K3S_CILIUM_FULL_STACKS=1 keeps them", () => {
        const thrown = (env: NodeJS.ProcessEnv) => {
            try { withShallowStackTraces(() => { throw new TypeError("bad node"); }, env); } catch (e) { return e as Error; }
            throw new Error("did not throw");
        };
        const shallow = thrown({});
        assert.ok(shallow instanceof TypeError);
        assert.strictEqual(shallow.message, "bad node", "the message is untouched");
        assert.match(shallow.stack!, /^TypeError: bad node\n {4}\(no stack trace: .*rerun with K3S_CILIUM_FULL_STACKS=1 to get them\)$/);
        const full = thrown({ K3S_CILIUM_FULL_STACKS: "1" });
        assert.match(full.stack!, /^TypeError: bad node\n {4}at /);
        assert.ok(!full.stack!.includes("no stack trace"));
        assert.strictEqual(withShallowStackTraces(() => Error.stackTraceLimit, { K3S_CILIUM_FULL_STACKS: "1" }), Error.stackTraceLimit);
    });

    it("Pulumi runs the compiled entry point that npm ci builds", () => {
        const pulumiYaml = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.strictEqual(pulumiYaml.main, "bin/index.js");
        assert.strictEqual(pulumiYaml.runtime.options.typescript, false);
        assert.strictEqual(pkg.main, "bin/index.js");
        assert.strictEqual(pkg.scripts.prepare, "npm run build");
        const build = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.build.json"), "utf8"));
        assert.strictEqual(build.compilerOptions.outDir, "bin");
    });
});

describe("repository: what is tracked", () => {
    it("no tracked file matches .gitignore (a file both tracked and ignored is one nobody knows the status of)", () => {
        const both = execFileSync("git", ["ls-files", "--cached", "--ignored", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).trim();
        assert.strictEqual(both, "", `tracked and ignored:\n${both}`);
        const tracked = execFileSync("git", ["ls-files", "components/outputs.ts", "node_modules"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
        assert.deepStrictEqual(tracked, ["components/outputs.ts"], "components/outputs.ts is source; node_modules never is");
    });
});
