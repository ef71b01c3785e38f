/**
 * The artifacts of `npm run render`: everything the cluster would receive, from the program's graph under mocks.
 * See scripts/render.ts for the layout. Byte-identical for unchanged inputs (test/render.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as YAML from "yaml";
import { AGENT_TOKEN_PLACEHOLDER, redactK3sConfig, TOKEN_PLACEHOLDER } from "../components/k3s/config";
import { firewallRules, planNodes } from "../components/nodes";
import { baselinePolicies, orderedFileNames } from "../components/policies";
import { ClusterConfig, validateConfig } from "../components/config";
import { runProgram } from "./evaluate";
import { Graph, RecordedResource } from "./graph";
import { placeholderNotes } from "./mocks";
import { commandsFile } from "./render-commands";
import { stackConfig } from "./stack-file";

const yaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0 });
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
const object = (r: RecordedResource) => yaml({ apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, metadata: r.inputs.metadata, spec: r.inputs.spec });

/** The config a reader of this stack needs: the other provider's settings (defaults, unused) are left out. */
export function providerConfig(config: ClusterConfig): Partial<ClusterConfig> {
    const { hetzner, colima, ...rest } = config;
    return config.provider === "hetzner" ? { ...rest, hetzner } : { ...rest, colima };
}

/** PLACEHOLDERS.txt: what each stand-in value of the render is. */
export function placeholdersFile(provider: string): string {
    const notes = placeholderNotes(provider, TOKEN_PLACEHOLDER, AGENT_TOKEN_PLACEHOLDER);
    const width = Math.max(...notes.map(([v]) => v.length));
    return [
        "Placeholders: the render runs the program without a cloud, so these values stand in for ones a real `pulumi up` gets.",
        ...(provider === "hetzner" ? ["Public addresses are from documentation ranges (never routed) and outside the example allow-lists."] : []),
        ...notes.map(([value, what]) => `${value.padEnd(width)}  ${what}`),
    ].join("\n") + "\n";
}

/** The artifacts as a map of relative path → content. Pure given the graph and config. */
export function artifacts(g: Graph, config: ClusterConfig): Map<string, string> {
    const files = new Map<string, string>();
    files.set("PLACEHOLDERS.txt", placeholdersFile(config.provider));
    files.set("config.json", json(providerConfig(config)));
    files.set("nodes.json", json(planNodes(config).map(n => ({ name: n.name, role: n.role, privateAddress: n.privateAddress, serverType: n.serverType }))));
    if (config.provider === "hetzner") files.set("firewall.json", json(firewallRules(config)));

    // Each node's k3s config.yaml travels on the stdin of its install command (a first-boot agent's converge).
    for (const cmd of g.ofType("command:remote:Command").filter(r => /-(install|converge)$/.test(r.name)).sort((a, b) => a.name.localeCompare(b.name))) {
        const doc = redactK3sConfig(YAML.parse(cmd.inputs.stdin));
        files.set(`k3s/${cmd.name.replace(/-(install|converge)$/, "")}/config.yaml`, yaml(doc));
    }

    const commands = commandsFile(g);
    const scripts = new Map(commands.scripts);
    // A first-boot agent's user data: what cloud-init writes and runs, secrets and script texts replaced.
    for (const m of g.ofType("hcloud:index/server:Server").sort((a, b) => a.name.localeCompare(b.name))) {
        const doc = YAML.parse(String(m.inputs.userData ?? ""), { version: "1.1" }) ?? {};
        if (!doc.runcmd) continue;
        const writeFiles = (doc.write_files as { path: string; content: string; owner: string; permissions: string; encoding?: string }[]).map(f => {
            const name = path.basename(f.path);
            // Scripts travel gzip+base64 (components/k3s/first-boot.ts): shown decoded under scripts/.
            const text = f.encoding === "gz+b64" ? zlib.gunzipSync(Buffer.from(f.content, "base64")).toString("utf8") : f.content;
            if (name.endsWith(".sh")) scripts.set(name, text);
            const content = name.endsWith(".sh") ? `<scripts/${name}>` : yaml(redactK3sConfig(YAML.parse(text)));
            return { ...f, content };
        });
        files.set(`k3s/${m.name}/first-boot.yaml`, yaml({ write_files: writeFiles, runcmd: doc.runcmd }));
    }
    files.set("commands.txt", commands.text);
    for (const [name, text] of [...scripts].sort()) files.set(`scripts/${name}`, text);

    const crds = g.ofType("kubernetes:yaml/v2:ConfigFile").map(r => r.inputs.file);
    if (crds.length) files.set("gateway-api/crds.txt", `${crds.join("\n")}\n`);
    files.set("cilium/values.yaml", yaml(g.get("cilium", "kubernetes:helm.sh/v4:Chart").inputs.values));
    for (const chart of g.ofType("kubernetes:helm.sh/v4:Chart").filter(c => c.name.startsWith("hcloud-"))) {
        const { chart: name, version, repositoryOpts, namespace, values } = chart.inputs;
        files.set(`hetzner-cloud/${chart.name}.yaml`, yaml({ chart: name, version, repository: repositoryOpts.repo, namespace, values }));
    }
    for (const name of ["lb-ip-pool", "l2-announcement-policy"]) {
        const r = g.resources.find(x => x.name === name);
        if (r) files.set(`cilium/${name}.yaml`, object(r));
    }

    const policies = baselinePolicies(config);
    const names = orderedFileNames(policies);
    policies.forEach((p, i) => files.set(`policies/${names[i]}`, object(g.get(`ccnp-${p.name}`))));
    files.set(`policies/${String(policies.length + 1).padStart(2, "0")}-policy-enforcement.yaml`, object(g.get("policy-enforcement")));
    return files;
}

/** Renders a stack into <out>/<stack>/ (replacing what was there); returns the files written. */
export async function render(stack: string, out: string): Promise<string[]> {
    const g = await runProgram({ stack, platform: "linux" });
    const r = validateConfig(stackConfig(stack), { stack, hcloudTokenSet: true });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    const dir = path.join(out, stack);
    fs.rmSync(dir, { recursive: true, force: true });
    const files = artifacts(g, r.config);
    for (const [rel, content] of files) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
    }
    return [...files.keys()];
}
