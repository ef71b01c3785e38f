/**
 * What the mock runtime answers for the resources whose outputs the program reads. Every address stands in for
 * one the cloud would assign, and is from a documentation range (RFC 5737 IPv4, RFC 3849 IPv6) that is never
 * routed. None falls inside the example allow-lists of Pulumi.prod.yaml (203.0.113.0/24), so a reader of a render
 * cannot mistake a node for an allowed client.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./stack-file";

const DATA = path.join(ROOT, "tools", "mock-data");

export const MOCK_TOKEN = "mock-k3s-token-0000000000000000";
export const MOCK_AGENT_TOKEN = "mock-k3s-agent-token-00000000000";
/** The bootstrap token's random value (22 of [a-z0-9]) and the token made of it (`<id>.<secret>`). */
export const MOCK_BOOTSTRAP_RANDOM = "mockid0bootstrap000000";
export const MOCK_BOOTSTRAP_TOKEN = "mockid.0bootstrap000000";
export const MOCK_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nmock-private-key\n-----END OPENSSH PRIVATE KEY-----\n";
export const COLIMA_KEY_FIXTURE = path.join(DATA, "colima-identity");
export function k3sKubeconfigFixture(): string {
    return fs.readFileSync(path.join(DATA, "k3s.yaml"), "utf8");
}
/** The guest host key colima-up.sh prints (as the mocked VM's stdout carries it). */
export const COLIMA_HOST_KEY_FIXTURE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixtureHostKeyOfTheColimaGuest000000000000000 root@colima-k3s-cilium";
export function colimaSshConfigFixture(identityFile = COLIMA_KEY_FIXTURE): string {
    return fs.readFileSync(path.join(DATA, "colima-ssh-config-macos.txt"), "utf8")
        .replace(/IdentityFile "[^"]*_config\/user"/, `IdentityFile "${identityFile}"`);
}

/** The public addresses the mocks hand out (ordinal n from the resource name). */
export const MOCK_ADDRESSES = {
    serverIpv4: (n: number) => `192.0.2.${n}`,
    agentIpv4: (n: number) => `198.51.100.${n}`,
    serverIpv6: (n: number) => `2001:db8:a:${n}::1`,
    agentIpv6: (n: number) => `2001:db8:b:${n}::1`,
    loadBalancerIpv4: "192.0.2.200",
    loadBalancerIpv6: "2001:db8:ff::1",
} as const;

/** What each placeholder in a render stands for, per provider (PLACEHOLDERS.txt). */
export function placeholderNotes(provider: string, tokenPlaceholder: string, agentTokenPlaceholder: string): [string, string][] {
    const hetzner: [string, string][] = [
        [`${MOCK_ADDRESSES.serverIpv4(1)}, ${MOCK_ADDRESSES.serverIpv4(2)}, …`, "public IPv4 of k3s server 1, 2, … (RFC 5737 TEST-NET-1; Hetzner assigns the real one)"],
        [`${MOCK_ADDRESSES.agentIpv4(1)}, ${MOCK_ADDRESSES.agentIpv4(2)}, …`, "public IPv4 of k3s agent 1, 2, … (RFC 5737 TEST-NET-2)"],
        [MOCK_ADDRESSES.loadBalancerIpv4, "public IPv4 of the API load balancer (RFC 5737 TEST-NET-1)"],
        ["2001:db8:…", "public IPv6 of servers (2001:db8:a:n::1), agents (2001:db8:b:n::1) and the load balancer (RFC 3849)"],
    ];
    const colima: [string, string][] = [
        ["127.0.0.1:60022, user dev", "the VM's SSH endpoint from a sample `colima ssh-config` (Lima picks a new port each start)"],
    ];
    return [
        [tokenPlaceholder, "the k3s server token (random per stack, secret)"],
        [agentTokenPlaceholder, "the k3s agent token (random per stack, secret)"],
        ...(provider === "hetzner" ? hetzner : colima)];
}

export function numericId(name: string): string {
    return String(parseInt(crypto.createHash("sha256").update(name).digest("hex").slice(0, 7), 16));
}

function ordinal(name: string): number {
    const m = /-(\d+)(-api)?$/.exec(name);
    return m ? Number(m[1]) : 1;
}

/** The mocked host key pair of the tls.PrivateKey named `name` (e.g. `k3s-cilium-server-1-host-key`). */
export function mockHostKey(name: string): { publicKeyOpenssh: string; privateKeyOpenssh: string; privateKeyPem: string } {
    const tag = Buffer.from(name).toString("base64").replace(/=+$/, "");
    const privateKey = `-----BEGIN OPENSSH PRIVATE KEY-----\nmock-host-key-${name}\n-----END OPENSSH PRIVATE KEY-----\n`;
    return { publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5${tag}\n`, privateKeyOpenssh: privateKey, privateKeyPem: privateKey };
}

/** Realistic outputs for the resources the program reads outputs of. */
export function mockState(type: string, name: string, inputs: any): Record<string, unknown> {
    switch (type) {
        case "hcloud:index/server:Server": {
            const n = ordinal(name);
            const agent = name.includes("-agent-");
            // status: what the provider reads after creating and starting a server (components/nodes/hetzner.ts).
            return { ...inputs, status: "running", ipv4Address: agent ? MOCK_ADDRESSES.agentIpv4(n) : MOCK_ADDRESSES.serverIpv4(n),
                ipv6Address: agent ? MOCK_ADDRESSES.agentIpv6(n) : MOCK_ADDRESSES.serverIpv6(n) };
        }
        case "hcloud:index/loadBalancer:LoadBalancer":
            return { ...inputs, ipv4: MOCK_ADDRESSES.loadBalancerIpv4, ipv6: MOCK_ADDRESSES.loadBalancerIpv6 };
        case "tls:index/privateKey:PrivateKey":
            // Host keys differ per server (like real ones), so a test can tell which server a connection pins.
            if (name.endsWith("-host-key")) return { ...inputs, ...mockHostKey(name) };
            return { ...inputs, publicKeyOpenssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockMockMockMockMockMockMockMockMockMockMo mock", privateKeyOpenssh: MOCK_KEY, privateKeyPem: MOCK_KEY };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n` };
        case "tls:index/certRequest:CertRequest":
            return { ...inputs, certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nmock-${name}\n-----END CERTIFICATE REQUEST-----\n` };
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: name.endsWith("-agent-token") ? MOCK_AGENT_TOKEN : MOCK_TOKEN };
        case "random:index/randomString:RandomString":
            return { ...inputs, result: name.endsWith("-bootstrap-token") ? MOCK_BOOTSTRAP_RANDOM : "mockrandomstring" };
        case "command:local:Command":
            // colima-up.sh prints the ssh-config, then the guest's host key on a marker line.
            return { ...inputs, stdout: `${colimaSshConfigFixture()}# k3s-cilium host-key: ${COLIMA_HOST_KEY_FIXTURE}\n`, stderr: "" };
        case "command:remote:Command":
            return { ...inputs, stdout: name.endsWith("-kubeconfig") ? k3sKubeconfigFixture() : "", stderr: "" };
        default:
            return { ...inputs };
    }
}
