import * as schemaData from "./data/cilium-values-schema.json";

/** JSON Schema node, as far as values.schema.json of the Cilium chart uses it. */
export interface SchemaNode {
    type?: string | string[];
    properties?: Record<string, SchemaNode>;
    anyOf?: SchemaNode[];
    oneOf?: SchemaNode[];
}

/**
 * Every key path of a chart's values.schema.json with the JSON types it allows ("hubble.relay.enabled" →
 * ["boolean"]). A path typed "object" without properties is a free-form map (annotations, nodeSelector, …).
 */
export function schemaPaths(schema: SchemaNode): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const walk = (node: SchemaNode, prefix: string) => {
        const types = new Set<string>([node.type ?? []].flat());
        for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) for (const t of [alt.type ?? []].flat()) types.add(t);
        if (prefix) out[prefix] = [...types].sort();
        for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, prefix ? `${prefix}.${k}` : k);
    };
    walk(schema, "");
    return out;
}

/**
 * The pinned chart's key tree (components/config/data/cilium-values-schema.json: `paths` is schemaPaths() of
 * values.schema.json in cilium-1.18.4.tgz, https://helm.cilium.io, sha256 c361ca56…; test/config-cilium-values
 * checks it against the package). The schema lists every key of the chart's values.yaml.
 */
export const CILIUM_VALUE_PATHS: Readonly<Record<string, readonly string[]>> = schemaData.paths;
export const CILIUM_VALUES_VERSION: string = schemaData.version;
const ACCEPTED = `keys and types of the Cilium ${CILIUM_VALUES_VERSION} chart's values (helm show values cilium/cilium --version ${CILIUM_VALUES_VERSION})`;

/**
 * Helm values the program computes (components/cilium/values.ts, ciliumValues()), each with the config key that
 * decides it, or "" where the program alone decides it (the datapath the README documents, certificates, MTU).
 * An override there would silently fight the key, or break what other stages assume (the guard, the policies,
 * the firewall), so it is refused with the key to set instead.
 */
export const OWNED_VALUE_PATHS: Readonly<Record<string, string>> = Object.freeze({
    "cluster.name": "clusterName",
    kubeProxyReplacement: "", k8sServiceHost: "", k8sServicePort: "apiPort", "ipam.mode": "", "ipv4.enabled": "",
    "bpf.masquerade": "", enableIPv4Masquerade: "", MTU: "",
    routingMode: "routingMode", tunnelProtocol: "tunnelProtocol", ipv4NativeRoutingCIDR: "podCidr", autoDirectNodeRoutes: "routingMode",
    // The protocol's port, which the host policies allow (components/cilium/datapath.ts owns the datapath).
    tunnelPort: "",
    // The rollout wait relies on pods restarting when their config changes.
    rollOutCiliumPods: "", "operator.rollOutPods": "", "hubble.relay.rollOutPods": "", "hubble.ui.rollOutPods": "",
    "ipv6.enabled": "ipv6", enableIPv6Masquerade: "ipv6",
    "operator.replicas": "operatorReplicas",
    policyEnforcementMode: "policyEnforcementMode", policyAuditMode: "policyAuditMode",
    "gatewayAPI.enabled": "gatewayApi", "gatewayAPI.gatewayClass.create": "gatewayApi",
    "hubble.enabled": "hubbleEnabled", "hubble.relay.enabled": "hubbleRelay", "hubble.ui.enabled": "hubbleUi", "hubble.tls": "", "hubble.relay.tls": "",
    "bgpControlPlane.enabled": "bgpControlPlane", "hostFirewall.enabled": "hostFirewall", "l2announcements.enabled": "l2Announcements",
    encryption: "wireguard",
});

const RAW = "not overridable: it writes raw cilium-config keys / agent flags past every key the program owns (e.g. {routing-mode: native, policy-audit-mode: 'false'} turns the tunnel off and enforcement on; chart 1.18.4 templates/cilium-configmap.yaml and cilium-agent/daemonset.yaml copy it verbatim); accepted: leave it out, and set the chart value or the k3s-cilium: key for what you need";
const DATAPATH = "not overridable, fixed by design: the datapath the preflight, the datapath guard, the node firewall and the host policies are built for (components/cilium/datapath.ts) depends on it; accepted: leave it out";

/**
 * Chart values the program does not compute but whose chart default the rest of the program relies on: a
 * different value changes the datapath under the guard and the policies (or, for extraConfig/extraArgs, bypasses
 * ownership entirely). Each is refused with why. test/cilium-ownership.test.ts renders the real chart with the
 * overrides validation accepts and checks that the program-owned cilium-config keys do not move.
 */
export const FIXED_VALUE_PATHS: Readonly<Record<string, string>> = Object.freeze({
    extraConfig: RAW, extraArgs: RAW,
    underlayProtocol: DATAPATH, "bpf.datapathMode": DATAPATH, "bpf.hostLegacyRouting": DATAPATH,
    "cni.chainingMode": DATAPATH, "cni.chainingTarget": DATAPATH, "cni.customConf": DATAPATH, "endpointRoutes.enabled": DATAPATH,
    "loadBalancer.mode": DATAPATH, "loadBalancer.dsrDispatch": DATAPATH, "loadBalancer.acceleration": DATAPATH,
    healthPort: DATAPATH, healthChecking: DATAPATH, "hubble.peerService": DATAPATH, "hubble.listenAddress": DATAPATH,
    socketLB: DATAPATH, nodePort: DATAPATH, k8sServiceHostRef: DATAPATH, ipMasqAgent: DATAPATH,
    "k8s.requireIPv4PodCIDR": DATAPATH, "k8s.requireIPv6PodCIDR": DATAPATH,
});

function owned(p: string): string | undefined {
    const fixed = Object.keys(FIXED_VALUE_PATHS).find(o => p === o || p.startsWith(`${o}.`));
    if (fixed !== undefined) return FIXED_VALUE_PATHS[fixed];
    const hit = Object.keys(OWNED_VALUE_PATHS).find(o => p === o || p.startsWith(`${o}.`));
    if (hit === undefined) return undefined;
    const key = OWNED_VALUE_PATHS[hit];
    return key ? `set by the program from k3s-cilium:${key}; accepted: set k3s-cilium:${key} instead`
        : "set by the program itself (components/cilium/values.ts); accepted: leave it out";
}

/** Keys the chart's templates read that are not in values.schema.json (shared/upstream/README.md). */
const TEMPLATE_ONLY_PATHS = new Set(["policyAuditMode"]);

function jsonType(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function typeFits(value: unknown, allowed: readonly string[]): boolean {
    const t = jsonType(value);
    return allowed.length === 0 || allowed.includes(t) || (t === "integer" && allowed.includes("number"))
        || (t === "null" && allowed.includes("null"));
}

/** Closest known sibling key, for "did you mean". */
function nearest(parent: string, key: string, paths: Readonly<Record<string, readonly string[]>>): string | undefined {
    const depth = parent ? parent.split(".").length + 1 : 1;
    const siblings = Object.keys(paths).filter(p => p.split(".").length === depth && (parent === "" || p.startsWith(`${parent}.`)));
    const score = (p: string) => { const k = p.split(".").pop()!; let d = Math.abs(k.length - key.length); for (let i = 0; i < Math.min(k.length, key.length); i++) if (k[i] !== key[i]) d++; return d; };
    const best = siblings.sort((a, b) => score(a) - score(b))[0];
    return best && score(best) <= 3 ? best : undefined;
}

/**
 * Keys the program owns, keys the chart does not have and values of the wrong type in a ciliumValues override,
 * as sentences naming the key path and what is accepted.
 */
export function ciliumValuesProblems(override: Record<string, unknown>, paths = CILIUM_VALUE_PATHS): string[] {
    const problems: string[] = [];
    const walk = (obj: Record<string, unknown>, parent: string) => {
        for (const [key, value] of Object.entries(obj)) {
            const p = parent ? `${parent}.${key}` : key;
            const ownedBy = owned(p);
            if (ownedBy) {
                problems.push(`key ${p} is ${ownedBy}`);
                continue;
            }
            const allowed = paths[p];
            if (!allowed) {
                if (TEMPLATE_ONLY_PATHS.has(p)) continue;
                const hint = nearest(parent, key, paths);
                problems.push(`key ${p} is not in the Cilium chart's values${hint ? ` (did you mean ${hint}?)` : ""}; accepted: ${ACCEPTED}`);
                continue;
            }
            if (!typeFits(value, allowed)) {
                problems.push(`key ${p} is ${jsonType(value)} ${JSON.stringify(value)}, the chart's schema wants ${allowed.join(" or ")}; accepted: ${ACCEPTED}`);
                continue;
            }
            const hasChildren = Object.keys(paths).some(k => k.startsWith(`${p}.`));
            if (hasChildren && value && typeof value === "object" && !Array.isArray(value)) walk(value as Record<string, unknown>, p);
        }
    };
    walk(override, "");
    return problems;
}
