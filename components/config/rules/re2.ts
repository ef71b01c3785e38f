import { problem, Problem, RuleInput } from "./types";

/**
 * Constructs JavaScript accepts but Go's regexp (RE2 syntax, which Cilium compiles l2announcement interface
 * patterns with) refuses: look-ahead/look-behind and backreferences (github.com/google/re2/wiki/Syntax lists
 * `(?=re)`, `(?!re)`, `(?<=re)`, `(?<!re)`, `\1` and `\k<name>` as NOT SUPPORTED).
 */
const NOT_RE2: readonly [RegExp, string][] = [
    [/\(\?<?[=!]/, "look-ahead/look-behind"],
    [/\\[1-9]/, "a backreference"],
    [/\\k</, "a named backreference"],
];

/** Why `pattern` is not a usable RE2 interface pattern, or undefined. */
export function re2Problem(pattern: string): string | undefined {
    if (pattern.trim() === "") return "is empty (it would match every interface)";
    try {
        new RegExp(pattern);
    } catch {
        return "is not a valid regular expression";
    }
    const hit = NOT_RE2.find(([re]) => re.test(pattern.replace(/\\\\/g, "")));
    return hit ? `uses ${hit[1]}, which Go's RE2 regexp (Cilium) does not support` : undefined;
}

export function l2InterfaceProblems({ values: v, ok }: RuleInput): Problem[] {
    if (!ok("l2Interfaces")) return [];
    return v.l2Interfaces.flatMap(re => {
        const why = re2Problem(re);
        return why ? [problem("l2Interfaces", v.l2Interfaces, `entry ${JSON.stringify(re)} ${why}; accepted: RE2 interface regexes such as ^eth[0-9]+`)] : [];
    });
}
