/** An unknown SSH host key stops `pulumi up` in seconds with one line: node, address, fingerprints and the fix. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { lastRecording, MOCK_ADDRESSES, mockHostKey, runProgram } from "./harness";
import {
    checkedHostKey, fingerprint, HostKeyTarget, hostKeyMismatch, nextProbeStep, presentedKey, ProbePolicy, probeHostKey,
    SCANNER_MISSING, setHostKeyScanner, sshKeyscan,
} from "../components/shared/host-key-check";
import { dialRetrySeconds, HOST_KEY_WAIT_SECONDS, WAIT_FOR_SSH_DIAL_ATTEMPTS } from "../components/shared/remote";

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

const hetzner: HostKeyTarget = { node: "k3s-cilium-server-1", host: "192.0.2.1", port: 22, origin: "hetzner", machineUrn: URN };
const HETZNER_LINE = "k3s-cilium-server-1: SSH host key mismatch at 192.0.2.1:22: it presents " +
    "SHA256:NceZAAp6clbqzCE/JCR5U4Bf8YYRE1AWy6g5XOZw1B8, this stack pinned SHA256:q4Ucb0U8UT99wdHP3b9xY5655UrFY3A/JHcJlwv9M/k; " +
    "nothing was sent to it. Fix: a server created before host keys were pinned: pulumi config set " +
    "k3s-cilium:sshHostKeyAdoption true, pulumi up, then pulumi config rm k3s-cilium:sshHostKeyAdoption; a server booted " +
    "into rescue mode: hcloud server reboot k3s-cilium-server-1 (Hetzner disables rescue mode after the first boot into " +
    "it); a server rebuilt outside Pulumi: pulumi up --replace " +
    "'urn:pulumi:prod::k3s-cilium::k3s-cilium:nodes:HetznerNodes$hcloud:index/server:Server::k3s-cilium-server-1'; " +
    "none of these: someone may be in the path, do not override the key";

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
});

describe("host key check: sshKeyscan runs ssh-keyscan for ed25519 on the node's port, bounded", () => {
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

    it("no answer is no opinion; no ssh-keyscan at all is SCANNER_MISSING (nothing to retry)", async () => {
        stub("exit 1");
        assert.strictEqual(await sshKeyscan("192.0.2.1", 22), undefined);
        process.env.PATH = "/nonexistent";
        assert.strictEqual(await sshKeyscan("192.0.2.1", 22), SCANNER_MISSING);
    });

    describe("a powered-on node is looked at again until it answers (stub ssh-keyscan, tiny budget)", () => {
        const booting: HostKeyTarget = { ...hetzner, poweredOn: true };
        const calls = () => Number(fs.readFileSync(path.join(dir, "calls"), "utf8"));
        beforeEach(() => fs.writeFileSync(path.join(dir, "calls"), "0"));
        afterEach(() => setHostKeyScanner(undefined));
        // Answers (with another key) only from its third call, like a server whose sshd starts during the wait.
        const answersFromThirdCall = () => stub(`n=$(( $(cat "${dir}/calls") + 1 )); echo "$n" > "${dir}/calls"\n` +
            `[ "$n" -ge 3 ] || exit 1\necho "192.0.2.1 ${OTHER_KEY}"`);

        it("a wrong key on a booting node gives the one line, not the provider's late mismatch", async () => {
            answersFromThirdCall();
            setHostKeyScanner(sshKeyscan, { budgetSeconds: 5, intervalSeconds: 0.01, attemptSeconds: 0 });
            await assert.rejects(checkedHostKey(booting, PINNED, HOST_KEY_WAIT_SECONDS, {}), (e: Error) => e.message === HETZNER_LINE);
            assert.strictEqual(calls(), 3);
        });

        it("a node that never answers ends with no verdict once the budget has passed", async () => {
            stub(`n=$(( $(cat "${dir}/calls") + 1 )); echo "$n" > "${dir}/calls"; exit 1`);
            setHostKeyScanner(sshKeyscan, { budgetSeconds: 0.3, intervalSeconds: 0.02, attemptSeconds: 0 });
            const started = Date.now();
            assert.strictEqual(await checkedHostKey(booting, PINNED, HOST_KEY_WAIT_SECONDS, {}), PINNED);
            const seconds = (Date.now() - started) / 1000;
            assert.ok(calls() >= 3, `looked ${calls()} times`);
            assert.ok(seconds >= 0.28 && seconds < 3, `gave up after ${seconds} s`);
        });

        it("a machine not known to be powered on is looked at once", async () => {
            answersFromThirdCall();
            setHostKeyScanner(sshKeyscan, { budgetSeconds: 5, intervalSeconds: 0.01, attemptSeconds: 0 });
            assert.strictEqual(await checkedHostKey({ ...booting, poweredOn: false }, PINNED, HOST_KEY_WAIT_SECONDS, {}), PINNED);
            assert.strictEqual(calls(), 1);
        });
    });
});

describe("host key check: nextProbeStep: judge, look again, or no verdict", () => {
    const p: ProbePolicy = { budgetSeconds: 60, intervalSeconds: 3, attemptSeconds: 10 };
    const cases: [string, Parameters<typeof nextProbeStep>[0], ReturnType<typeof nextProbeStep>][] = [
        ["a key presented: judge it", { result: OTHER_KEY, poweredOn: true, elapsedSeconds: 0 }, { action: "judge" }],
        ["a key presented past the budget: still judged", { result: OTHER_KEY, poweredOn: false, elapsedSeconds: 999 }, { action: "judge" }],
        ["no answer from a powered-on machine: look again after the interval", { result: undefined, poweredOn: true, elapsedSeconds: 0 }, { action: "retry", afterSeconds: 3 }],
        ["the last look that still ends within the budget (44 + 3 + 10 = 57)", { result: undefined, poweredOn: true, elapsedSeconds: 47 }, { action: "retry", afterSeconds: 3 }],
        ["a next look that would end past the budget (48 + 3 + 10 = 61)", { result: undefined, poweredOn: true, elapsedSeconds: 48 }, { action: "no-verdict" }],
        ["no answer from a machine not known to be on: at once", { result: undefined, poweredOn: false, elapsedSeconds: 0 }, { action: "no-verdict" }],
        ["no ssh-keyscan: at once", { result: SCANNER_MISSING, poweredOn: true, elapsedSeconds: 0 }, { action: "no-verdict" }],
    ];
    for (const [what, look, expected] of cases) {
        it(what, () => assert.deepStrictEqual(nextProbeStep(look, p), expected));
    }

    it("the default budget covers a slow boot yet bounds a day-2 run with an unreachable node well below the first command's dial budget", () => {
        assert.ok(HOST_KEY_WAIT_SECONDS >= 5 * 35, "about five times the modeled boot (35 s)");
        assert.ok(HOST_KEY_WAIT_SECONDS < dialRetrySeconds(WAIT_FOR_SSH_DIAL_ATTEMPTS) / 2, "well below the ~561 s dial budget");
    });
});

describe("host key check: probeHostKey: the looks and waits it makes (fake clock)", () => {
    const fakeClock = () => {
        const clock = { t: 0, sleeps: [] as number[], now: () => clock.t, sleep: async (ms: number) => { clock.sleeps.push(ms); clock.t += ms; } };
        return clock;
    };
    const p: ProbePolicy = { budgetSeconds: 30, intervalSeconds: 3, attemptSeconds: 10 };

    it("booting: waits between looks until the key is presented, and says so once", async () => {
        const clock = fakeClock();
        const said: string[] = [];
        let looks = 0;
        const key = await probeHostKey(async () => ++looks >= 3 ? OTHER_KEY : undefined, { ...hetzner, poweredOn: true }, p, clock, l => said.push(l));
        assert.deepStrictEqual([key, looks, clock.sleeps], [OTHER_KEY, 3, [3000, 3000]]);
        assert.deepStrictEqual(said, ["k3s-cilium-server-1: no SSH answer at 192.0.2.1:22 yet (booting?): looking for its host key every 3 s for up to 30 s"]);
    });

    it("never answers: stops at the budget (looks at 0, 3, …, 15 s; the next would end at 31 s)", async () => {
        const clock = fakeClock();
        let looks = 0;
        const key = await probeHostKey(async () => { looks++; return undefined; }, { ...hetzner, poweredOn: true }, p, clock);
        assert.deepStrictEqual([key, looks, clock.t], [undefined, 7, 18000]);
    });
});

describe("host key check: wired into every remote command's connection (prod, mocked)", function () {
    this.timeout(120000);
    // The mocked servers are "running" (as after a real create): the other nodes never answer, so keep the wait tiny.
    const QUICK: Partial<ProbePolicy> = { budgetSeconds: 0.2, intervalSeconds: 0.02, attemptSeconds: 0 };
    afterEach(() => setHostKeyScanner(undefined));

    it("the pinned key presented: every command gets the pinned key unchanged", async () => {
        const pinned = mockHostKey("hostkey-ok-server-1-host-key").publicKeyOpenssh;
        const scanned: string[] = [];
        setHostKeyScanner(async (host, port) => {
            scanned.push(`${host}:${port}`);
            return host === MOCK_ADDRESSES.serverIpv4(1) ? `${pinned.trim()} root@server-1` : undefined;
        }, QUICK);
        const g = await runProgram({ stack: "prod", overrides: { clusterName: "hostkey-ok" } });
        const preflight = g.get("hostkey-ok-server-1-preflight", "command:remote:Command");
        assert.strictEqual(preflight.inputs.connection.hostKey, pinned);
        assert.ok(scanned.includes(`${MOCK_ADDRESSES.serverIpv4(1)}:22`), scanned.join(", "));
    });

    /** Runs prod (its own cluster name: runProgram shares identical runs, and this one fails on purpose); the lines it failed with. */
    async function failingRun(clusterName: string): Promise<{ failures: string[]; line: string }> {
        const failures: string[] = [];
        // What Pulumi's runner prints for a RunError: its message alone, no stack (cmd/run/run.js uncaughtHandler).
        const printed = (e: unknown) => pulumi.RunError.isInstance(e) ? e.message : `not a RunError: ${String(e)}`;
        const listener = (e: unknown) => { failures.push(printed(e)); };
        process.on("unhandledRejection", listener);
        try {
            await runProgram({ stack: "prod", overrides: { clusterName } }).then(() => undefined, e => { failures.push(printed(e)); });
            await new Promise(r => setTimeout(r, 200));
        } finally {
            process.off("unhandledRejection", listener);
        }
        const recorded = lastRecording();
        const server = recorded.find(r => r.name === `${clusterName}-server-1` && r.type === "hcloud:index/server:Server")!;
        const onServer1 = recorded.filter(r => r.type === "command:remote:Command" && r.inputs.connection?.host === MOCK_ADDRESSES.serverIpv4(1));
        assert.deepStrictEqual(onServer1.map(r => r.name), [], "no command on the refused node was registered");
        return { failures, line: hetznerLine(`${clusterName}-server-1`, server.urn, mockHostKey(`${clusterName}-server-1-host-key`).publicKeyOpenssh) };
    }

    it("another key presented: the run fails with the line, and no command on that node gets a connection", async () => {
        setHostKeyScanner(async host => host === MOCK_ADDRESSES.serverIpv4(1) ? OTHER_KEY : undefined, QUICK);
        const { failures, line } = await failingRun("hostkey-bad");
        assert.ok(failures.length > 0, "the run must fail");
        assert.deepStrictEqual([...new Set(failures)], [line], "exactly the one line, however many commands wait on the check");
    });

    it("a new server that answers (with another key) only from the third look: the run fails with the line", async () => {
        const looks = new Map<string, number>();
        setHostKeyScanner(async host => {
            looks.set(host, (looks.get(host) ?? 0) + 1);
            return host === MOCK_ADDRESSES.serverIpv4(1) && looks.get(host)! >= 3 ? OTHER_KEY : undefined;
        }, { ...QUICK, budgetSeconds: 1 });
        const { failures, line } = await failingRun("hostkey-boot");
        assert.deepStrictEqual([...new Set(failures)], [line]);
        assert.strictEqual(looks.get(MOCK_ADDRESSES.serverIpv4(1)), 3);
    });
});
