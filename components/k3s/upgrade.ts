/**
 * Version changes on a running cluster, pure: what the previous `pulumi up` deployed against what the config now
 * asks for. k3s and Cilium move one minor per `up`; a skip is refused with the config key, the current and the
 * requested version and the sequence of `up`s that gets there. The previous versions come from the stack's own
 * previous outputs (components/k3s/previous-state.ts reads them back); a new stack has none and nothing is refused.
 */
import * as semver from "semver";
import { qualified } from "../config/keys";

/** What the previous `up` deployed (undefined fields: unknown, e.g. a state from before they were recorded). */
export interface DeployedVersions {
    k3sVersion?: string;
    ciliumVersion?: string;
}

export interface DesiredVersions {
    k3sVersion: string;
    ciliumVersion: string;
}

/** "1.33" from "v1.33.5+k3s1" or "1.18.4"; undefined for anything semver cannot read. */
export function minorOf(version: string): { major: number; minor: number } | undefined {
    const v = semver.parse(version.replace(/^v/, ""));
    return v ? { major: v.major, minor: v.minor } : undefined;
}

/** The minors strictly between `from` and `to` plus `to` itself, in upgrade order (same major only). */
export function minorSteps(from: { major: number; minor: number }, to: { major: number; minor: number }): string[] {
    const steps: string[] = [];
    const dir = to.minor > from.minor ? 1 : -1;
    for (let m = from.minor + dir; dir > 0 ? m <= to.minor : m >= to.minor; m += dir) steps.push(`${from.major}.${m}`);
    return steps;
}

function sequence(steps: string[]): string {
    return steps.map((s, i) => `${i + 1}) ${s}`).join(" ");
}

/**
 * k3s: one Kubernetes minor per `up`, never down a minor. docs.k3s.io/upgrades/manual: "the Kubernetes version
 * skew policy applies. Ensure that your plan does not skip intermediate minor versions when upgrading", and
 * "upgrade server nodes first one at a time, then any agent nodes" (K3sCluster chains the servers, then the agents
 * behind servers-at-version.sh). No k3s document describes a downgrade path: the way back is the etcd snapshot
 * taken before the upgrade (README "Restore").
 */
export function k3sUpgradeProblems(previous: string | undefined, desired: string): string[] {
    if (!previous || previous === desired) return [];
    const from = minorOf(previous), to = minorOf(desired);
    if (!from || !to) return [];
    const key = qualified("k3sVersion");
    const head = `${key}: current ${previous}, requested ${desired}: refused:`;
    if (from.major !== to.major) return [`${head} a major version change is not an upgrade path this program runs`];
    if (to.minor < from.minor) {
        return [`${head} Kubernetes ${to.major}.${to.minor} is older than the running ${from.major}.${from.minor}; k3s has no downgrade path. ` +
            `Safe sequence: 1) keep ${key} at ${previous} 2) to go back, restore the etcd snapshot taken before the upgrade (npm run restore -- --stack <stack> --snapshot <name>) and set ${key} to the version that snapshot ran`];
    }
    if (to.minor - from.minor <= 1) return [];
    const steps = minorSteps(from, to).map(m => `set ${key} to a v${m}.x+k3sN release and run pulumi up`);
    return [`${head} it skips Kubernetes minor(s) ${minorSteps(from, to).slice(0, -1).join(", ")}; servers, then agents move one minor per up ` +
        `(docs.k3s.io/upgrades/manual). Safe sequence: ${sequence(steps)}`];
}

/**
 * Cilium: one minor per `up`, either way. cilium/cilium Documentation/operations/upgrade-warning.rst (v1.20.2, shown
 * on docs.cilium.io/en/stable/operations/upgrade): "The only tested rollback and upgrade path is between consecutive
 * minor releases. Always perform rollbacks and upgrades between one minor release at a time."
 */
export function ciliumUpgradeProblems(previous: string | undefined, desired: string): string[] {
    if (!previous || previous === desired) return [];
    const from = minorOf(previous), to = minorOf(desired);
    if (!from || !to) return [];
    const key = qualified("ciliumVersion");
    if (from.major === to.major && Math.abs(to.minor - from.minor) <= 1) return [];
    const head = `${key}: current ${previous}, requested ${desired}: refused:`;
    if (from.major !== to.major) return [`${head} a major version change is not an upgrade path this program runs`];
    const steps = minorSteps(from, to).map(m => `set ${key} to a ${m}.x release (pinned in components/config/versions.ts) and run pulumi up`);
    return [`${head} Cilium moves between consecutive minors only (docs.cilium.io/en/stable/operations/upgrade); ` +
        `each up re-runs the chart, the rollout wait and the CRD gate. Safe sequence: ${sequence(steps)}`];
}

/** Every version refusal at once. */
export function upgradeProblems(previous: DeployedVersions | undefined, desired: DesiredVersions): string[] {
    if (!previous) return [];
    return [
        ...k3sUpgradeProblems(previous.k3sVersion, desired.k3sVersion),
        ...ciliumUpgradeProblems(previous.ciliumVersion, desired.ciliumVersion),
    ];
}
