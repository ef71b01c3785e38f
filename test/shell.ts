/** Runs the project's shell scripts under bash with stub commands first on PATH. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";
import { withPrelude } from "../components/shared/script";
import { tempDir } from "./temp";

export interface Sandbox {
    dir: string;
    bin: string;
    /** Writes an executable stub `name` (a bash script body). */
    stub(name: string, body: string): void;
    /** Lines appended to calls.log by stubs that call `log`. */
    calls(): string[];
    /** Runs a script file as sent: prelude inserted, `bash -c '<text>' <name> <args>`. */
    run(script: string, args: (string | number)[], opts?: { stdin?: string; env?: Record<string, string> }): { code: number; stdout: string; stderr: string };
}

export function scriptPath(stage: string, name: string): string {
    return path.join(ROOT, "components", stage, "scripts", name);
}

export function sandbox(): Sandbox {
    const dir = tempDir("k3s-cilium-sh-");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(log, "");
    const sb: Sandbox = {
        dir, bin,
        stub(name, body) {
            fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\nlog() { echo "$*" >> "${log}"; }\n${body}\n`, { mode: 0o755 });
        },
        calls: () => fs.readFileSync(log, "utf8").split("\n").filter(Boolean),
        run(script, args, opts = {}) {
            // As the program sends it: the file's text with the prelude in place, run by `bash -c`.
            const text = withPrelude(fs.readFileSync(script, "utf8"));
            const r = spawnSync("bash", ["-c", text, path.basename(script), ...args.map(String)], {
                input: opts.stdin ?? "",
                encoding: "utf8",
                timeout: 30000,
                env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, TMPDIR: dir, STUB_DIR: dir, INTERVAL: "0", ...opts.env },
            });
            // A script that exits before reading stdin closes the pipe: not a failure of the test.
            if (r.error && (r.error as NodeJS.ErrnoException).code !== "EPIPE") throw r.error;
            return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
        },
    };
    // Scripts escalate with sudo when not root; the stub runs the command as the test user.
    sb.stub("sudo", 'exec "$@"');
    return sb;
}
