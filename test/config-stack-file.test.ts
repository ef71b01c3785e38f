import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackFile, validateConfig } from "../components/config";
import { readStackFile } from "../tools/stack-file";

/** Stack files a newcomer gets wrong (#20): each must name the file, the line and the problem. */
const BROKEN: { why: string; text: string; error: RegExp }[] = [
    { why: "a YAML syntax error", text: "config:\n  k3s-cilium:lbIpPools: [10.0.200.0/24\n  k3s-cilium:workerCount: 2\n", error: /^Pulumi\.broken\.yaml:\d+:\d+: YAML syntax error: / },
    { why: "a duplicate key", text: "config:\n  k3s-cilium:workerCount: 2\n  k3s-cilium:provider: hetzner\n  k3s-cilium:workerCount: 3\n", error: /^Pulumi\.broken\.yaml:4:3: duplicate key k3s-cilium:workerCount \(YAML forbids it/ },
    { why: "no config: section", text: "k3s-cilium:workerCount: 2\n", error: /^Pulumi\.broken\.yaml: no `config:` section; accepted: / },
    { why: "an empty file", text: "", error: /^Pulumi\.broken\.yaml: no `config:` section/ },
    { why: "config: that is a list", text: "config:\n  - k3s-cilium:workerCount: 2\n", error: /^Pulumi\.broken\.yaml:2:3: `config:` is not a mapping/ },
];

describe("stack files: parse errors name file, line and problem", () => {
    for (const b of BROKEN) {
        it(`reports ${b.why}`, () => {
            const r = parseStackFile("/somewhere/Pulumi.broken.yaml", b.text);
            assert.ok(!r.ok, "expected a parse error");
            assert.strictEqual(r.errors.length, 1, r.errors.join("\n"));
            assert.match(r.errors[0], b.error);
        });
    }

    it("hands values over as written, like the Pulumi CLI: 1e20 stays 1e20 and is refused as itself", () => {
        const r = parseStackFile("Pulumi.t.yaml", "config:\n  k3s-cilium:provider: hetzner\n  k3s-cilium:workerCount: 1e20\n  k3s-cilium:sshAllowList: [203.0.113.0/24]\n  k3s-cilium:apiAllowList: [203.0.113.0/24]\n");
        assert.ok(r.ok);
        assert.deepStrictEqual(r.config["k3s-cilium:workerCount"], "1e20");
        const raw = Object.fromEntries(Object.entries(r.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
        const v = validateConfig(raw, { stack: "t", hcloudTokenSet: true });
        assert.ok(!v.ok);
        assert.deepStrictEqual(v.errors, ["k3s-cilium:workerCount = \"1e20\": accepted: a whole number"]);
    });

    it("the tools' stack-file reader refuses a broken file with the same message", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), BROKEN[1].text);
            assert.throws(() => readStackFile("broken", dir), (e: Error) => BROKEN[1].error.test(e.message));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
