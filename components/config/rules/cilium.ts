import * as YAML from "yaml";
import { Cidr, overlaps, parseCidr } from "../cidr";
import { CONFIG_KEYS, qualified } from "../keys";
import { l2InterfaceProblems } from "./re2";
import { CILIUM_VALUES_VERSION, ciliumValuesProblems } from "../cilium-values";
import { clusterRanges } from "./network";
import { Problem, Rule, RuleInput, problem } from "./types";

/** routingMode, Hubble switches and operatorReplicas. */
function datapath({ values: v, ok, facts }: RuleInput): Problem[] {
    const problems: Problem[] = [];
    if (facts.hetzner && ok("routingMode") && v.routingMode === "native") {
        problems.push(problem("routingMode", "native",
            "Hetzner cloud networks are routed (L3) and do not carry pod routes between servers; accepted: tunnel"));
    }
    if (ok("hubbleEnabled", "hubbleRelay") && v.hubbleRelay && !v.hubbleEnabled) {
        problems.push(problem("hubbleRelay", true, `Hubble Relay reads from Hubble in the agents; accepted: false, or ${qualified("hubbleEnabled")}: true`));
    }
    if (ok("hubbleUi", "hubbleRelay") && v.hubbleUi && !v.hubbleRelay) {
        problems.push(problem("hubbleUi", true, `the Hubble UI needs Hubble Relay; accepted: false, or ${qualified("hubbleRelay")}: true`));
    }
    if (ok("operatorReplicas")) {
        if (v.operatorReplicas < 1) {
            problems.push(problem("operatorReplicas", v.operatorReplicas, "accepted: 1 or more"));
        } else if (facts.nodeCount !== undefined && v.operatorReplicas > facts.nodeCount) {
            problems.push(problem("operatorReplicas", v.operatorReplicas,
                `cilium-operator replicas repel each other (one per node) and there are ${facts.nodeCount} nodes; accepted: 1 to ${facts.nodeCount}`));
        }
    }
    return problems;
}

/** Each pool entry: a CIDR outside every cluster range (v4 and v6) and every other pool entry. */
function pools({ values: v, ok, facts }: RuleInput): Problem[] {
    const problems: Problem[] = [];
    if (!ok("l2Announcements", "lbIpPools")) return problems;
    const list = v.lbIpPools;
    // On Hetzner the servers use nodeSubnetCidr (the rest of nodeCidr is free); on Colima the VM's network.
    const ranges: [string, Cidr | undefined][] = [
        ...clusterRanges(facts).filter(([k]) => k !== "nodeCidr").map(([k, r]): [string, Cidr | undefined] => [k in CONFIG_KEYS ? qualified(k) : k, r]),
        [qualified("nodeSubnetCidr"), facts.nodeSubnet],
    ];
    const seen: Cidr[] = [];
    for (const entry of list) {
        const parsed = parseCidr(entry);
        if (typeof parsed === "string") {
            problems.push(problem("lbIpPools", list, `entry ${JSON.stringify(entry)}: ${parsed}; accepted: CIDRs such as 10.0.200.0/24`));
            continue;
        }
        for (const [label, r] of ranges) {
            if (r && overlaps(parsed, r)) {
                problems.push(problem("lbIpPools", list, `entry ${entry} overlaps ${label} (${r.text}); accepted: a range outside the node, pod and service ranges`));
            }
        }
        const clash = seen.find(s => overlaps(s, parsed));
        if (clash) problems.push(problem("lbIpPools", list, `entry ${entry} overlaps entry ${clash.text}; accepted: disjoint pool ranges`));
        seen.push(parsed);
    }
    if (v.l2Announcements && list.length === 0) {
        problems.push(problem("lbIpPools", [], `L2 announcements need addresses to announce; accepted: one or more CIDRs, or ${qualified("l2Announcements")}: false`));
    }
    return problems;
}

/** ciliumValues as a mapping, or the sentence saying why it is not one. */
export function parseCiliumValues(text: string): { values: Record<string, unknown> } | { error: string } {
    if (text.trim() === "") return { values: {} };
    let parsed: unknown;
    try {
        parsed = YAML.parse(text);
    } catch (e) {
        return { error: `not valid YAML (${(e as Error).message.split("\n")[0]}); accepted: a YAML mapping of Helm values` };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return { error: "accepted: a YAML mapping of Helm values, e.g. 'hubble: {metrics: {enabled: [dns]}}'" };
    }
    return { values: parsed as Record<string, unknown> };
}

function valuesOverride({ values: v, ok }: RuleInput): Problem[] {
    // Without an override the chart sees exactly the hubble* keys, which datapath() already judges.
    if (!ok("ciliumValues") || v.ciliumValues.trim() === "") return [];
    const parsed = parseCiliumValues(v.ciliumValues);
    if ("error" in parsed) return [problem("ciliumValues", v.ciliumValues, parsed.error)];
    // The key tree on record is the pinned chart's; other versions are refused by the version rules anyway. The
    // Hubble switches are owned keys (hubbleEnabled/hubbleRelay/hubbleUi), whose prerequisites datapath() checks.
    if (v.ciliumVersion !== CILIUM_VALUES_VERSION) return [];
    return ciliumValuesProblems(parsed.values).map(text => problem("ciliumValues", v.ciliumValues, text));
}

/** The Cilium keys: datapath switches, L2 announcements and the values override. */
export const ciliumRules: Rule = input => [...datapath(input), ...pools(input), ...l2InterfaceProblems(input), ...valuesOverride(input)];
