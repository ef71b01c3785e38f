import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Sandbox, sandbox, scriptPath } from "./shell";

const restore = scriptPath("k3s", "restore.sh");

/** A server: systemctl keeps k3s' state in a file; k3s logs its calls; the data dirs live in the sandbox. */
function server(opts: { active?: boolean; systemctl?: string; k3s?: string; s3?: boolean } = {}): { sb: Sandbox; env: Record<string, string> } {
    const sb = sandbox();
    const env = { K3S_CONFIG_DIR: path.join(sb.dir, "etc"), DATA_DIR: path.join(sb.dir, "data"), STATE_DIR: path.join(sb.dir, "state") };
    for (const d of Object.values(env)) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(env.K3S_CONFIG_DIR, "config.yaml"), `token: original\n${opts.s3 ? "etcd-s3: true\netcd-s3-bucket: b\n" : ""}`);
    fs.writeFileSync(path.join(env.STATE_DIR, "k3s-applied"), "v1.33.5+k3s1 digest\n");
    if (opts.active !== false) fs.writeFileSync(path.join(sb.dir, "active"), "");
    sb.stub("systemctl", opts.systemctl ?? `
case "$1" in
  is-active) [ -f "$STUB_DIR/active" ] ;;
  stop) log "systemctl stop $2"; rm -f "$STUB_DIR/active" ;;
  start) log "systemctl start $2"; touch "$STUB_DIR/active" ;;
esac`);
    sb.stub("k3s", opts.k3s ?? 'log "k3s $*"');
    return { sb, env };
}

describe("scripts: restore.sh (k3s cluster-reset path)", () => {
    it("stop: stops a running k3s and forgets start.sh's record; a stopped one is left alone", () => {
        const { sb, env } = server();
        const r = sb.run(restore, ["stop", "server-2", 30], { env });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), ["systemctl stop k3s"]);
        assert.ok(!fs.existsSync(path.join(env.STATE_DIR, "k3s-applied")), "the next pulumi up starts it again");
        const again = sb.run(restore, ["stop", "server-2", 30], { env });
        assert.match(again.stdout, /^server-2: restore: k3s is stopped$/m);
        assert.deepStrictEqual(sb.calls(), ["systemctl stop k3s"], "no second stop");
    });

    it("stop: a failing or hanging stop is one line, and nothing is reset", () => {
        const failing = server({ systemctl: '[ "$1" = is-active ] && exit 0; exit 5' });
        const r = failing.sb.run(restore, ["stop", "server-1", 30], { env: failing.env });
        assert.deepStrictEqual([r.code, r.stderr], [1, "server-1: restore: ERROR: systemctl stop k3s failed (exit 5); nothing was reset\n"]);
        const hanging = server({ systemctl: '[ "$1" = is-active ] && exit 0; sleep 5' });
        const h = hanging.sb.run(restore, ["stop", "server-1", 1], { env: hanging.env });
        assert.deepStrictEqual([h.code, h.stderr], [1, "server-1: restore: ERROR: k3s did not stop within 1s; nothing was reset (see: journalctl -u k3s)\n"]);
    });

    it("reset: a local snapshot by name, from the snapshot directory, with the config.yaml token left as it is", () => {
        const { sb, env } = server({ active: false });
        const snapDir = path.join(env.DATA_DIR, "server", "db", "snapshots");
        fs.mkdirSync(snapDir, { recursive: true });
        fs.writeFileSync(path.join(snapDir, "on-demand-server-1-1700000000"), "db");
        const r = sb.run(restore, ["reset", "server-1", "on-demand-server-1-1700000000", 60], { env });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), [`k3s server --cluster-reset --cluster-reset-restore-path=${snapDir}/on-demand-server-1-1700000000`]);
        assert.strictEqual(fs.readFileSync(path.join(env.K3S_CONFIG_DIR, "config.yaml"), "utf8"), "token: original\n");
    });

    it("reset: with etcd-s3 on, the snapshot is a name in the bucket (k3s reads the S3 settings from config.yaml)", () => {
        const { sb, env } = server({ active: false, s3: true });
        assert.strictEqual(sb.run(restore, ["reset", "server-1", "etcd-snapshot-server-1-1700000000", 60], { env }).code, 0);
        assert.deepStrictEqual(sb.calls(), ["k3s server --cluster-reset --cluster-reset-restore-path=etcd-snapshot-server-1-1700000000"]);
    });

    it("reset: refused while k3s runs, without the snapshot, or without config.yaml; a failed or hung reset is one line", () => {
        const running = server();
        const r1 = running.sb.run(restore, ["reset", "server-1", "/snap", 60], { env: running.env });
        assert.deepStrictEqual([r1.code, r1.stderr], [1, "server-1: restore: ERROR: k3s is still running here: stop k3s on every server first (restore.sh stop)\n"]);
        const missing = server({ active: false });
        const r2 = missing.sb.run(restore, ["reset", "server-1", "nope", 60], { env: missing.env });
        assert.match(r2.stderr, /^server-1: restore: ERROR: snapshot .*\/server\/db\/snapshots\/nope not found on this server and etcd-s3 is off \(list them: k3s etcd-snapshot ls\)\n$/);
        const noConfig = server({ active: false });
        fs.rmSync(path.join(noConfig.env.K3S_CONFIG_DIR, "config.yaml"));
        assert.match(noConfig.sb.run(restore, ["reset", "server-1", "x", 60], { env: noConfig.env }).stderr, /no .*config\.yaml: the token to restore with is in it/);
        for (const s of [running, missing, noConfig]) assert.deepStrictEqual(s.sb.calls(), [], "k3s never ran");
        const failing = server({ active: false, s3: true, k3s: "exit 3" });
        const r3 = failing.sb.run(restore, ["reset", "server-1", "snap", 60], { env: failing.env });
        assert.deepStrictEqual([r3.code, r3.stderr.split("\n").filter(Boolean)], [1, ["server-1: restore: ERROR: k3s server --cluster-reset failed (exit 3); k3s stays stopped, the other servers too"]]);
        const hung = server({ active: false, s3: true, k3s: "sleep 5" });
        assert.match(hung.sb.run(restore, ["reset", "server-1", "snap", 1], { env: hung.env }).stderr, /^server-1: restore: ERROR: k3s server --cluster-reset did not finish within 1s/);
    });

    it("rejoin: stop, old etcd data moved aside (not deleted), start, /readyz; bounded when the API never answers", () => {
        const { sb, env } = server();
        fs.mkdirSync(path.join(env.DATA_DIR, "server", "db", "etcd"), { recursive: true });
        const r = sb.run(restore, ["rejoin", "server-2", 30], { env });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), ["systemctl stop k3s", "systemctl start k3s", "k3s kubectl get --raw /readyz"]);
        const kept = fs.readdirSync(path.join(env.DATA_DIR, "server"));
        assert.ok(!kept.includes("db") && kept.some(d => /^db-before-restore-\d{14}$/.test(d)), kept.join(","));
        const deaf = server({ k3s: "exit 1" });
        const d = deaf.sb.run(restore, ["rejoin", "server-3", 1], { env: deaf.env });
        assert.deepStrictEqual([d.code, d.stderr], [1, "server-3: restore: ERROR: k3s started but /readyz did not answer ok within 1s (see: journalctl -u k3s)\n"]);
    });

    it("usage errors exit 2", () => {
        const { sb, env } = server();
        assert.strictEqual(sb.run(restore, ["reset", "server-1", 60], { env }).code, 2);
        assert.strictEqual(sb.run(restore, ["wipe", "server-1", 60], { env }).code, 2);
    });
});
