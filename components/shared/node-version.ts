/**
 * The Node.js the program runs on. `pulumi up` does not use the Node that `npm ci` installs under node_modules/.bin
 * (that one is first on PATH only inside `npm run` scripts): Pulumi's Node.js language host runs the program with
 * the first `node` on PATH (`exec.LookPath("node")`, pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * commit 27c845d92e36a4ff46fe693740b7f9adea247028). @pulumi/pulumi 3.270 declares `engines.node >=22` and loads on
 * older Node without complaint, so the program checks for itself, first, before any resource exists.
 */
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import { projectRoot } from "./script";

/** What `npm run up` and the program say when the Node found is too old; undefined when it satisfies `required`. */
export function nodeVersionProblem(found: { version: string; execPath: string }, required: string): string | undefined {
    if (semver.satisfies(semver.coerce(found.version) ?? "0.0.0", required)) return undefined;
    return `Node.js ${found.version} (${found.execPath}) is too old: this program needs Node.js ${required} (package.json "engines"). ` +
        "`pulumi up` runs it with the first `node` on PATH, not the one `npm ci` put in node_modules/.bin. " +
        "Fix: install Node.js 22 (https://nodejs.org, `brew install node@22`, `nvm install 22`), " +
        "or run `npm run up -- --stack <stack>`, or put it first: `export PATH=\"$PWD/node_modules/.bin:$PATH\"`";
}

/** The Node.js range the project requires: package.json `engines.node`. */
export function requiredNode(root: string = projectRoot(__dirname)): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { engines?: { node?: string } };
    return pkg.engines?.node ?? "*";
}
