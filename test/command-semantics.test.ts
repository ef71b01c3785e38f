/**
 * Contract: what @pulumi/command 1.2.1 does on change, and the program's commands relying only on that.
 * - An input change is an in-place update: it runs `update`, or `create` when `update` is empty (pulumi-command
 *   `ResourceInputs` docs: "If an `update` command isn't provided, then `create` will also be run when the
 *   resource's inputs are modified").
 * - `triggers` is tagged `provider:"replaceOnChanges"` (pulumi-command ResourceInputs): a trigger change REPLACES
 *   the resource — the new one runs `create`, the old one runs `delete` — it never runs `update`. The SDK registers
 *   every Command with `replaceOnChanges: ["triggers[*]"]`, which the first test reads off the real registrations.
 * - An unset `create` runs nothing and opens no SSH connection: v1.2.1 provider/pkg/provider/remote/
 *   commandController.go `Create` returns before `state.run` (the only place that dials, commandOutputs.go) when
 *   `input.Create == nil`; `Update` runs `update`, else `create`, else nothing; `Delete` runs `delete` if set.
 * - `customTimeouts` bound only the SSH dial, never a running script (../shared HELPERS facts): scripts bound
 *   their own waits (test/k3s-node-scripts.test.ts, "scripts: waits are bounded").
 * Asserted on the recorded resource graph of both stacks.
 */
import * as assert from "assert";
import { Graph, RecordedResource, runProgram } from "./harness";
import { numericId } from "../tools/mocks";

const STACKS = [{ stack: "local" as const }, { stack: "prod" as const }];
const remote = (g: Graph) => g.ofType("command:remote:Command");
const hasTriggers = (c: RecordedResource) => Array.isArray(c.inputs.triggers) && c.inputs.triggers.length > 0;

/** k3s commands that must converge the node on every change of their inputs (config on stdin, version in args). */
const MUST_CONVERGE = [/-install$/, /-servers-at-version$/];

describe("pulumi-command semantics the program relies on", () => {
    for (const opts of STACKS) {
        describe(opts.stack, () => {
            let g: Graph;
            before(async () => { g = await runProgram(opts); });

            it("every command is registered with replaceOnChanges exactly triggers[*] (the SDK's contract: triggers replace)", () => {
                for (const c of remote(g)) assert.deepStrictEqual(c.replaceOnChanges, ["triggers[*]"], c.name);
            });

            it("k3s convergence commands run the same script on update as on create, and are never replaced", () => {
                const cmds = remote(g).filter(c => MUST_CONVERGE.some(re => re.test(c.name)));
                assert.ok(cmds.length >= 2, cmds.map(c => c.name).join(", "));
                for (const c of cmds) {
                    assert.strictEqual(c.inputs.update, c.inputs.create, `${c.name}: a change must re-run the convergence script in place`);
                    assert.ok(!hasTriggers(c), `${c.name}: triggers would replace it (create on a new resource), never update`);
                }
            });

            it("first-boot agents' converge commands: nothing on create (no SSH), the convergence on update, never replaced", () => {
                const cmds = remote(g).filter(c => c.name.endsWith("-converge"));
                if (opts.stack === "prod") assert.ok(cmds.length >= 2, "prod agents join from user data");
                for (const c of cmds) {
                    assert.strictEqual(c.inputs.create, undefined, c.name);
                    assert.match(c.inputs.update, / start\.sh \S+ agent \d+$/, `${c.name}: the update ends with the bounded start`);
                    assert.ok(!hasTriggers(c) && !c.inputs.delete, `${c.name}: a replace would run create (nothing), never update`);
                }
            });

            it("a command with a delete script is replaced only with the machine it removes (a replace runs the old one's delete)", () => {
                for (const c of remote(g).filter(x => x.inputs.delete)) {
                    // Removal commands (components/k3s/removal.ts) are meant to run their delete when their node's
                    // machine is replaced: their only trigger is that machine's id. Anything else must not replace.
                    const removal = /-(leave|drain)$/.exec(c.name);
                    if (removal) {
                        const machine = g.get(c.name.slice(0, -removal[0].length), "hcloud:index/server:Server");
                        assert.deepStrictEqual(c.inputs.triggers, [numericId(machine.name)], `${c.name}: triggers are exactly its machine's id`);
                        continue;
                    }
                    assert.ok(!hasTriggers(c), `${c.name}: a trigger change would replace it and run its delete script on the live node`);
                }
                if (opts.stack === "prod") assert.ok(remote(g).some(c => c.name.endsWith("-drain")), "prod has agent drains to check");
            });

            it("a command re-run by triggers runs the same script whether the change replaces it (create) or updates it (update)", () => {
                for (const c of remote(g).filter(hasTriggers)) {
                    // An empty `update` means pulumi-command runs `create` on update: the same script either way.
                    assert.strictEqual(c.inputs.update ?? c.inputs.create, c.inputs.create, `${c.name}: triggers run create, other input changes run update`);
                }
            });
        });
    }
});
