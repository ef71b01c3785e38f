import { Problem, Rule, problem } from "./types";

/** Server types, image, public addresses and the API token of provider hetzner. */
export const hetznerRules: Rule = ({ values: v, ok, facts, ctx }) => {
    const problems: Problem[] = [];
    for (const key of ["controlPlaneServerType", "workerServerType"] as const) {
        if (ok(key) && !/^[a-z]+[0-9]+[a-z]*$/.test(v[key])) {
            problems.push(problem(key, v[key], "accepted: a Hetzner server type name such as cx23 or cpx31"));
        }
    }
    if (ok("serverImage") && !/^[a-z0-9][a-z0-9.-]*$/.test(v.serverImage)) {
        problems.push(problem("serverImage", v.serverImage, "accepted: a Hetzner image name such as ubuntu-24.04"));
    }
    if (facts.hetzner && ok("publicIpv4", "publicIpv6") && !v.publicIpv4 && !v.publicIpv6) {
        problems.push(problem("publicIpv4", false, "with publicIpv6 also false the operator cannot reach the servers over SSH; accepted: true, or publicIpv6 true"));
    }
    if (facts.hetzner && !ctx.hcloudTokenSet) {
        problems.push({ key: "hcloud:token", value: undefined, shown: "(not set)",
            problem: "provider hetzner needs an API token; accepted: pulumi config set --secret hcloud:token <token> (or HCLOUD_TOKEN in the environment)" });
    }
    return problems;
};
