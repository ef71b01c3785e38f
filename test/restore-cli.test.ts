import * as assert from "assert";
import { parseRestoreArgs, remoteInvocation, restorePlan, runRestore, RestoreNode } from "../scripts/restore";

const NODES: RestoreNode[] = [
    { name: "k3s-cilium-server-1", role: "server", sshAddress: "203.0.113.1", sshPort: 22, sshUser: "root" },
    { name: "k3s-cilium-server-2", role: "server", sshAddress: "203.0.113.2", sshPort: 22, sshUser: "root" },
    { name: "k3s-cilium-server-3", role: "server", sshAddress: "203.0.113.3", sshPort: 22, sshUser: "root" },
    { name: "k3s-cilium-agent-1", role: "agent", sshAddress: "203.0.113.9", sshPort: 22, sshUser: "root" },
];

describe("npm run restore: command line", () => {
    it("reads --stack, --snapshot, --yes and --timeout (both --x v and --x=v)", () => {
        assert.deepStrictEqual(parseRestoreArgs(["--stack", "prod", "--snapshot=etcd-snapshot-server-1-1700000000"]),
            { stack: "prod", snapshot: "etcd-snapshot-server-1-1700000000", yes: false, timeoutSeconds: 600 });
        assert.deepStrictEqual(parseRestoreArgs(["--stack=local", "--snapshot", "/var/lib/rancher/k3s/server/db/snapshots/x", "--yes", "--timeout", "120"]),
            { stack: "local", snapshot: "/var/lib/rancher/k3s/server/db/snapshots/x", yes: true, timeoutSeconds: 120 });
    });

    const bad: [string[], RegExp][] = [
        [["--snapshot", "s"], /^--stack is required; usage: npm run restore -- --stack <stack>/],
        [["--stack", "prod"], /^--snapshot is required \(list them on a server: k3s etcd-snapshot ls\)/],
        [["--stack", "prod", "--snapshot", "a b;rm"], /^--snapshot "a b;rm" is not a snapshot name or path/],
        [["--stack", "prod", "--snapshot", "s", "--timeout", "5"], /^--timeout 5 is not a whole number of seconds in 30-3600/],
        [["--stack", "prod", "--snapshot", "s", "--force"], /^unknown option --force/],
        [["--stack", "prod", "--snapshot", "s", "extra"], /^unexpected argument "extra"/],
    ];
    for (const [argv, message] of bad) {
        it(`refuses ${argv.join(" ")}`, () => {
            assert.throws(() => parseRestoreArgs(argv), (e: Error) => e.name === "UsageError" && message.test(e.message));
        });
    }
});

describe("npm run restore: plan and run", () => {
    it("stops every server (first server last), resets and starts the first, then the others rejoin one by one; agents untouched", () => {
        const plan = restorePlan(NODES, "snap-1", 300);
        assert.deepStrictEqual(plan.map(s => s.args.join(" ")), [
            "stop k3s-cilium-server-2 300", "stop k3s-cilium-server-3 300", "stop k3s-cilium-server-1 300",
            "reset k3s-cilium-server-1 snap-1 300", "start k3s-cilium-server-1 300",
            "rejoin k3s-cilium-server-2 300", "rejoin k3s-cilium-server-3 300",
        ]);
        assert.throws(() => restorePlan(NODES.filter(n => n.role === "agent"), "s", 300), /lists no server/);
    });

    it("reaches nodes with the stack's key and pinned host keys, or through colima ssh", () => {
        assert.deepStrictEqual(remoteInvocation(NODES[1], { kind: "ssh", keyFile: "/t/key", knownHostsFile: "/t/kh" }, ["stop", "k3s-cilium-server-2", 300]), [
            "ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "-o", "UserKnownHostsFile=/t/kh", "-o", "StrictHostKeyChecking=yes",
            "-i", "/t/key", "-p", "22", "root@203.0.113.2", "sudo", "bash", "-s", "--", "stop", "k3s-cilium-server-2", "300",
        ]);
        assert.deepStrictEqual(remoteInvocation(NODES[0], { kind: "colima", profile: "dev" }, ["start", "k3s-cilium-server-1", 60]),
            ["colima", "ssh", "--profile", "dev", "--", "sudo", "bash", "-s", "--", "start", "k3s-cilium-server-1", "60"]);
    });

    it("runs every step with the script on stdin; the first failure stops the run and says what is done and what is not", () => {
        const plan = restorePlan(NODES, "snap-1", 300);
        const ran: string[] = [];
        const ok = runRestore(plan, { kind: "colima", profile: "p" }, "SCRIPT", (argv, stdin) => {
            assert.strictEqual(stdin, "SCRIPT"); ran.push(argv.slice(9).join(" ")); return { code: 0, stderr: "" };
        }, () => undefined);
        assert.strictEqual(ok, 0);
        assert.strictEqual(ran.length, plan.length);
        for (let failAt = 0; failAt < plan.length; failAt++) {
            const lines: string[] = [];
            let calls = 0;
            const code = runRestore(plan, { kind: "colima", profile: "p" }, "S", () => (calls++ === failAt
                ? { code: 1, stderr: "noise\nk3s-cilium-server-1: restore: ERROR: the reason\n" } : { code: 0, stderr: "" }), l => lines.push(l));
            assert.strictEqual(code, 1);
            assert.strictEqual(calls, failAt + 1, "nothing runs after a failed step");
            const err = lines.find(l => l.startsWith("ERROR"));
            assert.strictEqual(err, `ERROR: step ${failAt + 1} failed: k3s-cilium-server-1: restore: ERROR: the reason`);
            assert.strictEqual(lines.find(l => l.startsWith("not done: ")), `not done: ${plan.slice(failAt).map(s => s.what).join("; ")}`);
            assert.strictEqual(lines.find(l => l.startsWith("done: ")), `done: ${plan.slice(0, failAt).map(s => s.what).join("; ") || "nothing"}`);
        }
    });
});
