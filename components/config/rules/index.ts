import { k3sConfigProblems } from "../../k3s/rules";
import { etcdBackupProblems } from "../../k3s/backup";
import { l2OnHetznerProblems } from "../../hetzner-cloud/rules";
import { enforcementConfigProblems } from "../../policies/rules";
import { colimaConfigProblems } from "../../nodes/colima-rules";
import { apiLoadBalancerProblems } from "../../nodes/rules";
import { accessRules } from "./access";
import { ciliumRules } from "./cilium";
import { colimaRules } from "./colima";
import { hetznerRules } from "./hetzner";
import { keyRules } from "./keys";
import { networkRules } from "./network";
import { nodeRules } from "./nodes";
import { portRules } from "./ports";
import { secretRules } from "./secrets";
import { sshRules } from "./ssh";
import { Problem, Rule, RuleInput } from "./types";
import { versionRules } from "./versions";

export * from "./types";
export { parseCiliumValues } from "./cilium";

/**
 * Every rule group, in the order their problems are listed. A new rule is a pure `Rule` (in its own area if it
 * judges that area's facts, e.g. components/cilium/rules.ts) added here with one line.
 */
export const RULES: readonly Rule[] = [
    keyRules,
    secretRules,
    versionRules,
    nodeRules,
    networkRules,
    portRules,
    accessRules,
    sshRules,
    hetznerRules,
    colimaRules,
    ciliumRules,
    // Rules owned by other stages, on values that passed their own checks.
    ({ values: v, ok }) => ok("provider", "ipv6", "publicIpv6") ? k3sConfigProblems({ provider: v.provider, ipv6: v.ipv6, publicIpv6: v.publicIpv6 }) : [],
    ({ values: v, ok }) => ok("provider", "l2Announcements", "lbIpPools", "hcloudCloudController")
        ? l2OnHetznerProblems({ provider: v.provider, l2Announcements: v.l2Announcements, lbIpPools: v.lbIpPools, cloudController: v.hcloudCloudController }) : [],
    ({ values: v, ok }) => ok("enforcementEvidenceWindow", "hubbleEnabled", "policyAuditMode", "enforcementAcceptAuditedFlows")
        ? enforcementConfigProblems(v).map(([key, text]) => ({ key, value: v[key as keyof typeof v], problem: text })) : [],
    ({ values: v, ok }) => colimaConfigProblems({ provider: ok("provider") ? v.provider : undefined, hostFirewall: ok("hostFirewall") ? v.hostFirewall : undefined, colimaSshPort: ok("colimaSshPort") ? v.colimaSshPort : undefined, apiPort: ok("apiPort") ? v.apiPort : undefined }),
    ({ values: v, ok }) => ok("provider", "controlPlaneCount", "publicApiLoadBalancer", "allowWorldOpenAccess") ? apiLoadBalancerProblems(v) : [],
    ({ values: v, ok }) => ok("provider", "etcdS3Backups", "etcdS3Endpoint", "etcdS3Bucket", "etcdS3Region", "etcdS3Folder", "etcdSnapshotSchedule", "etcdSnapshotRetention")
        ? etcdBackupProblems({ ...v, accessKeySet: v.etcdS3AccessKey !== "", secretKeySet: v.etcdS3SecretKey !== "" }).map(([key, text]) => ({ key, value: v[key as keyof typeof v], problem: text })) : [],
];

/** Runs every rule group and returns all their problems at once. */
export function runRules(input: RuleInput, rules: readonly Rule[] = RULES): (Problem | string)[] {
    return rules.flatMap(rule => rule(input));
}
