import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { qualified } from "./keys";
import { ClusterConfig, ConfigError, validateConfig } from "./validate";

export * from "./keys";
export * from "./validate";
export * from "./versions";
export * from "./cidr";
export * from "./stack-file";

/** Secrets the program needs, kept out of ClusterConfig so that rendering the config never shows them. */
export interface ConfigSecrets {
    /** Configured SSH private key (secret), or undefined when a key pair is generated per stack. */
    sshPrivateKey?: pulumi.Output<string>;
    /** Hetzner API token (`hcloud:token` or HCLOUD_TOKEN; secret), for the in-cluster Hetzner controllers. */
    hcloudToken: pulumi.Output<string>;
    /** S3 credentials of the etcd snapshot upload (secret), when etcdS3Backups is on. */
    etcdS3?: pulumi.Output<{ accessKey: string; secretKey: string }>;
}

/**
 * The size of the machine the program runs on (the Colima host), or undefined where the program is evaluated
 * elsewhere (tests, render). The switch is SKIP_HOST_TOOLS_ENV of components/nodes/host-tools.ts, named here
 * because that module imports this one.
 */
export function hostSize(env: NodeJS.ProcessEnv = process.env): { cpus: number; memoryGiB: number } | undefined {
    return env.K3S_CILIUM_SKIP_HOST_TOOLS === "1" ? undefined : { cpus: os.cpus().length, memoryGiB: Math.floor(os.totalmem() / 2 ** 30) };
}

/**
 * The ONE place that reads stack config. Reads every key of the project namespace, validates it as a whole and
 * throws a ConfigError listing every problem before any resource exists.
 */
export function loadConfig(): { config: ClusterConfig; secrets: ConfigSecrets } {
    // Every namespace: a near-miss namespace (k3s-cillium:) and a plain-text hcloud:token are refused by the rules.
    const raw: Record<string, string> = { ...pulumi.runtime.allConfig() };
    const hcloudToken = raw["hcloud:token"] ?? process.env.HCLOUD_TOKEN ?? "";
    // The runtime knows which keys were set with --secret; their values never appear in an error message.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
    const secretKeys = Object.keys(raw).filter(k => runtimeConfig.isConfigSecret?.(k));
    const host = hostSize();
    const result = validateConfig(raw, { stack: pulumi.getStack(), hcloudTokenSet: hcloudToken !== "", secretKeys, host });
    if (!result.ok) {
        throw new ConfigError(result.errors);
    }
    const privateKey = raw[qualified("sshPrivateKey")];
    return {
        config: result.config,
        secrets: {
            sshPrivateKey: privateKey ? pulumi.secret(privateKey) : undefined, hcloudToken: pulumi.secret(hcloudToken),
            etcdS3: result.config.backup.s3 ? pulumi.secret({
                accessKey: raw[qualified("etcdS3AccessKey")] ?? "", secretKey: raw[qualified("etcdS3SecretKey")] ?? "",
            }) : undefined,
        },
    };
}
