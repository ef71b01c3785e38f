/**
 * npm run render -- --stack <stack> [--out <dir>]    (any stack with a Pulumi.<stack>.yaml)
 *
 * Evaluates the program under Pulumi's mock runtime (no cloud, no credentials; secrets replaced by fixed
 * placeholders) and writes every artifact the cluster would receive, one file each, under <out>/<stack>/:
 *
 *   config.json                 the validated config
 *   nodes.json                  per node: name, role, private address
 *   firewall.json               (prod) hcloud firewall rules + node-to-node datapath rules
 *   k3s/<node>/config.yaml      /etc/rancher/k3s/config.yaml (token as a placeholder)
 *   commands.txt                every remote/local command: resource, script and arguments, in a stable order
 *   scripts/<script>.sh         the scripts as sent
 *   gateway-api/crds.txt        the CRD URLs applied
 *   cilium/values.yaml          the Helm values
 *   cilium/<object>.yaml        Cilium objects besides the chart (L2 pool/policy)
 *   policies/NN-<name>.yaml     baseline policies in apply order, then the enforcement CiliumNodeConfig
 *
 * The output is byte-identical between runs (tested), so reviewers can diff it in pull requests.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Graph, listStacks, ROOT, runProgram, stackConfig } from "../tools/evaluate";
import { parseCli, runCli, UsageError } from "../tools/cli";
import { redactK3sConfig } from "../components/k3s/config";
import { parseScriptCommands } from "../components/shared/script";
import { firewallRules, planNodes } from "../components/nodes";
import { baselinePolicies, orderedFileNames } from "../components/policies";
import { ClusterConfig, validateConfig } from "../components/config";

/** The usage line, naming the stacks that have a file. */
export const usage = (stacks: readonly string[]) => `npm run render -- --stack <${stacks.join("|")}> [--out <dir>]`;

/**
 * The render command line. `stacks` are those with a Pulumi.<stack>.yaml; `npmStack` is npm's
 * `npm_config_stack`, set when `--stack` came before `--` and npm kept it for itself.
 */
export function renderArgs(argv: readonly string[], stacks: readonly string[], npmStack?: string): { stack: string; out: string; help: boolean } {
    const line = usage(stacks);
    const { values } = parseCli(argv, { stack: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } }, line);
    if (values.help) return { stack: "", out: "", help: true };
    const stack = values.stack;
    if (stack === undefined) {
        throw new UsageError(npmStack
            ? `npm took --stack=${npmStack} as its own option: put it after \`--\``
            : "--stack is required", line);
    }
    if (!stacks.includes(stack)) throw new UsageError(`--stack ${JSON.stringify(stack)}: no Pulumi.${stack}.yaml in the project`, line);
    if (values.out === "") throw new UsageError("--out needs a directory", line);
    return { stack, out: values.out ?? "render", help: false };
}

const yaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0 });
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** The artifacts as a map of relative path → content. Pure given the graph and config. */
export function artifacts(g: Graph, config: ClusterConfig): Map<string, string> {
    const files = new Map<string, string>();
    files.set("config.json", json(config));
    files.set("nodes.json", json(planNodes(config).map(n => ({ name: n.name, role: n.role, privateAddress: n.privateAddress, serverType: n.serverType }))));
    if (config.provider === "hetzner") files.set("firewall.json", json(firewallRules(config)));

    // Each node's k3s config.yaml travels on the stdin of its install command.
    for (const cmd of g.ofType("command:remote:Command").filter(r => r.name.endsWith("-install")).sort((a, b) => a.name.localeCompare(b.name))) {
        const doc = redactK3sConfig(YAML.parse(cmd.inputs.stdin));
        files.set(`k3s/${cmd.name.replace(/-install$/, "")}/config.yaml`, yaml(doc));
    }

    const commands: string[] = [];
    const scripts = new Map<string, string>();
    const commandTypes = ["command:remote:Command", "command:local:Command"];
    for (const r of g.resources.filter(x => commandTypes.includes(x.type)).sort((a, b) => a.name.localeCompare(b.name))) {
        for (const phase of ["create", "update", "delete"]) {
            const line = r.inputs[phase] as string | undefined;
            if (!line) continue;
            const parsed = parseScriptCommands(line);
            if (parsed) {
                for (const script of parsed) scripts.set(script.name, script.text);
                commands.push(`${r.name} ${phase}: ${parsed.map(s => `${s.name}${s.args}`).join(" && ")}`);
            } else {
                commands.push(`${r.name} ${phase}: ${line}`);
            }
        }
    }
    files.set("commands.txt", `${commands.join("\n")}\n`);
    for (const [name, text] of [...scripts].sort()) files.set(`scripts/${name}`, text);

    files.set("gateway-api/crds.txt", `${g.ofType("kubernetes:yaml/v2:ConfigFile").map(r => r.inputs.file).join("\n")}\n`);
    files.set("cilium/values.yaml", yaml(g.get("cilium", "kubernetes:helm.sh/v4:Chart").inputs.values));
    for (const name of ["lb-ip-pool", "l2-announcement-policy"]) {
        const r = g.resources.find(x => x.name === name);
        if (r) files.set(`cilium/${name}.yaml`, yaml({ apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, metadata: r.inputs.metadata, spec: r.inputs.spec }));
    }

    const policies = baselinePolicies(config);
    const names = orderedFileNames(policies);
    policies.forEach((p, i) => {
        const r = g.get(`ccnp-${p.name}`);
        files.set(`policies/${names[i]}`, yaml({ apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, metadata: r.inputs.metadata, spec: r.inputs.spec }));
    });
    const enforcement = g.get("policy-enforcement");
    files.set(`policies/${String(policies.length + 1).padStart(2, "0")}-policy-enforcement.yaml`,
        yaml({ apiVersion: enforcement.inputs.apiVersion, kind: enforcement.inputs.kind, metadata: enforcement.inputs.metadata, spec: enforcement.inputs.spec }));
    return files;
}

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

if (require.main === module) {
    runCli(async () => {
        const stacks = listStacks(ROOT);
        const args = renderArgs(process.argv.slice(2), stacks, process.env.npm_config_stack);
        if (args.help) { console.log(`usage: ${usage(stacks)}`); return 0; }
        const files = await render(args.stack, args.out);
        console.log(`rendered ${files.length} files into ${path.join(args.out, args.stack)}`);
        return 0;
    }, "npm run render");
}
