import * as semver from "semver";
import {
    compareMinor, gatewayApiVersionFor, GATEWAY_API_BY_CILIUM_MINOR, K3S_VERSION_PATTERN,
    KUBERNETES_RANGE_BY_CILIUM_MINOR, kubernetesMinorOfK3s,
} from "../versions";
import { Problem, Rule, problem } from "./types";

/** ciliumVersion and k3sVersion: well-formed, mapped, and inside the Cilium minor's tested Kubernetes range. */
export const versionRules: Rule = ({ values: v, ok, facts }) => {
    const problems: Problem[] = [];
    const cMinor = facts.ciliumMinor;
    if (ok("ciliumVersion")) {
        if (!cMinor) {
            problems.push(problem("ciliumVersion", v.ciliumVersion, "accepted: a Cilium release version such as 1.18.4 (no leading v)"));
        } else if (!gatewayApiVersionFor(v.ciliumVersion)) {
            problems.push(problem("ciliumVersion", v.ciliumVersion,
                `Cilium ${cMinor} has no Gateway API mapping; accepted minors: ${Object.keys(GATEWAY_API_BY_CILIUM_MINOR).join(", ")}`));
        }
    }
    if (ok("k3sVersion")) {
        const k8sMinor = kubernetesMinorOfK3s(v.k3sVersion);
        const range = cMinor ? KUBERNETES_RANGE_BY_CILIUM_MINOR[cMinor] : undefined;
        if (!K3S_VERSION_PATTERN.test(v.k3sVersion) || !semver.valid(v.k3sVersion)) {
            problems.push(problem("k3sVersion", v.k3sVersion, "accepted: a k3s release tag such as v1.33.5+k3s1"));
        } else if (k8sMinor && range && (compareMinor(k8sMinor, range.min) < 0 || compareMinor(k8sMinor, range.max) > 0)) {
            problems.push(problem("k3sVersion", v.k3sVersion,
                `Kubernetes ${k8sMinor} is outside Cilium ${cMinor}'s tested range; accepted: Kubernetes ${range.min} to ${range.max}`));
        }
    }
    return problems;
};
