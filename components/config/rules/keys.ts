import { CONFIG_KEYS, KEY_NAMES, PROJECT, qualified } from "../keys";
import { Problem, Rule } from "./types";

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

/** Unknown keys in our namespace: a typo must not silently fall back to a default. */
export const keyRules: Rule = ({ raw }) => {
    const problems: Problem[] = [];
    for (const fullKey of Object.keys(raw).sort()) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const name = fullKey.slice(PROJECT.length + 1);
        if (name in CONFIG_KEYS) continue;
        const best = [...KEY_NAMES].sort((a, b) => distance(name, a) - distance(name, b))[0];
        const hint = distance(name, best) <= 3 ? `did you mean ${qualified(best)}? ` : "";
        problems.push({ key: fullKey, value: raw[fullKey], problem: `unknown key; ${hint}accepted keys: see the config reference in README.md` });
    }
    return problems;
};
