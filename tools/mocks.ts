/**
 * What the mock runtime answers for the resources whose outputs the program reads. Every address is from a
 * documentation range (RFC 5737 IPv4, RFC 3849 IPv6) and stands in for one the cloud would assign.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./stack-file";

const DATA = path.join(ROOT, "tools", "mock-data");

export const MOCK_TOKEN = "mock-k3s-token-0000000000000000";
export const MOCK_AGENT_TOKEN = "mock-k3s-agent-token-00000000000";
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
            return { ...inputs, ipv4Address: agent ? `198.51.100.${n}` : `203.0.113.${n}`, ipv6Address: `2001:db8:${agent ? "b" : "a"}:${n}::1` };
        }
        case "hcloud:index/loadBalancer:LoadBalancer":
            return { ...inputs, ipv4: "203.0.113.200", ipv6: "2001:db8:ff::1" };
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
        case "command:local:Command":
            // colima-up.sh prints the ssh-config, then the guest's host key on a marker line.
            return { ...inputs, stdout: `${colimaSshConfigFixture()}# k3s-cilium host-key: ${COLIMA_HOST_KEY_FIXTURE}\n`, stderr: "" };
        case "command:remote:Command":
            return { ...inputs, stdout: name.endsWith("-kubeconfig") ? k3sKubeconfigFixture() : "", stderr: "" };
        default:
            return { ...inputs };
    }
}
