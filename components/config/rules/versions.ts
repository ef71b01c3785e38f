import * as semver from "semver";
import {
    compareMinor, gatewayApiVersionFor, GATEWAY_API_BY_CILIUM_MINOR, K3S_VERSION_PATTERN,
    KUBERNETES_RANGE_BY_CILIUM_MINOR, kubernetesMinorOfK3s, PINNED_CILIUM_CHARTS, PINNED_K3S_RELEASES,
} from "../versions";
import { Problem, Rule, RuleInput, problem } from "./types";

const PIN_HINT = "pin a new release in components/config/versions.ts after testing it";

function cilium({ values: v, ok, facts }: RuleInput): Problem[] {
    const cMinor = facts.ciliumMinor;
    if (!ok("ciliumVersion")) return [];
    if (!cMinor) return [problem("ciliumVersion", v.ciliumVersion, "accepted: a Cilium release version such as 1.18.4 (no leading v)")];
    if (!gatewayApiVersionFor(v.ciliumVersion)) {
        return [problem("ciliumVersion", v.ciliumVersion,
            `Cilium ${cMinor} has no Gateway API mapping; accepted minors: ${Object.keys(GATEWAY_API_BY_CILIUM_MINOR).join(", ")}`)];
    }
    if (!KUBERNETES_RANGE_BY_CILIUM_MINOR[cMinor]) {
        // Without the minor's e2e-tested Kubernetes range any k3s release would pass unchecked.
        return [problem("ciliumVersion", v.ciliumVersion,
            `no tested Kubernetes range is on record for Cilium ${cMinor}; accepted minors: ${Object.keys(KUBERNETES_RANGE_BY_CILIUM_MINOR).join(", ")}`)];
    }
    if (!PINNED_CILIUM_CHARTS[v.ciliumVersion]) {
        return [problem("ciliumVersion", v.ciliumVersion,
            `no pinned chart digest for this release; accepted: ${Object.keys(PINNED_CILIUM_CHARTS).join(", ")} (${PIN_HINT})`)];
    }
    return [];
}

function k3s({ values: v, ok, facts }: RuleInput): Problem[] {
    if (!ok("k3sVersion")) return [];
    const k8sMinor = kubernetesMinorOfK3s(v.k3sVersion);
    const cMinor = facts.ciliumMinor;
    const range = cMinor ? KUBERNETES_RANGE_BY_CILIUM_MINOR[cMinor] : undefined;
    if (!K3S_VERSION_PATTERN.test(v.k3sVersion) || !semver.valid(v.k3sVersion) || !k8sMinor) {
        return [problem("k3sVersion", v.k3sVersion, "accepted: a k3s release tag such as v1.33.5+k3s1")];
    }
    if (range && (compareMinor(k8sMinor, range.min) < 0 || compareMinor(k8sMinor, range.max) > 0)) {
        return [problem("k3sVersion", v.k3sVersion,
            `Kubernetes ${k8sMinor} is outside Cilium ${cMinor}'s tested range; accepted: Kubernetes ${range.min} to ${range.max}`)];
    }
    if (!PINNED_K3S_RELEASES.includes(v.k3sVersion)) {
        return [problem("k3sVersion", v.k3sVersion, `not a pinned k3s release; accepted: ${PINNED_K3S_RELEASES.join(", ")} (${PIN_HINT})`)];
    }
    return [];
}

/** ciliumVersion and k3sVersion: well-formed, pinned, and inside the Cilium minor's tested Kubernetes range. */
export const versionRules: Rule = input => [...cilium(input), ...k3s(input)];
