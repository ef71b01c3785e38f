import { isWorld, parseCidr } from "../cidr";
import { qualified } from "../keys";
import { Problem, Rule, problem } from "./types";

/** apiPort, sshAllowList and apiAllowList. */
export const accessRules: Rule = ({ values: v, ok, facts }) => {
    const problems: Problem[] = [];
    if (ok("apiPort") && (v.apiPort < 1 || v.apiPort > 65535)) {
        problems.push(problem("apiPort", v.apiPort, "accepted: a TCP port 1-65535"));
    }
    const worldOptIn = ok("allowWorldOpenAccess") && v.allowWorldOpenAccess;
    for (const key of ["sshAllowList", "apiAllowList"] as const) {
        if (!ok(key)) continue;
        const list = v[key];
        for (const entry of list) {
            const parsed = parseCidr(entry);
            if (typeof parsed === "string") {
                problems.push(problem(key, list, `entry ${JSON.stringify(entry)}: ${parsed}; accepted: IPv4/IPv6 CIDRs such as 203.0.113.0/24`));
            } else if (isWorld(parsed) && !worldOptIn) {
                problems.push(problem(key, list,
                    `entry ${entry} opens the port to the whole internet; accepted: narrower CIDRs, or set ${qualified("allowWorldOpenAccess")}: true to opt in`));
            }
        }
        if (facts.hetzner && list.length === 0) {
            problems.push(problem(key, list, "provider hetzner needs an allow-list (nothing is opened to the world by default); accepted: one or more CIDRs"));
        }
    }
    return problems;
};
