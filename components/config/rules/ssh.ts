import { qualified } from "../keys";
import { Problem, Rule, problem } from "./types";

/** sshPublicKey and sshPrivateKey: a well-formed public key, and both or neither. */
export const sshRules: Rule = ({ values: v, ok }) => {
    const problems: Problem[] = [];
    if (!ok("sshPublicKey", "sshPrivateKey")) return problems;
    const pub = v.sshPublicKey;
    const privateSet = v.sshPrivateKey !== "";
    if (pub !== "" && !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(pub.trim())) {
        problems.push(problem("sshPublicKey", pub, "accepted: an OpenSSH public key line (ssh-ed25519 AAAA..., ssh-rsa ..., ecdsa-sha2-...)"));
    }
    if (pub !== "" && !privateSet) {
        problems.push(problem("sshPrivateKey", "",
            `required when ${qualified("sshPublicKey")} is set; accepted: the matching private key, set with pulumi config set --secret`));
    }
    if (pub === "" && privateSet) {
        problems.push(problem("sshPublicKey", "", `required when ${qualified("sshPrivateKey")} is set; accepted: the matching OpenSSH public key`));
    }
    return problems;
};
