/**
 * The day-2 scripts under bash with a stubbed cluster: remove-server.sh (etcd member, Node, node password of a
 * server, from a survivor), drain.sh (an agent's Node and node password; no drain when NotReady) and etcd-guard.sh
 * (an empty server never bootstraps a second cluster nor waits forever for none). Every step's failure is one line,
 * bounded, and says what was and was not done.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { sandbox, Sandbox, scriptPath } from "./shell";

const removeServer = scriptPath("k3s", "remove-server.sh");
const drain = scriptPath("k3s", "drain.sh");
const guard = scriptPath("k3s", "etcd-guard.sh");

/**
 * A cluster as `k3s kubectl` sees it, in files: nodes/<name> (exists), nodes/<name>.ready (True/False),
 * nodes/<name>.server (an etcd member), nodes/<name>.removed (k3s' removed-node-name annotation). Behaviour files:
 * `k3s-removes` (k3s' member controller acts on the annotation), `fail-<verb>` (that kubectl verb fails).
 */
function cluster(nodes: { name: string; server?: boolean; ready?: boolean }[]): Sandbox {
    const sb = sandbox();
    const dir = path.join(sb.dir, "nodes");
    fs.mkdirSync(dir);
    for (const n of nodes) {
        fs.writeFileSync(path.join(dir, n.name), "");
        fs.writeFileSync(path.join(dir, `${n.name}.ready`), n.ready === false ? "False" : "True");
        if (n.server) fs.writeFileSync(path.join(dir, `${n.name}.server`), "");
    }
    sb.stub("k3s", `[ "$1" = kubectl ] || exit 2; shift
N="$STUB_DIR/nodes"
fails() { [ -f "$STUB_DIR/fail-$1" ]; }
case "$*" in
  "get node "*" -o jsonpath={.status.conditions"*) cat "$N/$3.ready" ;;
  "get node "*" -o jsonpath={.metadata.annotations"*) cat "$N/$3.removed" 2>/dev/null || true ;;
  "get node "*) [ -f "$N/$3" ] ;;
  "get nodes -l node-role.kubernetes.io/etcd=true"*) fails list && exit 1
    for f in "$N"/*.server; do n=$(basename "$f" .server); [ -f "$N/$n" ] && echo "$n $(cat "$N/$n.ready")"; done ;;
  "annotate node "*) log "annotate $3 $4"; fails annotate && exit 1
    [ -f "$STUB_DIR/k3s-removes" ] && echo "$3-0a1b2c3d" > "$N/$3.removed"; true ;;
  "drain "*) log "drain $*"; fails drain && exit 1; true ;;
  "delete node "*) log "delete node $3"; fails delete-node && exit 1; rm -f "$N/$3" ;;
  "-n kube-system delete secret "*) log "delete secret $5"; fails delete-secret && exit 1; true ;;
  *) echo "unexpected kubectl $*" >&2; exit 3 ;;
esac`);
    return sb;
}
const touch = (sb: Sandbox, name: string) => fs.writeFileSync(path.join(sb.dir, name), "");
const SERVERS = [{ name: "s1", server: true }, { name: "s2", server: true }, { name: "s3", server: true }];

describe("remove-server.sh: a server's etcd member, Node and node password, removed from a survivor", () => {
    it("annotates for etcd removal, waits for k3s to record it, then deletes the Node and the node password", () => {
        const sb = cluster(SERVERS);
        touch(sb, "k3s-removes");
        const r = sb.run(removeServer, ["s3", "s1", 10]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), ["annotate s3 etcd.k3s.cattle.io/remove=true", "delete node s3", "delete secret s3.node-password.k3s"]);
        assert.strictEqual(r.stdout, "s3: leave: etcd member s3-0a1b2c3d removed\ns3: leave: etcd member, Node and node password removed\n");
    });

    it("is a no-op on the cluster's only server and for a node already gone (but clears a stale node password)", () => {
        const lone = cluster([{ name: "s1", server: true }]);
        assert.match(lone.run(removeServer, ["s1", "s1"]).stdout, /only server: no other member to hand over to/);
        assert.deepStrictEqual(lone.calls(), []);
        const gone = cluster(SERVERS.slice(0, 2));
        const r = gone.run(removeServer, ["s3", "s1"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(gone.calls(), ["delete secret s3.node-password.k3s"]);
    });

    it("refuses while another server is NotReady (quorum), touching nothing", () => {
        const sb = cluster([{ name: "s1", server: true }, { name: "s2", server: true, ready: false }, { name: "s3", server: true }]);
        touch(sb, "k3s-removes");
        const r = sb.run(removeServer, ["s3", "s1", 1]);
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.stderr, "s3: leave: ERROR: server(s) s2 NotReady: removing an etcd member now could lose quorum; nothing was removed (bring them back, then run pulumi up again)\n");
        assert.deepStrictEqual(sb.calls(), []);
    });

    it("each step's failure is one line saying what is done and what is not", () => {
        const cases: { fail: string; removes: boolean; error: RegExp; calls: string[] }[] = [
            { fail: "list", removes: true, error: /could not list the servers; nothing was removed/, calls: [] },
            { fail: "annotate", removes: true, error: /could not annotate the node for etcd removal; nothing was removed/, calls: ["annotate s3 etcd.k3s.cattle.io/remove=true"] },
            { fail: "none", removes: false, error: /etcd member not removed within 1s \(no etcd.k3s.cattle.io\/removed-node-name annotation\); the node is still an etcd member and its Node is kept/, calls: ["annotate s3 etcd.k3s.cattle.io/remove=true"] },
            { fail: "delete-node", removes: true, error: /etcd member removed, but Node s3 could not be deleted: a replacement would be refused; run: k3s kubectl delete node s3/, calls: ["annotate s3 etcd.k3s.cattle.io/remove=true", "delete node s3"] },
            { fail: "delete-secret", removes: true, error: /etcd member and Node removed, but secret kube-system\/s3.node-password.k3s could not be deleted: a replacement would be rejected \("Node password rejected"\)/, calls: ["annotate s3 etcd.k3s.cattle.io/remove=true", "delete node s3", "delete secret s3.node-password.k3s"] },
        ];
        for (const c of cases) {
            const sb = cluster(SERVERS);
            if (c.removes) touch(sb, "k3s-removes");
            touch(sb, `fail-${c.fail}`);
            const r = sb.run(removeServer, ["s3", "s1", 1]);
            assert.strictEqual(r.code, 1, `${c.fail}: ${r.stdout}`);
            assert.strictEqual(r.stderr.split("\n").filter(Boolean).length, 1, `${c.fail}: one line: ${r.stderr}`);
            assert.match(r.stderr, /^s3: leave: ERROR: /);
            assert.match(r.stderr, c.error, c.fail);
            assert.deepStrictEqual(sb.calls(), c.calls, c.fail);
        }
    });
});

describe("drain.sh: an agent's Node and node password, before its machine goes or is replaced", () => {
    it("drains a Ready agent (bounded, --force), deletes its Node and node password", () => {
        const sb = cluster([{ name: "a1" }]);
        const r = sb.run(drain, ["a1", 60]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(sb.calls(), [
            "drain drain a1 --ignore-daemonsets --delete-emptydir-data --force --timeout=60s",
            "delete node a1", "delete secret a1.node-password.k3s"]);
    });

    it("does not drain a NotReady agent (its pods can never terminate): deletes it at once", () => {
        const sb = cluster([{ name: "a1", ready: false }]);
        const r = sb.run(drain, ["a1", 60]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /a1: drain: node is NotReady \(Ready=False\): its pods cannot terminate; deleting the node without draining/);
        assert.deepStrictEqual(sb.calls(), ["delete node a1", "delete secret a1.node-password.k3s"]);
    });

    it("a node already gone is success, and its stale node password is cleared", () => {
        const sb = cluster([]);
        assert.match(sb.run(drain, ["a1"]).stdout, /not in the cluster; nothing to drain/);
        assert.deepStrictEqual(sb.calls(), ["delete secret a1.node-password.k3s"]);
    });

    it("each step's failure is one line", () => {
        const cases: [string, RegExp][] = [
            ["drain", /a1: drain: ERROR: drain did not finish within 60s; the node is cordoned and kept/],
            ["delete-node", /a1: drain: ERROR: could not delete Node a1 .*run: k3s kubectl delete node a1/],
            ["delete-secret", /a1: drain: ERROR: Node deleted, but secret kube-system\/a1.node-password.k3s could not be deleted/],
        ];
        for (const [fail, error] of cases) {
            const sb = cluster([{ name: "a1" }]);
            touch(sb, `fail-${fail}`);
            const r = sb.run(drain, ["a1", 60]);
            assert.strictEqual(r.code, 1, fail);
            assert.strictEqual(r.stderr.split("\n").filter(Boolean).length, 1, `${fail}: ${r.stderr}`);
            assert.match(r.stderr, error);
        }
    });
});

describe("etcd-guard.sh: an empty server neither bootstraps a second cluster nor waits for none", () => {
    /** A server host: `etcd-data` makes the WAL directory exist; `answers-<addr>` makes that peer answer /cacerts. */
    function host(): Sandbox {
        const sb = sandbox();
        sb.stub("curl", 'log "curl $*"; for a in "$@"; do case "$a" in https://*) h=${a#https://}; h=${h%%/*}; h=${h%:*}; h=${h#[}; h=${h%]}; [ -f "$STUB_DIR/answers-$h" ] && exit 0 ;; esac; done; exit 7');
        return sb;
    }
    const env = (sb: Sandbox) => ({ K3S_DATA_DIR: path.join(sb.dir, "k3s") });
    const withData = (sb: Sandbox) => fs.mkdirSync(path.join(sb.dir, "k3s", "server", "db", "etcd", "member", "wal"), { recursive: true });

    it("a server with etcd data restarts as the existing member in either mode, probing nothing", () => {
        for (const mode of ["init", "join"]) {
            const sb = host();
            withData(sb);
            const r = sb.run(guard, ["s1", mode, 6443, 5, "10.0.1.11"], { env: env(sb) });
            assert.strictEqual(r.code, 0, r.stderr);
            assert.strictEqual(r.stdout, "s1: etcd: local etcd data present: k3s restarts as the existing member\n");
            assert.deepStrictEqual(sb.calls(), []);
        }
    });

    it("init: bootstraps when no other server answers; refuses (one line, nothing started) when one does", () => {
        const fresh = host();
        const ok = fresh.run(guard, ["s1", "init", 6443, 5, "10.0.1.11", "10.0.1.12"], { env: env(fresh) });
        assert.strictEqual(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /no local etcd data and no other server answers \(10.0.1.11 10.0.1.12\): bootstrapping a new cluster/);
        assert.deepStrictEqual(fresh.calls(), ["curl -ksf --max-time 5 -o /dev/null https://10.0.1.11:6443/cacerts", "curl -ksf --max-time 5 -o /dev/null https://10.0.1.12:6443/cacerts"]);
        const live = host();
        touch(live, "answers-10.0.1.12");
        const r = live.run(guard, ["s1", "init", 6443, 5, "10.0.1.11", "10.0.1.12"], { env: env(live) });
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.stderr.split("\n").filter(Boolean).length, 1);
        assert.match(r.stderr, /^s1: etcd: ERROR: no local etcd data, but server 10.0.1.12 already answers as a cluster: bootstrapping \(cluster-init\) here would start a second cluster behind the same endpoint; nothing was started/);
    });

    it("join: proceeds once a server answers (IPv6 bracketed); fails after its timeout when none does", () => {
        const sb = host();
        touch(sb, "answers-2001:db8::2");
        const r = sb.run(guard, ["s1", "join", 6443, 5, "2001:db8::2"], { env: env(sb) });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /no local etcd data: joining the existing cluster \(2001:db8::2 answers\)/);
        assert.deepStrictEqual(sb.calls(), ["curl -ksf --max-time 5 -o /dev/null https://[2001:db8::2]:6443/cacerts"]);
        const none = host();
        const t0 = Date.now();
        const f = none.run(guard, ["s2", "join", 6443, 1, "10.0.1.10"], { env: { ...env(none), INTERVAL: "0.2" } });
        assert.strictEqual(f.code, 1);
        assert.ok(Date.now() - t0 < 10000, "bounded by its timeout");
        assert.strictEqual(f.stderr, "s2: etcd: ERROR: no local etcd data and none of 10.0.1.10 answered on 6443 within 1s: there is no cluster to join; nothing was started\n");
    });

    it("refuses an unknown mode and join without peers", () => {
        const sb = host();
        assert.match(sb.run(guard, ["s1", "bootstrap", 6443, 5], { env: env(sb) }).stderr, /mode must be init or join, got 'bootstrap'/);
        assert.match(sb.run(guard, ["s1", "join", 6443, 5], { env: env(sb) }).stderr, /join mode needs at least one peer address/);
    });
});
