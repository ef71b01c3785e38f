import { qualified } from "../keys";
import { Problem, Rule, RuleInput, problem } from "./types";

/**
 * Public key types OpenSSH accepts in authorized_keys (OpenSSH PROTOCOL.u2f for the two FIDO security-key
 * types; RFC 4253/5656/8709 for the others). ssh-dss is left out: OpenSSH 10 removed DSA.
 */
export const SSH_KEY_TYPES = [
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

/**
 * Why `line` is not an OpenSSH public key line (`<type> <base64 blob> [comment]`), or undefined. The blob starts
 * with the key type again as an SSH string (uint32 length + bytes, RFC 4253 section 6.6); it must match the
 * type in front, which catches a pasted private key, a truncated blob or a mixed-up pair of lines.
 */
export function publicKeyProblem(line: string): string | undefined {
    const [type, blob, ...rest] = line.trim().split(/\s+/);
    void rest;
    if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
        return `key type ${JSON.stringify(type ?? "")} is not one OpenSSH accepts`;
    }
    if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 === 1) return "the key data is not base64";
    const bytes = Buffer.from(blob, "base64");
    if (bytes.length < 4) return "the key data is truncated";
    const length = bytes.readUInt32BE(0);
    const inner = bytes.subarray(4, 4 + length).toString("latin1");
    if (4 + length > bytes.length || inner !== type) {
        return `the key data says ${JSON.stringify(inner.replace(/[^\x20-\x7e]/g, "?").slice(0, 40))}, not ${type}`;
    }
    return undefined;
}

/**
 * A login name that is safe on every server and in every printed command: useradd(8) (shadow-utils) accepts
 * lower-case letters, digits, '_' and '-', not starting with '-'; at most 32 characters.
 */
const SSH_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

function keys({ values: v }: RuleInput): Problem[] {
    const problems: Problem[] = [];
    const pub = v.sshPublicKey;
    const privateSet = v.sshPrivateKey !== "";
    const why = pub !== "" ? publicKeyProblem(pub) : undefined;
    if (why) {
        problems.push(problem("sshPublicKey", pub, `${why}; accepted: an OpenSSH public key line (${SSH_KEY_TYPES.join(", ")}), as in ~/.ssh/id_ed25519.pub`));
    }
    if (pub !== "" && !privateSet) {
        problems.push(problem("sshPrivateKey", "",
            `required when ${qualified("sshPublicKey")} is set; accepted: the matching private key, set with pulumi config set --secret`));
    }
    if (pub === "" && privateSet) {
        problems.push(problem("sshPublicKey", "", `required when ${qualified("sshPrivateKey")} is set; accepted: the matching OpenSSH public key`));
    }
    return problems;
}

/** sshPublicKey, sshPrivateKey and sshUser. */
export const sshRules: Rule = input => {
    const { values: v, ok } = input;
    const problems = ok("sshPublicKey", "sshPrivateKey") ? keys(input) : [];
    if (ok("sshUser") && !SSH_USER.test(v.sshUser)) {
        const why = v.sshUser === "" ? "is empty" : /\s/.test(v.sshUser) ? "contains whitespace" : "contains characters a login name cannot have (and a shell would interpret)";
        problems.push(problem("sshUser", v.sshUser, `${why}; accepted: a login name of lower-case letters, digits, '_' and '-' (at most 32), e.g. root`));
    }
    return problems;
};
