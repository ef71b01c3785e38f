import * as YAML from "yaml";
import { CONFIG_KEYS, ConfigKey, KEY_NAMES, KeySpec, PROJECT, qualified } from "./keys";
import { Cidr, contains, isWorld, overlaps, parseCidr, size } from "./cidr";
import {
    ciliumMinor, compareMinor, gatewayApiVersionFor, GATEWAY_API_BY_CILIUM_MINOR, K3S_VERSION_PATTERN,
    KUBERNETES_RANGE_BY_CILIUM_MINOR, kubernetesMinorOfK3s, MIN_KERNEL_BY_CILIUM_MINOR,
} from "./versions";
import * as semver from "semver";
import { k3sConfigProblems } from "../k3s/rules";
import { l2OnHetznerProblems } from "../hetzner-cloud/rules";

export type Provider = "colima" | "hetzner";
export type TunnelProtocol = "geneve" | "vxlan";
export type RoutingMode = "tunnel" | "native";
export type PolicyEnforcementMode = "default" | "always" | "never";

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
    };
    readonly colima: {
        readonly profile: string;
        readonly cpus: number;
        readonly memoryGiB: number;
        readonly diskGiB: number;
        readonly vmType: "auto" | "vz" | "qemu";
    };
    readonly cilium: {
        readonly tunnelProtocol: TunnelProtocol;
        readonly routingMode: RoutingMode;
        readonly policyEnforcementMode: PolicyEnforcementMode;
        readonly policyAuditMode: boolean;
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
}

/** What validation needs besides the project's keys. */
export interface ValidationContext {
    stack: string;
    /** `hcloud:token` is set (as config or HCLOUD_TOKEN); only checked for provider hetzner. */
    hcloudTokenSet: boolean;
    /** Fully-qualified keys whose values are secrets: errors show "[secret]" instead of the value. */
    secretKeys?: readonly string[];
}

export type ValidationResult = { ok: true; config: ClusterConfig } | { ok: false; errors: string[] };

/** Hetzner locations → network zone (Hetzner Networks FAQ). */
export const NETWORK_ZONE_BY_LOCATION: Readonly<Record<string, string>> = Object.freeze({
    fsn1: "eu-central",
    nbg1: "eu-central",
    hel1: "eu-central",
    ash: "us-east",
    hil: "us-west",
    sin: "ap-southeast",
});

/** Hetzner: at most 100 servers attached to one network. */
export const HETZNER_MAX_SERVERS_PER_NETWORK = 100;
/** Lima's user-mode network that every Colima VM sits in (guest 192.168.5.15, host 192.168.5.2). */
export const COLIMA_NODE_CIDR = "192.168.5.0/24";
/** Private-IP scheme inside nodeSubnetCidr (documented in README "Addresses"). */
export const ADDRESS_OFFSETS = Object.freeze({ loadBalancer: 2, firstServer: 10, firstAgent: 100 });
export const MAX_CONTROL_PLANE = 7;

const ENUMS: Partial<Record<ConfigKey, readonly string[]>> = {
    provider: ["colima", "hetzner"],
    tunnelProtocol: ["geneve", "vxlan"],
    routingMode: ["tunnel", "native"],
    policyEnforcementMode: ["default", "always", "never"],
    colimaVmType: ["auto", "vz", "qemu"],
    hcloudLocation: Object.keys(NETWORK_ZONE_BY_LOCATION),
};

type Values = { [K in ConfigKey]: unknown };

function show(value: unknown): string {
    return JSON.stringify(value);
}

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

/** Parses one raw value (as the Pulumi CLI hands it over: a string, arrays as JSON) by its declared type. */
function parseTyped(key: ConfigKey, spec: KeySpec, raw: string): { value?: unknown; error?: string } {
    switch (spec.type) {
        case "integer":
            if (!/^-?\d+$/.test(raw.trim())) return { error: "accepted: a whole number" };
            return { value: Number(raw) };
        case "boolean":
            if (raw !== "true" && raw !== "false") return { error: "accepted: true or false" };
            return { value: raw === "true" };
        case "array": {
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch {
                return { error: "accepted: a YAML list of strings" };
            }
            if (!Array.isArray(parsed) || !parsed.every(x => typeof x === "string")) {
                return { error: "accepted: a YAML list of strings" };
            }
            return { value: parsed };
        }
        default:
            return { value: raw };
    }
}

/**
 * Validates the project's raw config (keys qualified with the project name, values as strings) and returns
 * either the typed config or every problem at once. Pure: no Pulumi runtime, no I/O.
 */
export function validateConfig(raw: Readonly<Record<string, string>>, ctx: ValidationContext): ValidationResult {
    const errors: string[] = [];
    const secret = new Set(ctx.secretKeys ?? []);
    const err = (key: ConfigKey | string, value: unknown, problem: string) => {
        const full = key.includes(":") ? key : qualified(key);
        errors.push(`${full} = ${secret.has(full) ? "[secret]" : show(value)}: ${problem}`);
    };

    // 1. Unknown keys in our namespace: a typo must not silently fall back to a default.
    for (const fullKey of Object.keys(raw).sort()) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const name = fullKey.slice(PROJECT.length + 1);
        if (!(name in CONFIG_KEYS)) {
            const best = [...KEY_NAMES].sort((a, b) => distance(name, a) - distance(name, b))[0];
            const hint = distance(name, best) <= 3 ? `did you mean ${qualified(best)}? ` : "";
            err(fullKey, raw[fullKey], `unknown key; ${hint}accepted keys: see the config reference in README.md`);
        }
    }

    // 2. Types, with defaults for absent keys.
    const v = {} as Values;
    const typeOk = new Set<ConfigKey>();
    for (const key of KEY_NAMES) {
        const spec: KeySpec = CONFIG_KEYS[key];
        const rawValue = raw[qualified(key)];
        if (rawValue === undefined) {
            v[key] = spec.default ?? "";
            typeOk.add(key);
            continue;
        }
        const parsed = parseTyped(key, spec, rawValue);
        if (parsed.error) {
            err(key, rawValue, parsed.error);
        } else {
            v[key] = parsed.value;
            typeOk.add(key);
        }
    }
    const ok = (...keys: ConfigKey[]) => keys.every(k => typeOk.has(k));
    const str = (k: ConfigKey) => v[k] as string;
    const num = (k: ConfigKey) => v[k] as number;
    const bool = (k: ConfigKey) => v[k] as boolean;
    const list = (k: ConfigKey) => v[k] as string[];

    for (const [key, accepted] of Object.entries(ENUMS) as [ConfigKey, readonly string[]][]) {
        if (ok(key) && !accepted.includes(str(key))) {
            err(key, v[key], `accepted: ${accepted.join(", ")}`);
            typeOk.delete(key);
        }
    }
    const provider = str("provider") as Provider;
    const hetzner = ok("provider") && provider === "hetzner";
    const colima = ok("provider") && provider === "colima";

    // 3. Names and versions.
    if (ok("clusterName") && !/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/.test(str("clusterName"))) {
        err("clusterName", v.clusterName, "accepted: a DNS label of 1-32 characters: lowercase letters, digits and '-', starting with a letter");
    }
    if (ok("colimaProfile") && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(str("colimaProfile"))) {
        err("colimaProfile", v.colimaProfile, "accepted: letters, digits, '.', '_' and '-' (a Colima profile name)");
    }
    let gatewayApi = "";
    let minKernel = "";
    const cMinor = ok("ciliumVersion") ? ciliumMinor(str("ciliumVersion")) : undefined;
    if (ok("ciliumVersion")) {
        if (!cMinor || !/^\d+\.\d+\.\d+$/.test(str("ciliumVersion"))) {
            err("ciliumVersion", v.ciliumVersion, "accepted: a Cilium release version such as 1.18.4 (no leading v)");
        } else if (!gatewayApiVersionFor(str("ciliumVersion"))) {
            err("ciliumVersion", v.ciliumVersion,
                `Cilium ${cMinor} has no Gateway API mapping; accepted minors: ${Object.keys(GATEWAY_API_BY_CILIUM_MINOR).join(", ")}`);
        } else {
            gatewayApi = gatewayApiVersionFor(str("ciliumVersion"))!;
            minKernel = MIN_KERNEL_BY_CILIUM_MINOR[cMinor];
        }
    }
    if (ok("k3sVersion")) {
        const k8sMinor = kubernetesMinorOfK3s(str("k3sVersion"));
        if (!K3S_VERSION_PATTERN.test(str("k3sVersion")) || !semver.valid(str("k3sVersion"))) {
            err("k3sVersion", v.k3sVersion, "accepted: a k3s release tag such as v1.33.5+k3s1");
        } else if (cMinor && k8sMinor && KUBERNETES_RANGE_BY_CILIUM_MINOR[cMinor]) {
            const range = KUBERNETES_RANGE_BY_CILIUM_MINOR[cMinor];
            if (compareMinor(k8sMinor, range.min) < 0 || compareMinor(k8sMinor, range.max) > 0) {
                err("k3sVersion", v.k3sVersion,
                    `Kubernetes ${k8sMinor} is outside Cilium ${cMinor}'s tested range; accepted: Kubernetes ${range.min} to ${range.max}`);
            }
        }
    }

    // 4. Node counts.
    const cp = num("controlPlaneCount");
    const workers = num("workerCount");
    if (ok("controlPlaneCount")) {
        if (cp < 1) {
            err("controlPlaneCount", cp, "a cluster needs at least one server (zero nodes); accepted: 1, 3, 5 or 7");
        } else if (cp % 2 === 0) {
            err("controlPlaneCount", cp,
                `etcd needs a majority (quorum) of members: ${cp} servers tolerate as many failures as ${cp - 1} but add one more voter to lose; accepted: 1, 3, 5 or 7`);
        } else if (cp > MAX_CONTROL_PLANE) {
            err("controlPlaneCount", cp, "more than 7 etcd members slows every write; accepted: 1, 3, 5 or 7");
        }
    }
    if (ok("workerCount") && workers < 0) {
        err("workerCount", workers, "accepted: 0 or more");
    }
    if (colima && ok("controlPlaneCount", "workerCount") && (cp !== 1 || workers !== 0)) {
        err(cp !== 1 ? "controlPlaneCount" : "workerCount", cp !== 1 ? cp : workers,
            "provider colima runs one VM; accepted: controlPlaneCount 1 and workerCount 0");
    }
    if (hetzner && ok("controlPlaneCount", "workerCount") && cp + workers > HETZNER_MAX_SERVERS_PER_NETWORK) {
        err("workerCount", workers,
            `${cp} servers + ${workers} agents = ${cp + workers} exceeds Hetzner's limit of ${HETZNER_MAX_SERVERS_PER_NETWORK} servers per private network; accepted: controlPlaneCount + workerCount <= ${HETZNER_MAX_SERVERS_PER_NETWORK}`);
    }
    const nodeCount = ok("controlPlaneCount", "workerCount") ? Math.max(cp + workers, 1) : 1;

    // 5. Networks.
    const cidr = (key: ConfigKey, family: 4 | 6): Cidr | undefined => {
        if (!ok(key)) return undefined;
        const parsed = parseCidr(str(key));
        if (typeof parsed === "string") {
            err(key, v[key], `${parsed}; accepted: an IPv${family} CIDR such as ${family === 4 ? "10.42.0.0/16" : "fd42:42::/56"}`);
            return undefined;
        }
        if (parsed.family !== family) {
            err(key, v[key], `accepted: an IPv${family} CIDR`);
            return undefined;
        }
        return parsed;
    };
    const nodeNet = hetzner ? cidr("nodeCidr", 4) : parseCidr(COLIMA_NODE_CIDR) as Cidr;
    const nodeSubnet = hetzner ? cidr("nodeSubnetCidr", 4) : undefined;
    const pod = cidr("podCidr", 4);
    const svc = cidr("serviceCidr", 4);
    const ipv6 = ok("ipv6") && bool("ipv6");
    const pod6 = ipv6 ? cidr("podCidrV6", 6) : undefined;
    const svc6 = ipv6 ? cidr("serviceCidrV6", 6) : undefined;
    if (nodeNet && nodeSubnet) {
        if (!contains(nodeNet, nodeSubnet)) {
            err("nodeSubnetCidr", v.nodeSubnetCidr, `must lie inside nodeCidr ${nodeNet.text}`);
        } else if (ok("workerCount") && size(nodeSubnet) < BigInt(ADDRESS_OFFSETS.firstAgent + Math.max(workers, 0) + 1)) {
            err("nodeSubnetCidr", v.nodeSubnetCidr,
                `too small for ${workers} agents at offsets ${ADDRESS_OFFSETS.firstAgent}+ (README "Addresses"); accepted: a subnet with at least ${ADDRESS_OFFSETS.firstAgent + workers + 1} addresses`);
        }
    }
    const ranges: [ConfigKey | string, Cidr | undefined][] = [
        [hetzner ? "nodeCidr" : `Colima's VM network ${COLIMA_NODE_CIDR}`, nodeNet],
        ["podCidr", pod],
        ["serviceCidr", svc],
        ["podCidrV6", pod6],
        ["serviceCidrV6", svc6],
    ];
    for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
            const [ka, a] = ranges[i];
            const [kb, b] = ranges[j];
            if (a && b && overlaps(a, b) && (kb as string) in CONFIG_KEYS) {
                err(kb as ConfigKey, b.text, `overlaps ${(ka as string) in CONFIG_KEYS ? qualified(ka as string) : ka} (${a.text}); accepted: a range disjoint from the node, pod and service ranges`);
            }
        }
    }
    if (pod) {
        // Kubernetes IPAM hands every node a /24 out of the cluster CIDR (k3s node-cidr-mask-size default).
        if (pod.prefix > 24 || 2 ** (24 - pod.prefix) < nodeCount) {
            err("podCidr", pod.text, `too small: every node gets a /24 and there are ${nodeCount} nodes; accepted: a prefix of /${Math.min(24, 24 - Math.ceil(Math.log2(nodeCount)))} or larger`);
        }
    }
    if (svc && (svc.prefix < 12 || svc.prefix > 28)) {
        err("serviceCidr", svc.text, "accepted: a prefix between /12 and /28 (Kubernetes limits the service range to 2^20 addresses)");
    }
    if (pod6 && pod6.prefix > 64) {
        err("podCidrV6", pod6.text, "accepted: a prefix of /64 or larger (every node gets a /64)");
    }
    if (svc6 && svc6.prefix < 108) {
        err("serviceCidrV6", svc6.text, "accepted: a prefix between /108 and /128 (Kubernetes limits the service range to 2^20 addresses)");
    }

    // 6. Ports and access.
    if (ok("apiPort") && (num("apiPort") < 1 || num("apiPort") > 65535)) {
        err("apiPort", v.apiPort, "accepted: a TCP port 1-65535");
    }
    for (const key of ["sshAllowList", "apiAllowList"] as const) {
        if (!ok(key)) continue;
        for (const entry of list(key)) {
            const parsed = parseCidr(entry);
            if (typeof parsed === "string") {
                err(key, list(key), `entry ${show(entry)}: ${parsed}; accepted: IPv4/IPv6 CIDRs such as 203.0.113.0/24`);
            } else if (isWorld(parsed) && !(ok("allowWorldOpenAccess") && bool("allowWorldOpenAccess"))) {
                err(key, list(key), `entry ${entry} opens the port to the whole internet; accepted: narrower CIDRs, or set ${qualified("allowWorldOpenAccess")}: true to opt in`);
            }
        }
        if (hetzner && list(key).length === 0) {
            err(key, list(key), "provider hetzner needs an allow-list (nothing is opened to the world by default); accepted: one or more CIDRs");
        }
    }
    if (ok("sshPublicKey", "sshPrivateKey")) {
        const pub = str("sshPublicKey");
        const privateSet = str("sshPrivateKey") !== "";
        if (pub !== "" && !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(pub.trim())) {
            err("sshPublicKey", pub, "accepted: an OpenSSH public key line (ssh-ed25519 AAAA..., ssh-rsa ..., ecdsa-sha2-...)");
        }
        if (pub !== "" && !privateSet) {
            err("sshPrivateKey", "", `required when ${qualified("sshPublicKey")} is set; accepted: the matching private key, set with pulumi config set --secret`);
        }
        if (pub === "" && privateSet) {
            err("sshPublicKey", "", `required when ${qualified("sshPrivateKey")} is set; accepted: the matching OpenSSH public key`);
        }
    }
    for (const key of ["controlPlaneServerType", "workerServerType"] as const) {
        if (ok(key) && !/^[a-z]+[0-9]+[a-z]*$/.test(str(key))) {
            err(key, v[key], "accepted: a Hetzner server type name such as cx23 or cpx31");
        }
    }
    if (ok("serverImage") && !/^[a-z0-9][a-z0-9.-]*$/.test(str("serverImage"))) {
        err("serverImage", v.serverImage, "accepted: a Hetzner image name such as ubuntu-24.04");
    }
    if (hetzner && ok("publicIpv4", "publicIpv6") && !bool("publicIpv4") && !bool("publicIpv6")) {
        err("publicIpv4", false, "with publicIpv6 also false the operator cannot reach the servers over SSH; accepted: true, or publicIpv6 true");
    }
    if (hetzner && !ctx.hcloudTokenSet) {
        errors.push(`hcloud:token = (not set): provider hetzner needs an API token; accepted: pulumi config set --secret hcloud:token <token> (or HCLOUD_TOKEN in the environment)`);
    }

    // 7. Colima VM size.
    for (const key of ["colimaCpus", "colimaMemoryGiB", "colimaDiskGiB"] as const) {
        if (ok(key) && num(key) <= 0) err(key, v[key], "accepted: a positive whole number");
    }

    // 8. Cilium.
    if (hetzner && ok("routingMode") && str("routingMode") === "native") {
        err("routingMode", "native",
            "Hetzner cloud networks are routed (L3) and do not carry pod routes between servers; accepted: tunnel");
    }
    if (ok("hubbleEnabled", "hubbleRelay") && bool("hubbleRelay") && !bool("hubbleEnabled")) {
        err("hubbleRelay", true, `Hubble Relay reads from Hubble in the agents; accepted: false, or ${qualified("hubbleEnabled")}: true`);
    }
    if (ok("hubbleUi", "hubbleRelay") && bool("hubbleUi") && !bool("hubbleRelay")) {
        err("hubbleUi", true, `the Hubble UI needs Hubble Relay; accepted: false, or ${qualified("hubbleRelay")}: true`);
    }
    if (ok("operatorReplicas")) {
        if (num("operatorReplicas") < 1) {
            err("operatorReplicas", v.operatorReplicas, "accepted: 1 or more");
        } else if (num("operatorReplicas") > nodeCount) {
            err("operatorReplicas", v.operatorReplicas,
                `cilium-operator replicas repel each other (one per node) and there are ${nodeCount} nodes; accepted: 1 to ${nodeCount}`);
        }
    }
    if (ok("l2Announcements", "lbIpPools")) {
        const pools: Cidr[] = [];
        for (const entry of list("lbIpPools")) {
            const parsed = parseCidr(entry);
            if (typeof parsed === "string") {
                err("lbIpPools", list("lbIpPools"), `entry ${show(entry)}: ${parsed}; accepted: CIDRs such as 10.0.200.0/24`);
                continue;
            }
            for (const [k, r] of ranges) {
                if (r && (k === "podCidr" || k === "serviceCidr") && overlaps(parsed, r)) {
                    err("lbIpPools", list("lbIpPools"), `entry ${entry} overlaps ${qualified(k)} (${r.text}); accepted: a range outside the pod and service ranges`);
                }
            }
            if (nodeSubnet && overlaps(parsed, nodeSubnet)) {
                err("lbIpPools", list("lbIpPools"), `entry ${entry} overlaps ${qualified("nodeSubnetCidr")} (${nodeSubnet.text}); accepted: a range outside the node subnet`);
            }
            pools.push(parsed);
        }
        if (bool("l2Announcements") && list("lbIpPools").length === 0) {
            err("lbIpPools", [], `L2 announcements need addresses to announce; accepted: one or more CIDRs, or ${qualified("l2Announcements")}: false`);
        }
    }
    if (ok("provider", "l2Announcements", "lbIpPools", "hcloudCloudController")) errors.push(...l2OnHetznerProblems({ provider, l2Announcements: bool("l2Announcements"), lbIpPools: list("lbIpPools"), cloudController: bool("hcloudCloudController") }));
    if (ok("l2Interfaces")) {
        for (const re of list("l2Interfaces")) {
            try {
                new RegExp(re);
            } catch {
                err("l2Interfaces", list("l2Interfaces"), `entry ${show(re)} is not a valid regular expression; accepted: interface regexes such as ^eth[0-9]+`);
            }
        }
    }
    let valuesOverride: Record<string, unknown> = {};
    if (ok("ciliumValues") && str("ciliumValues").trim() !== "") {
        try {
            const parsed = YAML.parse(str("ciliumValues"));
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
                err("ciliumValues", v.ciliumValues, "accepted: a YAML mapping of Helm values, e.g. 'hubble: {metrics: {enabled: [dns]}}'");
            } else {
                valuesOverride = parsed as Record<string, unknown>;
                // The chart's own rules (templates/validate.yaml) on the merged result, so helm never gets to fail.
                const h = (valuesOverride.hubble ?? {}) as { enabled?: unknown; relay?: { enabled?: unknown }; ui?: { enabled?: unknown } };
                const enabled = h.enabled ?? (ok("hubbleEnabled") && bool("hubbleEnabled"));
                const relay = h.relay?.enabled ?? (ok("hubbleRelay") && bool("hubbleRelay"));
                const ui = h.ui?.enabled ?? (ok("hubbleUi") && bool("hubbleUi"));
                if (ui === true && relay !== true) {
                    err("ciliumValues", v.ciliumValues, "sets hubble.ui.enabled without Hubble Relay (the chart fails: \"Hubble UI requires .Values.hubble.relay.enabled=true\"); accepted: also hubble.relay.enabled: true, or hubbleRelay: true");
                }
                if (relay === true && enabled !== true) {
                    err("ciliumValues", v.ciliumValues, "enables Hubble Relay without Hubble (the chart fails: \"Hubble Relay requires .Values.hubble.enabled=true\"); accepted: hubble.enabled: true");
                }
            }
        } catch (e) {
            err("ciliumValues", v.ciliumValues, `not valid YAML (${(e as Error).message.split("\n")[0]}); accepted: a YAML mapping of Helm values`);
        }
    }

    if (ok("provider", "ipv6", "publicIpv6")) errors.push(...k3sConfigProblems({ provider, ipv6, publicIpv6: bool("publicIpv6") }));

    if (errors.length > 0) {
        return { ok: false, errors };
    }
    const config: ClusterConfig = {
        project: PROJECT,
        stack: ctx.stack,
        provider,
        clusterName: str("clusterName"),
        versions: { k3s: str("k3sVersion"), cilium: str("ciliumVersion"), gatewayApi, minKernel },
        nodes: { controlPlaneCount: cp, workerCount: workers },
        network: {
            nodeCidr: hetzner ? str("nodeCidr") : COLIMA_NODE_CIDR,
            nodeSubnetCidr: hetzner ? str("nodeSubnetCidr") : COLIMA_NODE_CIDR,
            podCidr: str("podCidr"),
            serviceCidr: str("serviceCidr"),
            ipv6,
            podCidrV6: str("podCidrV6"),
            serviceCidrV6: str("serviceCidrV6"),
        },
        apiPort: num("apiPort"),
        access: {
            sshAllowList: list("sshAllowList"),
            apiAllowList: list("apiAllowList"),
            allowWorldOpenAccess: bool("allowWorldOpenAccess"),
        },
        ssh: { publicKey: str("sshPublicKey").trim(), user: str("sshUser"), privateKeyConfigured: str("sshPrivateKey") !== "" },
        hetzner: {
            location: str("hcloudLocation"),
            networkZone: NETWORK_ZONE_BY_LOCATION[str("hcloudLocation")],
            controlPlaneServerType: str("controlPlaneServerType"),
            workerServerType: str("workerServerType"),
            image: str("serverImage"),
            publicIpv4: bool("publicIpv4"),
            publicIpv6: bool("publicIpv6"),
            cloudController: bool("hcloudCloudController"),
            csiDriver: bool("hcloudCsiDriver"),
        },
        colima: {
            profile: str("colimaProfile"),
            cpus: num("colimaCpus"),
            memoryGiB: num("colimaMemoryGiB"),
            diskGiB: num("colimaDiskGiB"),
            vmType: str("colimaVmType") as "auto" | "vz" | "qemu",
        },
        cilium: {
            tunnelProtocol: str("tunnelProtocol") as TunnelProtocol,
            routingMode: str("routingMode") as RoutingMode,
            policyEnforcementMode: str("policyEnforcementMode") as PolicyEnforcementMode,
            policyAuditMode: bool("policyAuditMode"),
            operatorReplicas: num("operatorReplicas"),
            hubble: { enabled: bool("hubbleEnabled"), relay: bool("hubbleRelay"), ui: bool("hubbleUi") },
            gatewayApi: bool("gatewayApi"),
            bgpControlPlane: bool("bgpControlPlane"),
            hostFirewall: bool("hostFirewall"),
            l2Announcements: bool("l2Announcements"),
            lbIpPools: list("lbIpPools"),
            l2Interfaces: list("l2Interfaces"),
            wireguard: bool("wireguard"),
            worldIngressPolicy: bool("worldIngressPolicy"),
            valuesOverride,
        },
    };
    return { ok: true, config: deepFreeze(config) };
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
