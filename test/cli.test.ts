import * as assert from "assert";
import { parseCli, UsageError } from "../tools/cli";
import { parseArgs as ephemeralArgs } from "../scripts/ephemeral";
import { verifyArgs } from "../scripts/verify";

describe("command lines: one line with the usage for every mistake", () => {
    const OPTIONS = { stack: { type: "string" }, keep: { type: "boolean" } } as const;
    const cases: { args: string[]; positionals?: boolean; message: string }[] = [
        { args: ["--bogus"], message: "unknown option --bogus; usage: U" },
        { args: ["-x"], message: "unknown option -x; usage: U" },
        { args: ["--stack"], message: "--stack needs a value; usage: U" },
        { args: ["--stack", "--keep"], message: "--stack needs a value; usage: U" },
        { args: ["--keep=yes"], message: "--keep takes no value; usage: U" },
        { args: ["prod"], message: "unexpected argument \"prod\"; usage: U" },
    ];
    for (const c of cases) {
        it(`${JSON.stringify(c.args)} → ${c.message}`, () => {
            assert.throws(() => parseCli(c.args, OPTIONS, "U", c.positionals), (e: unknown) => e instanceof UsageError && e.message === c.message);
        });
    }
    it("accepts --x value and --x=value alike", () => {
        assert.deepStrictEqual({ ...parseCli(["--stack=prod", "--keep"], OPTIONS, "U").values }, { stack: "prod", keep: true });
        assert.deepStrictEqual({ ...parseCli(["--stack", "prod"], OPTIONS, "U").values }, { stack: "prod" });
    });
    it("npm run verify and npm run ephemeral use it", () => {
        assert.throws(() => verifyArgs([]), /^UsageError: --stack is required; usage: npm run verify -- --stack <stack> \[--kubeconfig <file>\]$/);
        assert.throws(() => verifyArgs(["--stack", "prod", "--kubeconfig"]), /--kubeconfig needs a value; usage: npm run verify/);
        assert.deepStrictEqual(verifyArgs(["--stack=prod", "--kubeconfig", "k.yaml"]), { stack: "prod", kubeconfig: "k.yaml" });
        assert.throws(() => ephemeralArgs(["up", "--name", "t", "--force"], {}), /unknown option --force; usage: npm run ephemeral -- up\|verify\|destroy/);
        assert.throws(() => ephemeralArgs(["up", "extra", "--name", "t"], { EPHEMERAL_ALLOW_CIDRS: "192.0.2.1/32" }), /unexpected argument "extra"/);
    });
});
