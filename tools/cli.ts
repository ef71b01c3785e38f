/**
 * Command-line parsing for the npm scripts (render, ephemeral, verify) on node:util `parseArgs`, with its errors
 * turned into one line that names the problem and the accepted usage: a newcomer never sees a stack trace for a
 * mistyped flag.
 */
import { parseArgs, ParseArgsConfig } from "util";

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
    constructor(message: string, readonly usage: string) {
        super(`${message}; usage: ${usage}`);
        this.name = "UsageError";
    }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The option name parseArgs complains about, from its message (`Unknown option '--x'`, `Option '--out <value>'`). */
function optionIn(message: string): string {
    return /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
}

/**
 * Parses argv strictly: unknown options, a missing value and (unless `positionals` is set) positional arguments
 * are UsageErrors. `--x=value` and `--x value` are both accepted.
 */
export function parseCli<O extends Options>(argv: readonly string[], options: O, usage: string, positionals = false) {
    try {
        return parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals });
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const opt = optionIn(err.message);
        switch (err.code) {
            case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
                throw new UsageError(`unknown option ${opt}`, usage);
            case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
                throw new UsageError(options[opt.replace(/^-+/, "")]?.type === "boolean"
                    ? `${opt} takes no value` : `${opt} needs a value`, usage);
            case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
                throw new UsageError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(err.message)?.[1] ?? "")}`, usage);
            default:
                throw e;
        }
    }
}

/**
 * Runs a CLI's main: a UsageError prints its one line and exits 2, any other error its message and exits 1; the
 * resolved number is the exit code.
 */
export function runCli(main: () => Promise<number>, name: string): void {
    main().then(code => process.exit(code), (e: unknown) => {
        const err = e as Error;
        console.error(`${name}: ${err.message}`);
        process.exit(err instanceof UsageError ? 2 : 1);
    });
}
