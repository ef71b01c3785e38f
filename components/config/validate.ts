import type { EtcdBackupConfig } from "../k3s/backup";
import { COLIMA_NODE_CIDR, HCLOUD_LOCATIONS, NETWORK_ZONE_BY_LOCATION } from "./constants";
import {
    COLIMA_VM_TYPES, ColimaVmType, oneOf, POLICY_ENFORCEMENT_MODES, PolicyEnforcementMode, Provider, PROVIDERS,
    ROUTING_MODES, RoutingMode, TUNNEL_PROTOCOLS, TunnelProtocol,
} from "./enums";
import { ConfigKey, PROJECT, qualified } from "./keys";
import { deriveFacts } from "./rules/facts";
import { parseCiliumValues, Problem, runRules, ValidationContext } from "./rules";
import { readValues, Values } from "./values";
import { ciliumMinor, gatewayApiVersionFor, MIN_KERNEL_BY_CILIUM_MINOR } from "./versions";

export * from "./constants";
export * from "./enums";
export type { ValidationContext } from "./rules";

/** The validated, typed, frozen configuration every stage reads. Secrets are not in here (see secrets.ts). */
export interface ClusterConfig {
    readonly project: string;
    readonly stack: string;
    readonly provider: Provider;
    readonly clusterName: string;
    readonly versions: { readonly k3s: string; readonly cilium: string; readonly gatewayApi: string; readonly minKernel: string };
    readonly nodes: { readonly controlPlaneCount: number; readonly workerCount: number };
    readonly network: {
        readonly nodeCidr: string;
        readonly nodeSubnetCidr: string;
        readonly podCidr: string;
        readonly serviceCidr: string;
        readonly ipv6: boolean;
        readonly podCidrV6: string;
        readonly serviceCidrV6: string;
    };
    readonly apiPort: number;
    readonly access: {
        readonly sshAllowList: readonly string[];
        readonly apiAllowList: readonly string[];
        readonly allowWorldOpenAccess: boolean;
    };
    readonly ssh: { readonly publicKey: string; readonly user: string; readonly privateKeyConfigured: boolean };
    readonly hetzner: {
        readonly location: string;
        readonly networkZone: string;
        readonly controlPlaneServerType: string;
        readonly workerServerType: string;
        readonly image: string;
        readonly publicIpv4: boolean;
        readonly publicIpv6: boolean;
        /** hcloud-cloud-controller-manager and its k3s flags (components/hetzner-cloud). */
        readonly cloudController: boolean;
        /** hcloud CSI driver and its default StorageClass (components/hetzner-cloud). */
        readonly csiDriver: boolean;
        /** The API load balancer has a public interface (opt-in; components/nodes/rules.ts). */
        readonly publicApiLoadBalancer: boolean;
        /** Install the generated host keys on servers created before pinning (components/nodes/hetzner.ts). */
        readonly sshHostKeyAdoption: boolean;
        /** Hetzner delete/rebuild protection and Pulumi protect on servers (opt-out; components/nodes/hetzner.ts). */
        readonly serverProtection: boolean;
    };
    readonly colima: {
        readonly profile: string;
        readonly cpus: number;
        readonly memoryGiB: number;
        readonly diskGiB: number;
        readonly vmType: ColimaVmType;
        readonly sshPort: number;
    };
    readonly cilium: {
        readonly tunnelProtocol: TunnelProtocol;
        readonly routingMode: RoutingMode;
        readonly policyEnforcementMode: PolicyEnforcementMode;
        readonly policyAuditMode: boolean;
        /** The evidence gate before enforcing (components/policies/scripts/audit-gate.sh). */
        readonly enforcement: { readonly evidenceWindow: string; readonly acceptAuditedFlows: boolean; readonly attempt: number };
        readonly operatorReplicas: number;
        readonly hubble: { readonly enabled: boolean; readonly relay: boolean; readonly ui: boolean };
        readonly gatewayApi: boolean;
        readonly bgpControlPlane: boolean;
        readonly hostFirewall: boolean;
        readonly l2Announcements: boolean;
        readonly lbIpPools: readonly string[];
        readonly l2Interfaces: readonly string[];
        readonly wireguard: boolean;
        readonly worldIngressPolicy: boolean;
        readonly valuesOverride: Readonly<Record<string, unknown>>;
    };
    /** etcd snapshots and their upload to S3 (components/k3s/backup.ts); the credentials are ConfigSecrets. */
    readonly backup: EtcdBackupConfig;
}

export type ValidationResult = { ok: true; config: ClusterConfig } | { ok: false; errors: string[] };

/** Keys with a closed set of values, each checked before any rule group reads it. */
const ENUMS: Partial<Record<ConfigKey, readonly string[]>> = {
    provider: PROVIDERS,
    tunnelProtocol: TUNNEL_PROTOCOLS,
    routingMode: ROUTING_MODES,
    policyEnforcementMode: POLICY_ENFORCEMENT_MODES,
    colimaVmType: COLIMA_VM_TYPES,
    hcloudLocation: HCLOUD_LOCATIONS,
};

/** `k3s-cilium:key = value: problem`, with secret values masked. */
export function formatProblem(p: Problem | string, secretKeys: ReadonlySet<string>): string {
    if (typeof p === "string") return p;
    const full = p.key.includes(":") ? p.key : qualified(p.key);
    const shown = p.shown ?? (secretKeys.has(full) ? "[secret]" : JSON.stringify(p.value));
    return `${full} = ${shown}: ${p.problem}`;
}

/**
 * Validates the project's raw config (keys qualified with the project name, values as strings) and returns
 * either the typed config or every problem at once. Pure: no Pulumi runtime, no I/O.
 */
export function validateConfig(raw: Readonly<Record<string, string>>, ctx: ValidationContext): ValidationResult {
    const { values, typeOk, problems: typeProblems } = readValues(raw, qualified);
    const enumProblems: (Problem | string)[] = [];
    for (const [key, accepted] of Object.entries(ENUMS) as [ConfigKey, readonly string[]][]) {
        if (typeOk.has(key) && !accepted.includes(String(values[key]))) {
            enumProblems.push({ key, value: values[key], problem: `accepted: ${accepted.join(", ")}` });
            typeOk.delete(key);
        }
    }
    const ok = (...keys: ConfigKey[]) => keys.every(k => typeOk.has(k));
    const facts = deriveFacts(values, ok);
    const input = { raw, values, ok, facts, ctx };
    const problems = [...typeProblems, ...enumProblems, ...runRules(input)];
    if (problems.length > 0) {
        const secret = new Set(ctx.secretKeys ?? []);
        return { ok: false, errors: problems.map(p => formatProblem(p, secret)) };
    }
    return { ok: true, config: deepFreeze(buildConfig(values, ctx)) };
}

/** The typed config of values that passed every rule. */
function buildConfig(v: Values, ctx: ValidationContext): ClusterConfig {
    const hetzner = v.provider === "hetzner";
    const override = parseCiliumValues(v.ciliumValues);
    const location = oneOf(HCLOUD_LOCATIONS, v.hcloudLocation) ?? "fsn1";
    return {
        project: PROJECT,
        stack: ctx.stack,
        provider: oneOf(PROVIDERS, v.provider) ?? "colima",
        clusterName: v.clusterName,
        versions: {
            k3s: v.k3sVersion,
            cilium: v.ciliumVersion,
            gatewayApi: gatewayApiVersionFor(v.ciliumVersion) ?? "",
            minKernel: MIN_KERNEL_BY_CILIUM_MINOR[ciliumMinor(v.ciliumVersion) ?? ""] ?? "",
        },
        nodes: { controlPlaneCount: v.controlPlaneCount, workerCount: v.workerCount },
        network: {
            nodeCidr: hetzner ? v.nodeCidr : COLIMA_NODE_CIDR,
            nodeSubnetCidr: hetzner ? v.nodeSubnetCidr : COLIMA_NODE_CIDR,
            podCidr: v.podCidr,
            serviceCidr: v.serviceCidr,
            ipv6: v.ipv6,
            podCidrV6: v.podCidrV6,
            serviceCidrV6: v.serviceCidrV6,
        },
        apiPort: v.apiPort,
        access: { sshAllowList: v.sshAllowList, apiAllowList: v.apiAllowList, allowWorldOpenAccess: v.allowWorldOpenAccess },
        ssh: { publicKey: v.sshPublicKey.trim(), user: v.sshUser, privateKeyConfigured: v.sshPrivateKey !== "" },
        hetzner: {
            location,
            networkZone: NETWORK_ZONE_BY_LOCATION[location],
            controlPlaneServerType: v.controlPlaneServerType,
            workerServerType: v.workerServerType,
            image: v.serverImage,
            publicIpv4: v.publicIpv4,
            publicIpv6: v.publicIpv6,
            cloudController: v.hcloudCloudController,
            csiDriver: v.hcloudCsiDriver,
            publicApiLoadBalancer: v.publicApiLoadBalancer,
            sshHostKeyAdoption: v.sshHostKeyAdoption,
            serverProtection: v.serverProtection,
        },
        colima: {
            profile: v.colimaProfile,
            cpus: v.colimaCpus,
            memoryGiB: v.colimaMemoryGiB,
            diskGiB: v.colimaDiskGiB,
            vmType: oneOf(COLIMA_VM_TYPES, v.colimaVmType) ?? "auto",
            sshPort: v.colimaSshPort,
        },
        cilium: {
            tunnelProtocol: oneOf(TUNNEL_PROTOCOLS, v.tunnelProtocol) ?? "geneve",
            routingMode: oneOf(ROUTING_MODES, v.routingMode) ?? "tunnel",
            policyEnforcementMode: oneOf(POLICY_ENFORCEMENT_MODES, v.policyEnforcementMode) ?? "default",
            policyAuditMode: v.policyAuditMode,
            enforcement: { evidenceWindow: v.enforcementEvidenceWindow, acceptAuditedFlows: v.enforcementAcceptAuditedFlows, attempt: v.enforcementAttempt },
            operatorReplicas: v.operatorReplicas,
            hubble: { enabled: v.hubbleEnabled, relay: v.hubbleRelay, ui: v.hubbleUi },
            gatewayApi: v.gatewayApi,
            bgpControlPlane: v.bgpControlPlane,
            hostFirewall: v.hostFirewall,
            l2Announcements: v.l2Announcements,
            lbIpPools: v.lbIpPools,
            l2Interfaces: v.l2Interfaces,
            wireguard: v.wireguard,
            worldIngressPolicy: v.worldIngressPolicy,
            valuesOverride: "values" in override ? override.values : {},
        },
        backup: {
            s3: v.etcdS3Backups, endpoint: v.etcdS3Endpoint, bucket: v.etcdS3Bucket, region: v.etcdS3Region,
            folder: v.etcdS3Folder, schedule: v.etcdSnapshotSchedule.trim(), retention: v.etcdSnapshotRetention,
        },
    };
}

export function deepFreeze<T>(o: T): T {
    if (o && typeof o === "object" && !Object.isFrozen(o)) {
        Object.freeze(o);
        for (const value of Object.values(o as object)) deepFreeze(value);
    }
    return o;
}

/** One error carrying every problem, formatted for `pulumi up` output. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}
