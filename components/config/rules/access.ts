import { Cidr, covers, isWorld, parseCidr } from "../cidr";
import { qualified } from "../keys";
import { Problem, Rule, problem } from "./types";

/**
 * "The world" written so that no single entry is /0: the IPv4 space, or IPv6's global unicast space 2000::/3
 * (RFC 4291 section 2.4: everything routable on the internet today), covered by the union of the entries.
 */
const WORLD = [parseCidr("0.0.0.0/0"), parseCidr("2000::/3")].filter((c): c is Cidr => typeof c !== "string");

/** sshAllowList and apiAllowList. */
export const accessRules: Rule = ({ values: v, ok, facts }) => {
    const problems: Problem[] = [];
    const worldOptIn = ok("allowWorldOpenAccess") && v.allowWorldOpenAccess;
    for (const key of ["sshAllowList", "apiAllowList"] as const) {
        if (!ok(key)) continue;
        const list = v[key];
        const parsedEntries: Cidr[] = [];
        for (const entry of list) {
            const parsed = parseCidr(entry);
            if (typeof parsed !== "string") parsedEntries.push(parsed);
            if (typeof parsed === "string") {
                problems.push(problem(key, list, `entry ${JSON.stringify(entry)}: ${parsed}; accepted: IPv4/IPv6 CIDRs such as 203.0.113.0/24`));
            } else if (isWorld(parsed) && !worldOptIn) {
                problems.push(problem(key, list,
                    `entry ${entry} opens the port to the whole internet; accepted: narrower CIDRs, or set ${qualified("allowWorldOpenAccess")}: true to opt in`));
            }
        }
        const disguised = WORLD.find(w => !parsedEntries.some(isWorld) && covers(parsedEntries, w));
        if (disguised && !worldOptIn) {
            problems.push(problem(key, list,
                `together the entries cover ${disguised.text} (the whole ${disguised.family === 4 ? "IPv4 internet" : "IPv6 global unicast space"}); accepted: narrower CIDRs, or set ${qualified("allowWorldOpenAccess")}: true to opt in`));
        }
        if (facts.hetzner && list.length === 0) {
            problems.push(problem(key, list, "provider hetzner needs an allow-list (nothing is opened to the world by default); accepted: one or more CIDRs"));
        }
    }
    return problems;
};
