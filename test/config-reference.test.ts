import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./harness";
import { CONFIG_KEYS, ConfigKey, PROJECT } from "../components/config";
import { refusedWhen } from "../components/config/rules/reference";

const pulumiYaml = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

function readmeTable(): Map<string, { type: string; default: string; refused: string }> {
    const section = readme.split("<!-- config-reference:start -->")[1]?.split("<!-- config-reference:end -->")[0];
    assert.ok(section, "README.md has no config-reference section");
    assert.match(section, /^\| key \| type \| default \| description \| refused when \|$/m);
    const rows = new Map<string, { type: string; default: string; refused: string }>();
    for (const line of section.split("\n")) {
        const m = /^\| `([^`]+)` \| (\w+) \| (.+?) \| .+ \| ([^|]+) \|$/.exec(line);
        if (m) rows.set(m[1], { type: m[2], default: m[3], refused: m[4] });
    }
    return rows;
}

describe("config reference: Pulumi.yaml, README and the program agree", () => {
    it("Pulumi.yaml declares exactly the keys the program reads, with type, description and default", () => {
        const declared = pulumiYaml.config as Record<string, any>;
        assert.deepStrictEqual(Object.keys(declared).sort(), Object.keys(CONFIG_KEYS).map(k => `${PROJECT}:${k}`).sort());
        for (const [k, spec] of Object.entries(CONFIG_KEYS) as [string, any][]) {
            const d = declared[`${PROJECT}:${k}`];
            assert.strictEqual(d.type, spec.type, `${k} type`);
            assert.strictEqual(d.description, spec.description, `${k} description`);
            assert.deepStrictEqual(d.default, spec.default, `${k} default`);
            if (spec.type === "array") assert.deepStrictEqual(d.items, { type: "string" }, `${k} items`);
            assert.strictEqual(d.secret ?? false, spec.secret ?? false, `${k} secret`);
        }
    });

    it("the README table lists every key of Pulumi.yaml and no other", () => {
        const rows = readmeTable();
        assert.deepStrictEqual([...rows.keys()].sort(), Object.keys(pulumiYaml.config).sort());
        for (const [key, row] of rows) {
            const d = pulumiYaml.config[key];
            assert.strictEqual(row.type, d.type, `${key} type in README`);
            const shown = d.default === undefined ? "(secret, no default)" : `\`${JSON.stringify(d.default)}\``;
            assert.strictEqual(row.default, shown, `${key} default in README`);
        }
    });

    it("the README states, next to each key, what validation refuses (components/config/rules/reference.ts)", () => {
        const rows = readmeTable();
        for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
            assert.strictEqual(rows.get(`${PROJECT}:${key}`)?.refused, refusedWhen(key), `${key}: README "refused when" differs from RULES_BY_KEY in components/config/rules/reference.ts`);
        }
    });

    it("the local file backend is the default, and PULUMI_BACKEND_URL is documented as the override", () => {
        assert.strictEqual(pulumiYaml.backend.url, "file://~");
        assert.match(readme, /PULUMI_BACKEND_URL/);
        assert.strictEqual(pulumiYaml.runtime.name, "nodejs");
    });

    it("stack files only use declared keys and never hold secrets", () => {
        for (const stack of ["local", "prod"]) {
            const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
            for (const [k, v] of Object.entries(file.config ?? {})) {
                assert.ok(k in pulumiYaml.config, `${stack}: ${k} is not declared in Pulumi.yaml`);
                assert.ok(!(v && typeof v === "object" && "secure" in (v as object)), `${stack}: ${k} is a committed secret`);
            }
            assert.ok(!("hcloud:token" in (file.config ?? {})));
        }
    });

    it(".ci/run runs exactly the README's test command", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        assert.match(ci, /<!-- test-command -->/);
        const block = readme.split("<!-- test-command -->")[1].split("```sh\n")[1].split("\n```")[0];
        assert.strictEqual(block, "npm ci && npm test");
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.match(pkg.scripts.test, /tsc --noEmit|npm run typecheck/);
    });

    it("the README's Node.js prerequisite is package.json's engines.node", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const major = /^>=(\d+)$/.exec(pkg.engines.node)?.[1];
        assert.ok(major, `engines.node ${pkg.engines.node} is not ">=N"`);
        assert.match(readme, new RegExp(`Node\\.js ${major}\\+`), `README prerequisites do not say Node.js ${major}+`);
    });
});
