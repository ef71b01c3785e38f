import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { nodeVersionProblem, requiredNode } from "../components/shared/node-version";
import { PULUMI_INSTALL_HINT, upArgs, upChecks, UpHost, withParallel } from "../scripts/up";
import { ROOT } from "./harness";
import { tempDir } from "./temp";

describe("prerequisites: the Node.js the program runs on", () => {
    const cases: { why: string; version: string; problem: RegExp | undefined }[] = [
        { why: "Node 20 (a distribution's node on PATH)", version: "v20.20.2", problem: /^Node\.js v20\.20\.2 \(\/usr\/bin\/node\) is too old: this program needs Node\.js >=22 .*first `node` on PATH.*Fix: install Node\.js 22.*npm run up -- --stack <stack>.*node_modules\/\.bin:\$PATH/ },
        { why: "Node 18", version: "v18.19.1", problem: /^Node\.js v18\.19\.1 .* too old/ },
        { why: "Node 21.9 (just below)", version: "v21.9.0", problem: /too old/ },
        { why: "Node 22.0.0 (the minimum)", version: "v22.0.0", problem: undefined },
        { why: "Node 24", version: "v24.1.0", problem: undefined },
    ];
    for (const c of cases) {
        it(`${c.why}: ${c.problem ? "refused, saying which it found, which it needs and how to fix" : "accepted"}`, () => {
            const p = nodeVersionProblem({ version: c.version, execPath: "/usr/bin/node" }, requiredNode());
            if (c.problem) assert.match(p ?? "", c.problem); else assert.strictEqual(p, undefined);
        });
    }

    it("the required range is package.json's engines.node, which @pulumi/pulumi's own engines satisfy", () => {
        assert.strictEqual(requiredNode(), JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node);
        const sdk = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8"));
        assert.strictEqual(requiredNode(), sdk.engines.node, "the program asks for what the Pulumi SDK declares");
    });

    it("index.ts checks before anything else is imported", () => {
        const imports = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8").split("\n").filter(l => /^import /.test(l));
        assert.strictEqual(imports[0], 'import "./components/shared/node-guard";');
    });
});

describe("prerequisites: npm run up", () => {
    const host = (over: Partial<UpHost> & { files?: string[] } = {}): UpHost => ({
        env: { PATH: "/opt/bin:/usr/bin", PULUMI_CONFIG_PASSPHRASE_FILE: "/home/me/.pp" },
        interactive: true,
        exists: f => (over.files ?? ["/opt/bin/pulumi", "/usr/bin/node"]).includes(f),
        nodeVersion: () => "v22.23.3",
        hostTools: () => [],
        ...over,
    });
    const cases: { why: string; host: UpHost; problems: RegExp[]; notes?: RegExp[] }[] = [
        { why: "everything there", host: host(), problems: [] },
        { why: "no Pulumi CLI", host: host({ files: ["/usr/bin/node"] }), problems: [/^the Pulumi CLI is not on PATH: install it: `curl -fsSL https:\/\/get\.pulumi\.com \| sh`.*`brew install pulumi\/tap\/pulumi`/] },
        { why: "no node", host: host({ files: ["/opt/bin/pulumi"] }), problems: [/^no working node on PATH: run `npm ci`/] },
        { why: "an old node first on PATH", host: host({ nodeVersion: () => "v20.20.2" }), problems: [/^Node\.js v20\.20\.2 \(\/usr\/bin\/node\) is too old/] },
        { why: "colima missing (local)", host: host({ hostTools: () => ["colima is not installed (not found on PATH); …"] }), problems: [/^colima is not installed/] },
        { why: "no passphrase, at a terminal: told before the prompt", host: host({ env: { PATH: "/opt/bin:/usr/bin" } }), problems: [],
            notes: [/^Pulumi will ask for the passphrase that encrypts this stack's secrets \(local file backend\).*PULUMI_CONFIG_PASSPHRASE_FILE/] },
        { why: "no passphrase, no terminal", host: host({ env: { PATH: "/opt/bin:/usr/bin" }, interactive: false }), problems: [/^no passphrase for the stack's secrets and no terminal to ask for it: export PULUMI_CONFIG_PASSPHRASE_FILE/] },
        { why: "an empty PULUMI_CONFIG_PASSPHRASE counts (Pulumi uses LookupEnv)", host: host({ env: { PATH: "/opt/bin:/usr/bin", PULUMI_CONFIG_PASSPHRASE: "" }, interactive: false }), problems: [] },
        { why: "a cloud backend needs no passphrase", host: host({ env: { PATH: "/opt/bin:/usr/bin", PULUMI_BACKEND_URL: "https://api.pulumi.com" }, interactive: false }), problems: [] },
        { why: "everything missing: all reported at once", host: host({ files: [], env: { PATH: "/x" }, interactive: false, hostTools: () => ["colima is not installed"] }),
            problems: [/Pulumi CLI is not on PATH/, /no working node/, /colima is not installed/, /no passphrase/] },
    ];
    for (const c of cases) {
        it(c.why, () => {
            const r = upChecks(c.host, ">=22");
            assert.strictEqual(r.problems.length, c.problems.length, r.problems.join("\n"));
            c.problems.forEach((re, i) => assert.match(r.problems[i], re));
            assert.strictEqual(r.notes.length, c.notes?.length ?? 0, r.notes.join("\n"));
            (c.notes ?? []).forEach((re, i) => assert.match(r.notes[i], re));
        });
    }

    it("arguments: --stack of a stack file, pulumi flags after --", () => {
        assert.deepStrictEqual(upArgs(["--stack", "local", "--", "--yes", "--skip-preview"], ["local", "prod"]), { stack: "local", pulumiArgs: ["--yes", "--skip-preview"] });
        assert.throws(() => upArgs([], ["local", "prod"]), /^UsageError: --stack is required; usage: npm run up -- --stack <stack>/);
        assert.throws(() => upArgs(["--stack", "dev"], ["local", "prod"]), /--stack "dev": no Pulumi\.dev\.yaml in the project; accepted: local, prod/);
        assert.throws(() => upArgs(["--yes"], ["local"]), /unknown option --yes/);
    });

    it("passes --parallel for the stack's machines unless the caller chose one (flag in any form, or PULUMI_PARALLEL)", () => {
        const big = withParallel(["--yes"], {}, 100, 2);
        assert.deepStrictEqual(big.args, ["--yes", "--parallel", "108"]);
        assert.match(big.note ?? "", /^--parallel 108 \(100 machines \+ 8, at least Pulumi's default 4 × 2 cores\): .*pass --parallel yourself \(after --\) or set PULUMI_PARALLEL/);
        assert.deepStrictEqual(withParallel([], {}, 1, 4).args, ["--parallel", "16"], "never below the CLI's own 4 × cores");
        for (const own of [["--parallel", "4"], ["--parallel=4"], ["-p", "4"], ["-p=4"], ["-p4"]]) {
            assert.deepStrictEqual(withParallel(["--yes", ...own], {}, 100, 2), { args: ["--yes", ...own] }, own.join(" "));
        }
        assert.deepStrictEqual(withParallel([], { PULUMI_PARALLEL: "12" }, 100, 2), { args: [] });
        assert.deepStrictEqual(withParallel(["--policy-pack", "p"], {}, undefined, 2), { args: ["--policy-pack", "p"] }, "invalid config: the program reports it");
        assert.deepStrictEqual(withParallel(["--preview-only"], {}, 5, 2).args, ["--preview-only", "--parallel", "13"], "a flag that only starts with p is not --parallel");
    });

    it("run without the Pulumi CLI: one line per missing prerequisite, exit 1, Pulumi never started", function () {
        this.timeout(60000);
        const bin = tempDir("up-path-");
        fs.symlinkSync(process.execPath, path.join(bin, "node"));
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "up.ts"), "--stack", "local"],
            { cwd: ROOT, encoding: "utf8", env: { PATH: bin, HOME: bin, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json"), PULUMI_CONFIG_PASSPHRASE: "" } });
        const lines = r.stderr.trim().split("\n");
        assert.strictEqual(lines[0], `npm run up: the Pulumi CLI is not on PATH: ${PULUMI_INSTALL_HINT}`);
        assert.ok(lines.some(l => /^npm run up: colima is not installed/.test(l)), r.stderr);
        assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
        assert.strictEqual(r.status, 1);
    });
});
