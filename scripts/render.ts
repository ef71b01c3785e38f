/**
 * npm run render -- --stack <stack> [--out <dir>]    (any stack with a Pulumi.<stack>.yaml)
 *
 * Evaluates the program under Pulumi's mock runtime (no cloud, no credentials; secrets replaced by fixed
 * placeholders) and writes every artifact the cluster would receive, one file each, under <out>/<stack>/:
 *
 *   PLACEHOLDERS.txt            what each stand-in value is (token, mock addresses from documentation ranges)
 *   config.json                 the validated config (only the stack's provider's settings)
 *   nodes.json                  per node: name, role, private address
 *   firewall.json               (prod) hcloud firewall rules + node-to-node datapath rules
 *   k3s/<node>/config.yaml      /etc/rancher/k3s/config.yaml (token as a placeholder)
 *   commands.txt                every remote/local command, one line each, in the order `pulumi up` runs them
 *   scripts/<script>.sh         the scripts as sent
 *   gateway-api/crds.txt        the CRD URLs applied (gatewayApi: true)
 *   cilium/values.yaml          the Helm values
 *   cilium/<object>.yaml        Cilium objects besides the chart (L2 pool/policy)
 *   hetzner-cloud/<chart>.yaml  (prod) chart, version, repository and Helm values of the hcloud CCM and CSI driver
 *   policies/NN-<name>.yaml     baseline policies in apply order, then the enforcement CiliumNodeConfig
 *
 * The output is byte-identical between runs (tested), so reviewers can diff it in pull requests.
 */
import * as path from "path";
import { listStacks, ROOT } from "../tools/stack-file";
import { parseCli, runCli, UsageError } from "../tools/cli";

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

if (require.main === module) {
    runCli(async () => {
        const stacks = listStacks(ROOT);
        const args = renderArgs(process.argv.slice(2), stacks, process.env.npm_config_stack);
        if (args.help) { console.log(`usage: ${usage(stacks)}`); return 0; }
        // Loaded only now: a usage error answers without evaluating the program.
        const { render } = await import("../tools/render");
        const files = await render(args.stack, args.out);
        console.log(`rendered ${files.length} files into ${path.join(args.out, args.stack)}`);
        return 0;
    }, "npm run render");
}
