import { CONFIG_KEYS, ConfigKey, KEY_NAMES, PROJECT, qualified } from "../keys";
import { Problem, Rule, RuleInput } from "./types";

/** Levenshtein distance, for "did you mean" on misspelt keys. */
export function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

/**
 * Keys that only one provider reads. Set on the other provider they would be silently ignored, so a user who
 * believes they sized the VM or chose a server type would be wrong without knowing it.
 */
export const PROVIDER_ONLY_KEYS: Readonly<Record<"colima" | "hetzner", readonly ConfigKey[]>> = Object.freeze({
    colima: ["colimaProfile", "colimaCpus", "colimaMemoryGiB", "colimaDiskGiB", "colimaVmType", "colimaSshPort"],
    hetzner: [
        "nodeCidr", "nodeSubnetCidr", "hcloudLocation", "hcloudCloudController", "hcloudCsiDriver",
        "controlPlaneServerType", "workerServerType", "serverImage", "publicIpv4", "publicIpv6", "serverProtection",
    ],
});

/** Namespaces a stack file legitimately holds besides ours (providers the program uses, Pulumi's own). */
const OTHER_NAMESPACES = new Set(["hcloud", "pulumi", "kubernetes", "command", "tls", "random"]);

function bestKey(name: string): string | undefined {
    const best = [...KEY_NAMES].sort((a, b) => distance(name, a) - distance(name, b))[0];
    return distance(name, best) <= 3 ? best : undefined;
}

/** Unknown keys in our namespace, and keys in a namespace one typo away from ours (silently ignored otherwise). */
function unknownKeys({ raw }: RuleInput): Problem[] {
    const problems: Problem[] = [];
    for (const fullKey of Object.keys(raw).sort()) {
        const colon = fullKey.indexOf(":");
        const namespace = colon < 0 ? "" : fullKey.slice(0, colon);
        const name = fullKey.slice(colon + 1);
        if (namespace === PROJECT) {
            if (name in CONFIG_KEYS) continue;
            const best = bestKey(name);
            const hint = best ? `did you mean ${qualified(best)}? ` : "";
            problems.push({ key: fullKey, value: raw[fullKey], problem: `unknown key; ${hint}accepted keys: see the config reference in README.md` });
        } else if (!OTHER_NAMESPACES.has(namespace) && distance(namespace, PROJECT) <= 3) {
            const suggestion = name in CONFIG_KEYS ? qualified(name) : `${PROJECT}:${bestKey(name) ?? name}`;
            problems.push({ key: fullKey, value: raw[fullKey],
                problem: `namespace ${JSON.stringify(namespace)} is not this project's, so the key would be ignored; did you mean ${suggestion}?` });
        }
    }
    return problems;
}

/**
 * Keys of the other provider set to a value other than their default. (The Pulumi CLI hands a program the
 * Pulumi.yaml defaults as well, so presence alone does not mean the stack file set the key.)
 */
function otherProviderKeys({ raw, values, ok, facts }: RuleInput): Problem[] {
    if (!facts.provider) return [];
    const other = facts.provider === "colima" ? "hetzner" : "colima";
    const problems: Problem[] = [];
    for (const key of PROVIDER_ONLY_KEYS[other]) {
        if (raw[qualified(key)] === undefined || !ok(key)) continue;
        const spec: { default?: unknown } = CONFIG_KEYS[key];
        if (JSON.stringify(values[key]) === JSON.stringify(spec.default)) continue;
        problems.push({ key, value: values[key],
            problem: `applies only to provider ${other} and is ignored on provider ${facts.provider}; accepted: remove it from this stack file (or set ${qualified("provider")}: ${other})` });
    }
    return problems;
}

export const keyRules: Rule = input => [...unknownKeys(input), ...otherProviderKeys(input)];
