import * as assert from "assert";
import * as YAML from "yaml";
import { validateConfig } from "../components/config";
import { EtcdBackupInput, etcdBackupK3sKeys, etcdBackupProblems } from "../components/k3s/backup";
import { redactK3sConfig } from "../components/k3s/config";
import { K3S_SERVER_FLAGS } from "./contracts/k3s-flags";
import { runProgram, stackConfig } from "./harness";

const ON: EtcdBackupInput = {
    provider: "hetzner", etcdS3Backups: true, etcdS3Endpoint: "fsn1.your-objectstorage.com", etcdS3Bucket: "k3s-prod-etcd",
    etcdS3Region: "fsn1", etcdS3Folder: "k3s/prod", etcdSnapshotSchedule: "0 */6 * * *", etcdSnapshotRetention: 10,
    accessKeySet: true, secretKeySet: true,
};
const S3_SECRETS = { "k3s-cilium:etcdS3AccessKey": "AKIA-TEST-ACCESS", "k3s-cilium:etcdS3SecretKey": "test-secret-key-value" };
const S3_ON = { etcdS3Backups: true, etcdS3Endpoint: "fsn1.your-objectstorage.com", etcdS3Bucket: "k3s-prod-etcd", etcdS3Folder: "k3s/prod" };

describe("etcd backups: config rule (pure)", () => {
    const cases: [string, Partial<EtcdBackupInput>, string[]][] = [
        ["a complete S3 setup", {}, []],
        ["off: S3 keys are not judged", { etcdS3Backups: false, etcdS3Endpoint: "", etcdS3Bucket: "", accessKeySet: false, secretKeySet: false }, []],
        ["endpoint with scheme", { etcdS3Endpoint: "https://fsn1.your-objectstorage.com" }, ["etcdS3Endpoint"]],
        ["endpoint missing", { etcdS3Endpoint: "" }, ["etcdS3Endpoint"]],
        ["bucket with capitals", { etcdS3Bucket: "K3s_Etcd" }, ["etcdS3Bucket"]],
        ["folder with a leading slash", { etcdS3Folder: "/k3s" }, ["etcdS3Folder"]],
        ["region with a space", { etcdS3Region: "eu central" }, ["etcdS3Region"]],
        ["no credentials", { accessKeySet: false, secretKeySet: false }, ["etcdS3AccessKey", "etcdS3SecretKey"]],
        ["four-field cron", { etcdSnapshotSchedule: "0 */6 * *" }, ["etcdSnapshotSchedule"]],
        ["cron descriptor", { etcdSnapshotSchedule: "@daily" }, []],
        ["retention 0, even with backups off", { etcdS3Backups: false, etcdSnapshotRetention: 0 }, ["etcdSnapshotRetention"]],
    ];
    for (const [why, change, keys] of cases) {
        it(`${why}: ${keys.length ? keys.join(", ") : "accepted"}`, () => {
            assert.deepStrictEqual(etcdBackupProblems({ ...ON, ...change }).map(([k]) => k), keys);
        });
    }

    it("messages name the switch and how to set a missing credential as a secret", () => {
        const [[, text]] = etcdBackupProblems({ ...ON, accessKeySet: false });
        assert.match(text, /^k3s-cilium:etcdS3Backups is true .*pulumi config set --secret k3s-cilium:etcdS3AccessKey/);
    });

    it("k3s' own defaults are not rendered (no restart of every server for nothing)", () => {
        assert.deepStrictEqual(etcdBackupK3sKeys({ s3: false, endpoint: "", bucket: "", region: "", folder: "", schedule: "0 */12 * * *", retention: 5 }), {});
    });
});

describe("etcd backups: validation", () => {
    const ctx = { stack: "prod", hcloudTokenSet: true, secretKeys: ["k3s-cilium:etcdS3SecretKey"] };
    it("refuses a plain-text access key without echoing it, with the command that stores it as a secret", () => {
        const r = validateConfig({ ...stackConfig("prod", S3_ON), ...S3_SECRETS }, ctx);
        assert.ok(!r.ok);
        const line = r.errors.find(e => e.startsWith("k3s-cilium:etcdS3AccessKey"));
        assert.match(line ?? "", /^k3s-cilium:etcdS3AccessKey = \(plain text, not shown\): .*pulumi config set --secret k3s-cilium:etcdS3AccessKey --stack prod/);
        assert.ok(!r.errors.join("\n").includes("AKIA-TEST-ACCESS"));
    });

    it("refuses backups on without a bucket, naming the key", () => {
        const r = validateConfig({ ...stackConfig("prod", { ...S3_ON, etcdS3Bucket: "" }), ...S3_SECRETS },
            { ...ctx, secretKeys: Object.keys(S3_SECRETS) });
        assert.ok(!r.ok);
        assert.deepStrictEqual(r.errors.filter(e => e.includes("etcdS3")).map(e => e.split(" ")[0]), ["k3s-cilium:etcdS3Bucket"]);
    });
});

describe("etcd backups: what the servers get", () => {
    const cfg = (g: Awaited<ReturnType<typeof runProgram>>, node: string) => g.resources.find(r => r.name === `${node}-install`) ?? g.get(`${node}-converge`);

    it("every server's config.yaml enables the S3 upload with the secret credentials; agents get none of it", async () => {
        const g = await runProgram({ stack: "prod", overrides: { ...S3_ON, etcdSnapshotRetention: 10 }, extra: S3_SECRETS });
        for (const n of ["k3s-cilium-server-1", "k3s-cilium-server-2", "k3s-cilium-server-3"]) {
            const install = cfg(g, n);
            const doc = YAML.parse(install.inputs.stdin);
            assert.deepStrictEqual(
                [doc["etcd-s3"], doc["etcd-s3-endpoint"], doc["etcd-s3-bucket"], doc["etcd-s3-folder"], doc["etcd-snapshot-retention"], doc["etcd-s3-access-key"], doc["etcd-s3-secret-key"]],
                [true, "fsn1.your-objectstorage.com", "k3s-prod-etcd", "k3s/prod", 10, "AKIA-TEST-ACCESS", "test-secret-key-value"], n);
            for (const key of Object.keys(doc)) assert.ok(K3S_SERVER_FLAGS.has(key), `${n}: ${key} is not a k3s server flag`);
            assert.ok(install.secretInputs.includes("stdin"), `${n}: the credentials travel only on secret stdin`);
            assert.ok(!install.inputs.create.includes("test-secret-key-value"), `${n}: never on the command line`);
            const redacted = redactK3sConfig(doc);
            assert.ok(!JSON.stringify(redacted).includes("test-secret-key-value"), "npm run render never shows them");
        }
        const agent = cfg(g, "k3s-cilium-agent-1");
        assert.ok(!/etcd/.test(agent.inputs.stdin), "agents: k3s agent refuses any server flag");
    });

    it("off (the default): no etcd key at all, so existing servers see no config change", async () => {
        const g = await runProgram({ stack: "prod" });
        assert.ok(!/etcd/.test(cfg(g, "k3s-cilium-server-1").inputs.stdin));
    });
});
