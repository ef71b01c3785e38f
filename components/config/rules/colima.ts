import { Problem, Rule, problem } from "./types";

/** colimaProfile and the Colima VM size. */
export const colimaRules: Rule = ({ values: v, ok }) => {
    const problems: Problem[] = [];
    if (ok("colimaProfile") && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(v.colimaProfile)) {
        problems.push(problem("colimaProfile", v.colimaProfile, "accepted: letters, digits, '.', '_' and '-' (a Colima profile name)"));
    }
    for (const key of ["colimaCpus", "colimaMemoryGiB", "colimaDiskGiB"] as const) {
        if (ok(key) && v[key] <= 0) problems.push(problem(key, v[key], "accepted: a positive whole number"));
    }
    return problems;
};
