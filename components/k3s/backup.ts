/**
 * etcd backups off the machines: k3s' own scheduled snapshots, uploaded to S3-compatible storage. Pure: the config
 * rule (validateConfig runs it through components/config/rules/index.ts) and the server config keys.
 *
 * The keys are `k3s server` flags (test/contracts/k3s-flags.ts, from k3s pkg/cli/cmds/server.go; the same flags
 * with the `etcd-` prefix dropped are `k3s etcd-snapshot`'s: `s3-endpoint` alias `etcd-s3-endpoint`, "(db) S3
 * endpoint url", default "s3.amazonaws.com", a host name without scheme). docs.k3s.io/cli/etcd-snapshot: scheduled
 * snapshots run at `etcd-snapshot-schedule-cron` (default: every 12 hours) and keep `etcd-snapshot-retention`
 * (default 5) on each server, and with `etcd-s3` each is also uploaded to the bucket.
 * The credentials are secret config keys and reach the servers only inside config.yaml, which travels on the
 * install command's stdin (secret) and is written 0600 (configure.sh).
 */
import { qualified } from "../config/keys";

export interface EtcdBackupInput {
    provider: string;
    etcdS3Backups: boolean;
    etcdS3Endpoint: string;
    etcdS3Bucket: string;
    etcdS3Region: string;
    etcdS3Folder: string;
    etcdSnapshotSchedule: string;
    etcdSnapshotRetention: number;
    /** Whether each credential is set (their values never reach a rule). */
    accessKeySet: boolean;
    secretKeySet: boolean;
}

/** k3s' own defaults (docs.k3s.io/cli/etcd-snapshot): rendered only when they differ, so no server restarts for nothing. */
export const K3S_SNAPSHOT_DEFAULTS = Object.freeze({ schedule: "0 */12 * * *", retention: 5 });

/** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A host name or IP with an optional port, no scheme or path (k3s builds the URL itself). */
const ENDPOINT = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;
/** Five cron fields of the characters cron specs use (robfig/cron, which k3s' scheduler uses, also takes descriptors). */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|([0-9*/,-]+\s+){4}[0-9*/,A-Za-z-]+)$/;

/** Every problem with the backup keys, as [config key, message]. */
export function etcdBackupProblems(v: EtcdBackupInput): [string, string][] {
    const out: [string, string][] = [];
    const push = (key: string, text: string) => out.push([key, text]);
    if (!CRON.test(v.etcdSnapshotSchedule.trim())) {
        push("etcdSnapshotSchedule", `accepted: a five-field cron spec such as "${K3S_SNAPSHOT_DEFAULTS.schedule}" (k3s etcd-snapshot-schedule-cron)`);
    }
    if (!Number.isInteger(v.etcdSnapshotRetention) || v.etcdSnapshotRetention < 1) {
        push("etcdSnapshotRetention", "accepted: a whole number of snapshots to keep, at least 1 (k3s etcd-snapshot-retention)");
    }
    if (!v.etcdS3Backups) return out;
    if (!ENDPOINT.test(v.etcdS3Endpoint)) {
        push("etcdS3Endpoint", `${qualified("etcdS3Backups")} is true and needs the S3 host name, without https:// or a path (e.g. fsn1.your-objectstorage.com or s3.amazonaws.com)`);
    }
    if (!BUCKET.test(v.etcdS3Bucket)) {
        push("etcdS3Bucket", `${qualified("etcdS3Backups")} is true and needs an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens`);
    }
    if (v.etcdS3Folder.startsWith("/") || v.etcdS3Folder.endsWith("/")) {
        push("etcdS3Folder", "accepted: a folder inside the bucket without leading or trailing slash (e.g. k3s/prod), or empty");
    }
    if (v.etcdS3Region !== "" && !/^[a-z0-9-]+$/.test(v.etcdS3Region)) {
        push("etcdS3Region", "accepted: a region name such as us-east-1 or fsn1, or empty for k3s' default us-east-1");
    }
    // Hetzner and Colima machines have no instance-profile credentials to fall back on: both keys are required.
    for (const [key, set] of [["etcdS3AccessKey", v.accessKeySet], ["etcdS3SecretKey", v.secretKeySet]] as const) {
        if (!set) push(key, `${qualified("etcdS3Backups")} is true and the bucket needs this credential: pulumi config set --secret ${qualified(key)} (then paste it)`);
    }
    return out;
}

/** What ClusterConfig carries about backups (no credentials: those are ConfigSecrets). */
export interface EtcdBackupConfig {
    readonly s3: boolean;
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    readonly folder: string;
    readonly schedule: string;
    readonly retention: number;
}

/** The server config.yaml keys for backups, without credentials (those are added with the tokens, as secrets). */
export function etcdBackupK3sKeys(b: EtcdBackupConfig): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (b.schedule !== K3S_SNAPSHOT_DEFAULTS.schedule) out["etcd-snapshot-schedule-cron"] = b.schedule;
    if (b.retention !== K3S_SNAPSHOT_DEFAULTS.retention) out["etcd-snapshot-retention"] = b.retention;
    if (!b.s3) return out;
    Object.assign(out, { "etcd-s3": true, "etcd-s3-endpoint": b.endpoint, "etcd-s3-bucket": b.bucket });
    if (b.region) out["etcd-s3-region"] = b.region;
    if (b.folder) out["etcd-s3-folder"] = b.folder;
    return out;
}

/** The S3 credentials as config.yaml keys (secret values; only for servers with backups on). */
export function etcdS3CredentialKeys(b: Pick<EtcdBackupConfig, "s3">, creds: { accessKey: string; secretKey: string } | undefined): Record<string, string> {
    if (!b.s3 || !creds) return {};
    return { "etcd-s3-access-key": creds.accessKey, "etcd-s3-secret-key": creds.secretKey };
}
