/** An unknown SSH host key stops `pulumi up` in seconds with one line: node, address, fingerprints and the fix. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { lastRecording, MOCK_ADDRESSES, mockHostKey, runProgram } from "./harness";
import {
    fingerprint, HostKeyTarget, hostKeyMismatch, presentedKey, setHostKeyScanner, sshKeyscan,
} from "../components/shared/host-key-check";

// Generated with `ssh-keygen -t ed25519`; `ssh-keygen -lf` prints SHA256:NceZAAp6clbqzCE/JCR5U4Bf8YYRE1AWy6g5XOZw1B8.
const OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZGgLHxHi1EDHDgPXBeE7X7EFUYMqPtlEsCqbFIeTO1";
const OTHER_FP = "SHA256:NceZAAp6clbqzCE/JCR5U4Bf8YYRE1AWy6g5XOZw1B8";
const PINNED = mockHostKey("k3s-cilium-server-1-host-key").publicKeyOpenssh;
const URN = "urn:pulumi:prod::k3s-cilium::k3s-cilium:nodes:HetznerNodes$hcloud:index/server:Server::k3s-cilium-server-1";

/** The Hetzner refusal for a node and its server's URN (the literal is asserted in full below). */
const hetznerLine = (node: string, urn: string, pinned: string) =>
    `${node}: SSH host key mismatch at 192.0.2.1:22: it presents ${OTHER_FP}, this stack pinned ` +
    `${fingerprint(pinned)}; nothing was sent to it. Fix: a server created before host keys were pinned: ` +
    "pulumi config set k3s-cilium:sshHostKeyAdoption true, pulumi up, then pulumi config rm k3s-cilium:sshHostKeyAdoption; " +
    `a server booted into rescue mode: hcloud server reboot ${node} (Hetzner disables rescue mode after the ` +
    `first boot into it); a server rebuilt outside Pulumi: pulumi up --replace '${urn}'; none of these: someone may be ` +
    "in the path, do not override the key";

describe("host key check: an unknown key is refused before any command dials", () => {
    it("fingerprint is OpenSSH's (ssh-keygen -lf)", () => {
        assert.strictEqual(fingerprint(OTHER_KEY), OTHER_FP);
        assert.strictEqual(fingerprint(`${OTHER_KEY} a-comment\n`), OTHER_FP);
    });

    const scans: [string, string, string | undefined][] = [
        ["port 22", `192.0.2.1 ${OTHER_KEY}\n`, OTHER_KEY],
        ["another port, comment lines", `# [127.0.0.1]:26022 SSH-2.0-OpenSSH_9.6\n[127.0.0.1]:26022 ${OTHER_KEY}\n`, OTHER_KEY],
        ["other key types only", "192.0.2.1 ssh-rsa AAAAB3NzaC1yc2E=\n", undefined],
        ["nothing answered", "", undefined],
    ];
    for (const [what, output, expected] of scans) {
        it(`ssh-keyscan output, ${what}`, () => assert.strictEqual(presentedKey(output), expected));
    }

    const hetzner: HostKeyTarget = { node: "k3s-cilium-server-1", host: "192.0.2.1", port: 22, origin: "hetzner", machineUrn: URN };
    const HETZNER_LINE = "k3s-cilium-server-1: SSH host key mismatch at 192.0.2.1:22: it presents " +
        "SHA256:NceZAAp6clbqzCE/JCR5U4Bf8YYRE1AWy6g5XOZw1B8, this stack pinned SHA256:q4Ucb0U8UT99wdHP3b9xY5655UrFY3A/JHcJlwv9M/k; " +
        "nothing was sent to it. Fix: a server created before host keys were pinned: pulumi config set " +
        "k3s-cilium:sshHostKeyAdoption true, pulumi up, then pulumi config rm k3s-cilium:sshHostKeyAdoption; a server booted " +
        "into rescue mode: hcloud server reboot k3s-cilium-server-1 (Hetzner disables rescue mode after the first boot into " +
        "it); a server rebuilt outside Pulumi: pulumi up --replace " +
        "'urn:pulumi:prod::k3s-cilium::k3s-cilium:nodes:HetznerNodes$hcloud:index/server:Server::k3s-cilium-server-1'; " +
        "none of these: someone may be in the path, do not override the key";

    it("hetzner: the line names node, address, both fingerprints, sshHostKeyAdoption, rescue and replace", () => {
        assert.strictEqual(hostKeyMismatch(hetzner, PINNED, OTHER_KEY), HETZNER_LINE);
        assert.strictEqual(hetznerLine(hetzner.node, URN, PINNED), HETZNER_LINE);
        assert.ok(!HETZNER_LINE.includes("\n"));
    });

    it("colima: the line names the port and the replace of the VM", () => {
        const colimaUrn = "urn:pulumi:local::k3s-cilium::k3s-cilium:nodes:ColimaNodes$command:local:Command::k3s-local-colima";
        assert.strictEqual(hostKeyMismatch({ node: "k3s-local-server-1", host: "127.0.0.1", port: 26022, origin: "colima", machineUrn: colimaUrn }, PINNED, OTHER_KEY),
            `k3s-local-server-1: SSH host key mismatch at 127.0.0.1:26022: it presents ${OTHER_FP}, this stack pinned ${fingerprint(PINNED)}; ` +
            "nothing was sent to it. Fix: something other than this stack's VM answers on 127.0.0.1:26022 (colima list); if the VM was " +
            `recreated outside Pulumi: pulumi up --replace '${colimaUrn}' (deletes the VM and its data, then creates it)`);
    });

    it("no opinion when the pinned key is presented (comment ignored) or nothing answered", () => {
        assert.strictEqual(hostKeyMismatch(hetzner, PINNED, `${PINNED.trim()} root@host`), undefined);
        assert.strictEqual(hostKeyMismatch(hetzner, PINNED, undefined), undefined);
    });

    describe("sshKeyscan runs ssh-keyscan for ed25519 on the node's port, bounded", () => {
        let dir: string;
        let savedPath: string | undefined;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-cilium-keyscan-"));
            savedPath = process.env.PATH;
        });
        after(() => {
            process.env.PATH = savedPath;
            fs.rmSync(dir, { recursive: true, force: true });
        });
        const stub = (body: string) => {
            fs.writeFileSync(path.join(dir, "ssh-keyscan"), `#!/bin/bash\necho "$*" > "${dir}/argv"\n${body}\n`, { mode: 0o755 });
            process.env.PATH = `${dir}:${savedPath}`;
        };

        it("reads the presented key from its output", async () => {
            stub(`echo "# [127.0.0.1]:26022 SSH-2.0-OpenSSH_9.6" >&2; echo "[127.0.0.1]:26022 ${OTHER_KEY}"`);
            assert.strictEqual(await sshKeyscan("127.0.0.1", 26022), OTHER_KEY);
            assert.strictEqual(fs.readFileSync(path.join(dir, "argv"), "utf8"), "-T 5 -t ed25519 -p 26022 127.0.0.1\n");
        });

        it("no answer (or no ssh-keyscan) is no opinion", async () => {
            stub("exit 1");
            assert.strictEqual(await sshKeyscan("192.0.2.1", 22), undefined);
            process.env.PATH = "/nonexistent";
            assert.strictEqual(await sshKeyscan("192.0.2.1", 22), undefined);
        });
    });

    describe("wired into every remote command's connection (prod, mocked)", function () {
        this.timeout(120000);
        afterEach(() => setHostKeyScanner(undefined));

        it("the pinned key presented: every command gets the pinned key unchanged", async () => {
            const pinned = mockHostKey("hostkey-ok-server-1-host-key").publicKeyOpenssh;
            const scanned: string[] = [];
            setHostKeyScanner(async (host, port) => {
                scanned.push(`${host}:${port}`);
                return host === MOCK_ADDRESSES.serverIpv4(1) ? `${pinned.trim()} root@server-1` : undefined;
            });
            const g = await runProgram({ stack: "prod", overrides: { clusterName: "hostkey-ok" } });
            const preflight = g.get("hostkey-ok-server-1-preflight", "command:remote:Command");
            assert.strictEqual(preflight.inputs.connection.hostKey, pinned);
            assert.ok(scanned.includes(`${MOCK_ADDRESSES.serverIpv4(1)}:22`), scanned.join(", "));
        });

        it("another key presented: the run fails with the line, and no command on that node gets a connection", async () => {
            setHostKeyScanner(async host => host === MOCK_ADDRESSES.serverIpv4(1) ? OTHER_KEY : undefined);
            const failures: string[] = [];
            // What Pulumi's runner prints for a RunError: its message alone, no stack (cmd/run/run.js uncaughtHandler).
            const printed = (e: unknown) => pulumi.RunError.isInstance(e) ? e.message : `not a RunError: ${String(e)}`;
            const listener = (e: unknown) => { failures.push(printed(e)); };
            process.on("unhandledRejection", listener);
            try {
                // Its own cluster name: runProgram shares identical runs, and this one fails on purpose.
                await runProgram({ stack: "prod", overrides: { clusterName: "hostkey-bad" } }).then(() => undefined, e => { failures.push(printed(e)); });
                await new Promise(r => setTimeout(r, 200));
            } finally {
                process.off("unhandledRejection", listener);
            }
            const recorded = lastRecording();
            const server = recorded.find(r => r.name === "hostkey-bad-server-1" && r.type === "hcloud:index/server:Server")!;
            const line = hetznerLine("hostkey-bad-server-1", server.urn, mockHostKey("hostkey-bad-server-1-host-key").publicKeyOpenssh);
            assert.ok(failures.length > 0, "the run must fail");
            assert.deepStrictEqual([...new Set(failures)], [line], "exactly the one line, however many commands wait on the check");
            const onServer1 = recorded.filter(r => r.type === "command:remote:Command" && r.inputs.connection?.host === MOCK_ADDRESSES.serverIpv4(1));
            assert.deepStrictEqual(onServer1.map(r => r.name), [], "no command on the refused node was registered");
        });
    });
});
