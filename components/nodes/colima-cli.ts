import { ClusterConfig } from "../config";

/**
 * What the Colima CLI offers on the machine that runs `pulumi up`. Colima registers some `colima start` flags only
 * on some hosts (abiosoft/colima cmd/start.go at tag v0.10.3, commit 00f6c297e92a82c04a4ab507db0a61435650d7e8):
 * `--vm-type` exists only when `util.MacOS13OrNewer()`, and `vz` is a valid vmType only there
 * (config/configmanager/configmanager.go ValidateConfig); on Linux Colima is QEMU-only and rejects the flag
 * ("unknown flag: --vm-type").
 */
export interface ColimaHost {
    platform: NodeJS.Platform;
    /** macOS 13 Ventura or newer (Darwin kernel 22 or newer). */
    macos13OrNewer: boolean;
}

/** macOS 13 Ventura ships Darwin 22 (`uname -r`/os.release() "22.x.y"); Colima's check is the same boundary. */
const DARWIN_MAJOR_OF_MACOS_13 = 22;

export function colimaHost(platform: NodeJS.Platform, osRelease: string): ColimaHost {
    const darwinMajor = Number(osRelease.split(".")[0]);
    return { platform, macos13OrNewer: platform === "darwin" && darwinMajor >= DARWIN_MAJOR_OF_MACOS_13 };
}

export function describeHost(host: ColimaHost): string {
    if (host.platform !== "darwin") return host.platform;
    return host.macos13OrNewer ? "macOS 13 or newer" : "macOS 12 or older";
}

/**
 * The `--vm-type` value to pass, or undefined when the flag must not be passed because this host's Colima does
 * not define it (there QEMU is the only VM type, so "auto" and "qemu" mean the same). `vz` on such a host is a
 * config error (colimaHostProblems) and never reaches here in a valid run.
 */
export function colimaVmTypeFlag(configured: "auto" | "vz" | "qemu", host: ColimaHost): "vz" | "qemu" | undefined {
    if (!host.macos13OrNewer) return undefined;
    return configured === "auto" ? "vz" : configured;
}

/** The VM type the profile ends up with (for outputs and messages). */
export function colimaVmType(configured: "auto" | "vz" | "qemu", host: ColimaHost): "vz" | "qemu" {
    return colimaVmTypeFlag(configured, host) ?? "qemu";
}

/**
 * Every flag colima-up.sh passes to `colima start` (after `--profile`), each one defined by Colima on this host
 * (cmd/start.go, v0.10.3):
 * - `--cpus`/`--memory`/`--disk`: VM size (`--cpu` is a hidden legacy alias; the documented name is used).
 * - `--runtime containerd`: no Docker daemon; k3s brings its own containerd.
 * - `--kubernetes=false`: k3s is installed over SSH like on Hetzner, never Colima's own k3s (a user template with
 *   `kubernetes.enabled: true` would otherwise start a second one).
 * - `--template=false`: a user's `colima template` must not change this VM (mounts, networks, provisioning).
 * - `--save-config=true`: the flags are written to the profile's colima.yaml, so a later plain
 *   `colima start --profile <p>` (after a reboot) starts the same VM; COLIMA_SAVE_CONFIG=false would drop them.
 * - `--mount none`: no host directory in the VM. Without it Colima mounts the user's home directory writable
 *   (environment/vm/lima/yaml.go: an empty mount list becomes `{Location: "~", Writable: true}`; cmd/start.go
 *   mountsFromFlag turns "none" into no mounts).
 * - `--ssh-port <colimaSshPort>`: becomes Lima's `ssh.localPort` (yaml.go `LocalPort: conf.SSHPort`). With 0,
 *   Lima's host agent picks a free port at every VM start (lima-vm/lima v2.2.0 pkg/hostagent/hostagent.go
 *   determineSSHLocalPort → freeport.TCP()), and after a reboot the program would dial a dead port.
 */
export function colimaStartFlags(colima: ClusterConfig["colima"], host: ColimaHost): string[] {
    const vmType = colimaVmTypeFlag(colima.vmType, host);
    return [
        "--cpus", String(colima.cpus),
        "--memory", String(colima.memoryGiB),
        "--disk", String(colima.diskGiB),
        ...(vmType ? ["--vm-type", vmType] : []),
        "--runtime", "containerd",
        "--mount", "none",
        "--ssh-port", String(colima.sshPort),
        "--kubernetes=false",
        "--template=false",
        "--save-config=true",
    ];
}

/** Config that this host's Colima cannot run: checked before any resource exists. */
export function colimaHostProblems(config: Pick<ClusterConfig, "provider" | "colima">, host: ColimaHost): string[] {
    if (config.provider !== "colima") return [];
    const problems: string[] = [];
    if (config.colima.vmType === "vz" && !host.macos13OrNewer) {
        problems.push(`k3s-cilium:colimaVmType = "vz": Colima offers the vz VM type only on macOS 13 or newer ` +
            `(this host: ${describeHost(host)}); accepted: auto or qemu`);
    }
    return problems;
}
