import * as fs from "fs";
import { ClusterConfig } from "../config";
import { COLIMA_INSTALL_HINT, findOnPath } from "./ssh-config";

/** Set by `npm run render` and the test harness, which evaluate the program without touching this machine. */
export const SKIP_HOST_TOOLS_ENV = "K3S_CILIUM_SKIP_HOST_TOOLS";

/** Lets `npm run render` evaluate as if on Linux, so the rendered tree does not depend on the reviewer's OS. */
export const PLATFORM_ENV = "K3S_CILIUM_PLATFORM";

export function hostPlatform(env: NodeJS.ProcessEnv = process.env): NodeJS.Platform {
    return (env[PLATFORM_ENV] as NodeJS.Platform | undefined) ?? process.platform;
}

/** The local stack drives `colima` on this machine: without it, stop before anything is created. */
export function hostToolProblems(config: ClusterConfig, pathEnv: string | undefined, exists: (f: string) => boolean): string[] {
    if (config.provider !== "colima") return [];
    return findOnPath("colima", pathEnv, exists)
        ? []
        : [`colima is not installed (not found on PATH); the ${config.stack} stack runs k3s in a Colima VM: ${COLIMA_INSTALL_HINT}`];
}

export function assertHostTools(config: ClusterConfig, env: NodeJS.ProcessEnv = process.env): void {
    if (env[SKIP_HOST_TOOLS_ENV] === "1") return;
    const problems = hostToolProblems(config, env.PATH, f => {
        try { fs.accessSync(f, fs.constants.X_OK); return true; } catch { return false; }
    });
    if (problems.length) throw new Error(problems.join("\n"));
}
