import { qualified } from "../keys";
import { Problem, Rule } from "./types";

/**
 * Keys whose value is a credential. Written in plain text they sit in Pulumi.<stack>.yaml, which is committed;
 * `pulumi config set --secret` stores them encrypted instead (the runtime reports them as secret, which is how
 * loadConfig fills ValidationContext.secretKeys). The value is never echoed.
 */
const SECRET_KEYS: readonly { key: string; command: (stack: string) => string }[] = [
    { key: "hcloud:token", command: stack => `pulumi config set --secret hcloud:token --stack ${stack} (then paste the token)` },
    { key: qualified("sshPrivateKey"), command: stack => `pulumi config set --secret ${qualified("sshPrivateKey")} --stack ${stack} < ~/.ssh/id_ed25519` },
    ...(["etcdS3AccessKey", "etcdS3SecretKey"] as const).map(k => ({ key: qualified(k), command: (stack: string) => `pulumi config set --secret ${qualified(k)} --stack ${stack} (then paste it)` })),
];

export const secretRules: Rule = ({ raw, ctx }) => {
    const secret = new Set(ctx.secretKeys ?? []);
    const problems: Problem[] = [];
    for (const { key, command } of SECRET_KEYS) {
        if (raw[key] === undefined || raw[key] === "" || secret.has(key)) continue;
        problems.push({ key, value: undefined, shown: "(plain text, not shown)",
            problem: `a credential written unencrypted into the stack file, which is committed to git; accepted: the same value stored as a secret: remove the line and run ${command(ctx.stack)}` });
    }
    return problems;
};
