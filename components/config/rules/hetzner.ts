import { HCLOUD_LOCATIONS } from "../constants";
import { DEPRECATED_SERVER_TYPES, HETZNER_IMAGE_KERNELS, HETZNER_SERVER_TYPES } from "../hetzner-catalog";
import { compareMinor, MIN_KERNEL_BY_CILIUM_MINOR } from "../versions";
import { Problem, Rule, RuleInput, problem } from "./types";

function serverTypes({ values: v, ok, facts }: RuleInput): Problem[] {
    const problems: Problem[] = [];
    const location = ok("hcloudLocation") ? HCLOUD_LOCATIONS.find(l => l === v.hcloudLocation) : undefined;
    for (const key of ["controlPlaneServerType", "workerServerType"] as const) {
        if (!ok(key)) continue;
        const offered = HETZNER_SERVER_TYPES[v[key]];
        if (!offered) {
            if (facts.hetzner || !/^[a-z]+[0-9]+[a-z]*$/.test(v[key])) {
                const current = Object.keys(HETZNER_SERVER_TYPES).filter(t => !(t in DEPRECATED_SERVER_TYPES));
                problems.push(problem(key, v[key], `not a Hetzner Cloud server type; accepted: one of ${current.join(", ")}`
                    + ` (and, for servers that already run them, the deprecated ${Object.keys(DEPRECATED_SERVER_TYPES).join(", ")})`));
            }
        } else if (facts.hetzner && location && !offered.includes(location)) {
            const here = Object.keys(HETZNER_SERVER_TYPES).filter(t => HETZNER_SERVER_TYPES[t].includes(location));
            problems.push(problem(key, v[key],
                `not offered in ${location} (only in ${offered.join(", ")}); accepted in ${location}: ${here.join(", ")}`));
        }
    }
    return problems;
}

function image({ values: v, ok, facts }: RuleInput): Problem[] {
    if (!ok("serverImage")) return [];
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(v.serverImage)) {
        return [problem("serverImage", v.serverImage, "accepted: a Hetzner image name such as ubuntu-24.04")];
    }
    if (!facts.hetzner || /^\d+$/.test(v.serverImage)) return []; // a snapshot ID: the node preflight checks its kernel
    const kernel = HETZNER_IMAGE_KERNELS[v.serverImage];
    const minKernel = facts.ciliumMinor ? MIN_KERNEL_BY_CILIUM_MINOR[facts.ciliumMinor] : undefined;
    const fits = Object.keys(HETZNER_IMAGE_KERNELS).filter(i => !minKernel || compareMinor(HETZNER_IMAGE_KERNELS[i], minKernel) >= 0);
    if (!kernel) {
        return [problem("serverImage", v.serverImage, `not a Hetzner system image whose kernel is known; accepted: ${fits.join(", ")} (or a snapshot ID)`)];
    }
    if (minKernel && compareMinor(kernel, minKernel) < 0) {
        return [problem("serverImage", v.serverImage,
            `boots Linux ${kernel}, below Cilium ${facts.ciliumMinor}'s minimum kernel ${minKernel}; accepted: ${fits.join(", ")}`)];
    }
    return [];
}

/** Server types, image, public addresses and the API token of provider hetzner. */
export const hetznerRules: Rule = input => {
    const { values: v, ok, facts, ctx } = input;
    const problems = [...serverTypes(input), ...image(input)];
    if (facts.hetzner && ok("publicIpv4", "publicIpv6") && !v.publicIpv4 && !v.publicIpv6) {
        problems.push(problem("publicIpv4", false, "with publicIpv6 also false the operator cannot reach the servers over SSH; accepted: true, or publicIpv6 true"));
    }
    if (facts.hetzner && !ctx.hcloudTokenSet) {
        problems.push({ key: "hcloud:token", value: undefined, shown: "(not set)",
            problem: "provider hetzner needs an API token; accepted: HCLOUD_TOKEN in the environment (keeps it out of the stack, README \"Security\"), or pulumi config set --secret hcloud:token <token>" });
    }
    return problems;
};
