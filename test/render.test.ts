import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT, runProgram, stackConfig } from "./harness";
import { withPrelude } from "../components/shared/script";
import { tempDir } from "./temp";
import { Cidr, contains, parseCidr } from "../components/config";
import { topologicalOrder } from "../tools/render-commands";
import { ephemeralConfig } from "../scripts/ephemeral";

function tree(dir: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p); else out.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
        }
    };
    walk(dir);
    return out;
}

/** Runs the render CLI as `npm run render` does; returns exit code and output. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "render.ts"), ...args],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, npm_config_stack: undefined, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json"), ...env } });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function render(stack: string, out: string): void {
    const r = cli(["--stack", stack, "--out", out]);
    if (r.code !== 0) throw new Error(`render ${stack} failed (${r.code}): ${r.stderr}`);
}


describe("npm run render", function () {
    this.timeout(120000);
    const runs: Record<string, [Map<string, string>, Map<string, string>]> = {};
    before(() => {
        for (const stack of ["local", "prod"]) {
            const a = tempDir("render-a-");
            const b = tempDir("render-b-");
            render(stack, a);
            render(stack, b);
            runs[stack] = [tree(path.join(a, stack)), tree(path.join(b, stack))];
        }
    });

    for (const stack of ["local", "prod"]) {
        it(`${stack}: two runs produce byte-identical trees`, () => {
            const [a, b] = runs[stack];
            assert.deepStrictEqual([...a.keys()], [...b.keys()]);
            for (const [k, v] of a) assert.strictEqual(b.get(k), v, `${k} differs between runs`);
        });
    }

    it("writes the documented layout", () => {
        const prod = runs.prod[0];
        for (const f of ["config.json", "nodes.json", "firewall.json", "commands.txt", "cilium/values.yaml", "gateway-api/crds.txt",
            "k3s/k3s-cilium-server-1/config.yaml", "k3s/k3s-cilium-agent-2/config.yaml", "k3s/k3s-cilium-agent-2/first-boot.yaml",
            "scripts/preflight.sh", "scripts/first-boot.sh", "scripts/agents-joined.sh",
            "policies/01-allow-control-plane-connectivity.yaml", "policies/07-deny-cloud-metadata.yaml", "policies/11-policy-enforcement.yaml"]) {
            assert.ok(prod.has(f), `prod lacks ${f}`);
        }
        assert.ok(!runs.local[0].has("firewall.json"), "firewall.json is prod-only");
        assert.deepStrictEqual(JSON.parse(prod.get("nodes.json")!).map((n: any) => [n.name, n.role, n.privateAddress]), [
            ["k3s-cilium-server-1", "server", "10.0.1.10"], ["k3s-cilium-server-2", "server", "10.0.1.11"], ["k3s-cilium-server-3", "server", "10.0.1.12"],
            ["k3s-cilium-agent-1", "agent", "10.0.1.100"], ["k3s-cilium-agent-2", "agent", "10.0.1.101"],
        ]);
        assert.strictEqual(prod.get("gateway-api/crds.txt")!.trim().split("\n").length, 6);
    });

    it("replaces secrets by placeholders", () => {
        for (const stack of ["local", "prod"]) {
            for (const [file, text] of runs[stack][0]) {
                assert.ok(!text.includes("mock-k3s-token") && !text.includes("mock-hcloud-token") && !text.includes("PRIVATE KEY-----\nmock"), `${stack}/${file} leaks a secret`);
            }
            const cfg = YAML.parse(runs[stack][0].get("k3s/k3s-cilium-server-1/config.yaml")!);
            assert.strictEqual(cfg.token, "<k3s-token: secret, set per stack>");
        }
    });

    it("ships the scripts exactly as they are in the repository, prelude in place", () => {
        for (const [file, text] of runs.prod[0]) {
            if (!file.startsWith("scripts/")) continue;
            const name = path.basename(file);
            const source = ["k3s", "cilium", "policies", "nodes", "hetzner-cloud"].map(s => path.join(ROOT, "components", s, "scripts", name)).find(fs.existsSync)!;
            assert.strictEqual(text, withPrelude(fs.readFileSync(source, "utf8")), `${name} as sent differs from the repository file with the prelude in place`);
        }
    });


    it("commands.txt: one line per command, in the order pulumi up runs them, no no-op phases", async () => {
        const text = runs.prod[0].get("commands.txt")!;
        assert.ok(!/: true$/m.test(text), "a `create: true` phase is listed");
        const [up, down] = text.split("# On removal and pulumi destroy, dependents first:\n");
        const upNames = up.split("\n").filter(l => l && !l.startsWith("#")).map(l => l.split(":")[0]);
        // Against the graph the render came from: nothing listed waits for something listed after it.
        const g = await runProgram({ stack: "prod", platform: "linux" });
        const cmd = (name: string) => g.get(name.replace(/ \(on change\)$/, ""));
        const commands = g.resources.filter(r => r.type.startsWith("command:"));
        assert.deepStrictEqual([...new Set(upNames.map(n => n.replace(/ \(on change\)$/, "")))].sort(),
            commands.filter(r => [r.inputs.create, r.inputs.update].some(l => typeof l === "string" && l !== "true")).map(r => r.name).sort(),
            "every command that runs something on create or on change is listed once");
        for (let i = 0; i < upNames.length; i++) {
            for (let j = i + 1; j < upNames.length; j++) {
                assert.ok(!g.dependsOn(cmd(upNames[i]), cmd(upNames[j])), `${upNames[i]} is listed before ${upNames[j]}, which it waits for`);
            }
        }
        assert.ok(upNames.indexOf("k3s-cilium-server-1-install") < upNames.indexOf("k3s-cilium-server-2-install"), "joins after the first server");
        // The Hetzner cloud-resources cleanup runs first on destroy (test/hetzner-cloud.test.ts holds its order).
        assert.deepStrictEqual(down.trim().split("\n"), ["k3s-cilium-cloud-resources-cleanup: destroy-cleanup.sh k3s-cilium-server-1 600",
            "k3s-cilium-agent-2-drain: drain.sh k3s-cilium-agent-2 300", "k3s-cilium-agent-1-drain: drain.sh k3s-cilium-agent-1 300",
            // Servers leave one at a time, highest ordinal first; the first server is removed by the second.
            "k3s-cilium-server-3-leave: remove-server.sh k3s-cilium-server-3 k3s-cilium-server-1 300",
            "k3s-cilium-server-2-leave: remove-server.sh k3s-cilium-server-2 k3s-cilium-server-1 300",
            "k3s-cilium-server-1-leave: remove-server.sh k3s-cilium-server-1 k3s-cilium-server-2 300"]);
    });

    it("topological order: ties by name, dependencies first, cycles refused", () => {
        const waits: Record<string, string[]> = { a: ["c"], b: [], c: [], d: ["a", "b"] };
        assert.deepStrictEqual(topologicalOrder(["d", "b", "a", "c"], (x, y) => waits[x].includes(y), x => x), ["b", "c", "a", "d"]);
        assert.throws(() => topologicalOrder(["x", "y"], () => true, x => x), /dependency cycle among x, y/);
    });

    it("mock addresses are labelled placeholders, from documentation ranges, outside the example allow-lists", () => {
        const prod = runs.prod[0];
        const allow = [...JSON.parse(stackConfig("prod")["k3s-cilium:sshAllowList"]), ...JSON.parse(stackConfig("prod")["k3s-cilium:apiAllowList"])]
            .map(c => parseCidr(c) as Cidr);
        const notes = prod.get("PLACEHOLDERS.txt")!;
        const found = new Set<string>();
        for (const [file, text] of prod) {
            if (file.startsWith("scripts/")) continue;
            for (const m of text.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d./])/g)) found.add(m[1]);
        }
        const isPrivate = (a: string) => /^(10\.|127\.|192\.168\.)/.test(a);
        const publicOnes = [...found].filter(a => !isPrivate(a));
        assert.ok(publicOnes.length >= 4, `no mock public address found: ${[...found].join(", ")}`);
        for (const a of publicOnes) {
            const host = parseCidr(`${a}/32`) as Cidr;
            assert.ok(!allow.some(c => contains(c, host)), `${a} falls inside the example allow-list`);
            assert.ok(/^(192\.0\.2|198\.51\.100)\./.test(a), `${a} is not from a documentation range`);
            assert.ok(notes.includes(a.replace(/\.\d+$/, ".")), `PLACEHOLDERS.txt does not explain ${a}`);
        }
        assert.match(notes, /<k3s-token: secret, set per stack>\s+the k3s server token/);
    });

    it("config.json carries only the stack's provider's settings", () => {
        assert.deepStrictEqual(Object.keys(JSON.parse(runs.local[0].get("config.json")!)).filter(k => k === "hetzner" || k === "colima"), ["colima"]);
        assert.deepStrictEqual(Object.keys(JSON.parse(runs.prod[0].get("config.json")!)).filter(k => k === "hetzner" || k === "colima"), ["hetzner"]);
    });
});

describe("npm run render: command line", function () {
    this.timeout(120000);
    const USAGE = "usage: npm run render -- --stack <local|prod> [--out <dir>]";
    const cases: { why: string; args: string[]; env?: NodeJS.ProcessEnv; code: number; line: string }[] = [
        { why: "no arguments", args: [], code: 2, line: `npm run render: --stack is required; ${USAGE}` },
        { why: "an unknown stack", args: ["--stack", "staging"], code: 2, line: `npm run render: --stack "staging": no Pulumi.staging.yaml in the project; ${USAGE}` },
        { why: "an unknown flag", args: ["--stack", "prod", "--bogus"], code: 2, line: `npm run render: unknown option --bogus; ${USAGE}` },
        { why: "--out without a value", args: ["--stack", "prod", "--out"], code: 2, line: `npm run render: --out needs a value; ${USAGE}` },
        { why: "--out followed by another flag", args: ["--out", "--stack", "prod"], code: 2, line: `npm run render: --out needs a value; ${USAGE}` },
        { why: "a stray argument", args: ["prod"], code: 2, line: `npm run render: unexpected argument "prod"; ${USAGE}` },
        { why: "--stack=prod before npm's `--` (npm keeps it as npm_config_stack)", args: [], env: { npm_config_stack: "prod" }, code: 2,
            line: `npm run render: npm took --stack=prod as its own option: put it after \`--\`; ${USAGE}` },
    ];
    for (const c of cases) {
        it(`${c.why}: exit ${c.code} and one line with the usage`, () => {
            const r = cli(c.args, c.env);
            assert.strictEqual(r.stderr, `${c.line}\n`);
            assert.strictEqual(r.code, c.code);
        });
    }

    it("a broken stack file: exit 1, one line naming the file, line and problem, no stack trace", () => {
        const file = path.join(ROOT, "Pulumi.broken-render-test.yaml");
        fs.writeFileSync(file, "config:\n  k3s-cilium:provider: colima\n  k3s-cilium:provider: hetzner\n");
        try {
            const r = cli(["--stack", "broken-render-test", "--out", tempDir("render-broken-")]);
            assert.match(r.stderr, /^npm run render: Pulumi\.broken-render-test\.yaml:3:3: duplicate key k3s-cilium:provider .*\n$/);
            assert.strictEqual(r.code, 1);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });

    it("--stack=prod renders (the = form is accepted)", () => {
        const out = tempDir("render-eq-");
        const r = cli(["--stack=prod", `--out=${out}`]);
        assert.strictEqual(r.stderr, "");
        assert.strictEqual(r.code, 0);
        assert.match(r.stdout, new RegExp(`^rendered \\d+ files into ${out}/prod\n$`));
        assert.ok(fs.existsSync(path.join(out, "prod", "commands.txt")));
    });

    it("renders any stack that has a file, such as an ephemeral one", () => {
        const file = path.join(ROOT, "Pulumi.eph-render-test.yaml");
        const config = ephemeralConfig("render-test", ["192.0.2.0/24"], stackConfig("prod"));
        fs.writeFileSync(file, YAML.stringify({ config }));
        try {
            const out = tempDir("render-eph-");
            const r = cli(["--stack", "eph-render-test", "--out", out]);
            assert.strictEqual(r.stderr, "");
            assert.strictEqual(r.code, 0);
            const nodes = JSON.parse(fs.readFileSync(path.join(out, "eph-render-test", "nodes.json"), "utf8"));
            assert.deepStrictEqual(nodes.map((n: any) => n.name), ["eph-render-test-server-1", "eph-render-test-agent-1"]);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });
});
