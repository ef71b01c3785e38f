import * as fs from "fs";
import * as os from "os";
import { ClusterConfig, ConfigError } from "../config";
import { ColimaHost, colimaHost, colimaHostProblems, colimaVmType } from "./colima-cli";
import { COLIMA_INSTALL_HINT, findOnPath } from "./ssh-config";

/** Set by `npm run render` and the test harness, which evaluate the program without touching this machine. */
export const SKIP_HOST_TOOLS_ENV = "K3S_CILIUM_SKIP_HOST_TOOLS";

/**
 * Lets `npm run render` and the tests evaluate as if on another host, so the rendered tree does not depend on the
 * reviewer's OS: `<platform>` or `<platform>:<os.release()>`, e.g. `linux`, `darwin:21.6.0` (macOS 12). A bare
 * `darwin` means a current macOS (13 or newer).
 */
export const PLATFORM_ENV = "K3S_CILIUM_PLATFORM";

export function hostPlatform(env: NodeJS.ProcessEnv = process.env): NodeJS.Platform {
    return hostColima(env).platform;
}

/** The host as Colima sees it (which `colima start` flags and VM types exist). */
export function hostColima(env: NodeJS.ProcessEnv = process.env): ColimaHost {
    const override = env[PLATFORM_ENV];
    if (!override) return colimaHost(process.platform, os.release());
    const [platform, release] = override.split(":") as [NodeJS.Platform, string | undefined];
    return colimaHost(platform, release ?? (platform === "darwin" ? "24.0.0" : os.release()));
}

/**
 * The local stack drives `colima` on this machine: without it, stop before anything is created. A QEMU VM also
 * needs `qemu-img`, which Colima looks up before it starts one (abiosoft/colima v0.10.3 util/qemu.go AssertQemuImg,
 * called by configmanager.ValidateConfig for vmType qemu), failing only after `pulumi up` has begun.
 */
export function hostToolProblems(config: ClusterConfig, pathEnv: string | undefined, exists: (f: string) => boolean,
    host: ColimaHost = hostColima()): string[] {
    if (config.provider !== "colima") return [];
    const problems: string[] = [];
    if (!findOnPath("colima", pathEnv, exists)) {
        problems.push(`colima is not installed (not found on PATH); the ${config.stack} stack runs k3s in a Colima VM: ${COLIMA_INSTALL_HINT}`);
    }
    if (colimaVmType(config.colima.vmType, host) === "qemu" && !findOnPath("qemu-img", pathEnv, exists)) {
        problems.push(`qemu-img is not installed (not found on PATH); Colima's qemu VM type needs QEMU: ` +
            `macOS: brew install qemu; Linux: install your distribution's QEMU (e.g. apt-get install qemu-system qemu-utils)`);
    }
    return problems;
}

/**
 * Config this host cannot run (e.g. colimaVmType vz on Linux) is a ConfigError, checked even where the tools
 * themselves are not looked up (render, tests); then the tools.
 */
export function assertHostTools(config: ClusterConfig, env: NodeJS.ProcessEnv = process.env): void {
    const configProblems = colimaHostProblems(config, hostColima(env));
    if (configProblems.length) throw new ConfigError(configProblems);
    if (env[SKIP_HOST_TOOLS_ENV] === "1") return;
    const problems = hostToolProblems(config, env.PATH, f => {
        try { fs.accessSync(f, fs.constants.X_OK); return true; } catch { return false; }
    });
    if (problems.length) throw new Error(problems.join("\n"));
}
