import { CONFIG_KEYS, ConfigKey, KEY_NAMES, KeyType } from "./keys";
import { Problem } from "./rules/types";

type TypeOf<T extends KeyType> =
    T extends "integer" ? number : T extends "boolean" ? boolean : T extends "array" ? readonly string[] : string;

/** Every key's value, typed by its declared type; the default where a key is absent or failed its type check. */
export type Values = { readonly [K in ConfigKey]: TypeOf<(typeof CONFIG_KEYS)[K]["type"]> };

/** The typed values plus which keys passed their type check (rules only judge keys that did). */
export interface ReadValues {
    values: Values;
    typeOk: Set<ConfigKey>;
    problems: Problem[];
}

/** Parses one raw value (as the Pulumi CLI hands it over: a string, arrays as JSON) by its declared type. */
export function parseTyped(type: KeyType, raw: string): { value: unknown } | { error: string } {
    switch (type) {
        case "integer": {
            const text = raw.trim();
            // Only safe integers: 1e20 or twenty digits would otherwise turn into maths nonsense further on.
            if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return { error: "accepted: a whole number" };
            return { value: Number(text) };
        }
        case "boolean":
            if (raw !== "true" && raw !== "false") return { error: "accepted: true or false" };
            return { value: raw === "true" };
        case "array": {
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch {
                return { error: "accepted: a YAML list of strings" };
            }
            if (!Array.isArray(parsed) || !parsed.every(x => typeof x === "string")) {
                return { error: "accepted: a YAML list of strings" };
            }
            return { value: parsed };
        }
        default:
            return { value: raw };
    }
}

/** Types every key of the project namespace, with the declared default for absent keys. */
export function readValues(raw: Readonly<Record<string, string>>, qualified: (k: string) => string): ReadValues {
    const values: Record<string, unknown> = {};
    const typeOk = new Set<ConfigKey>();
    const problems: Problem[] = [];
    for (const key of KEY_NAMES) {
        const spec: { type: KeyType; default?: unknown } = CONFIG_KEYS[key];
        values[key] = spec.default ?? "";
        const rawValue = raw[qualified(key)];
        if (rawValue === undefined) {
            typeOk.add(key);
            continue;
        }
        const parsed = parseTyped(spec.type, rawValue);
        if ("error" in parsed) {
            problems.push({ key, value: rawValue, problem: parsed.error });
        } else {
            values[key] = parsed.value;
            typeOk.add(key);
        }
    }
    // Each value was produced by parseTyped for its key's declared type (or is the declared default).
    return { values: values as Values, typeOk, problems };
}
