import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./harness";

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

function render(stack: string, out: string): void {
    execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "render.ts"), "--stack", stack, "--out", out],
        { cwd: ROOT, stdio: "pipe", env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } });
}

describe("npm run render", function () {
    this.timeout(120000);
    const runs: Record<string, [Map<string, string>, Map<string, string>]> = {};
    before(() => {
        for (const stack of ["local", "prod"]) {
            const a = fs.mkdtempSync(path.join(os.tmpdir(), "render-a-"));
            const b = fs.mkdtempSync(path.join(os.tmpdir(), "render-b-"));
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
            "k3s/k3s-cilium-server-1/config.yaml", "k3s/k3s-cilium-agent-2/config.yaml", "scripts/preflight.sh",
            "policies/01-allow-control-plane-connectivity.yaml", "policies/08-policy-enforcement.yaml"]) {
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

    it("ships the scripts exactly as they are in the repository", () => {
        for (const [file, text] of runs.prod[0]) {
            if (!file.startsWith("scripts/")) continue;
            const name = path.basename(file);
            const source = ["k3s", "cilium", "policies", "nodes"].map(s => path.join(ROOT, "components", s, "scripts", name)).find(fs.existsSync)!;
            assert.strictEqual(text, fs.readFileSync(source, "utf8"), `${name} as sent differs from the repository file`);
        }
    });

    it("refuses an unknown stack with the accepted values", () => {
        assert.throws(() => render("staging", os.tmpdir()), (e: any) => /--stack "staging": accepted: local, prod/.test(String(e.stderr)));
    });
});
