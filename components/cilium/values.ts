import { ClusterConfig } from "../config";
import { datapathHelmValues } from "./datapath";
import { hubbleTlsValues } from "./hubble-tls";
import { ciliumMtu } from "../hetzner-cloud/mtu";

export interface CiliumEndpoint {
    /** k8sServiceHost: the address agents reach the API on before any service routing exists. */
    serviceHost: string;
    port: number;
}

export type HelmValues = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge for Helm values: maps merge key by key, everything else (lists included) is replaced. */
export function deepMerge(base: HelmValues, override: HelmValues): HelmValues {
    const out: HelmValues = { ...base };
    for (const [key, value] of Object.entries(override)) {
        out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as HelmValues, value) : value;
    }
    return out;
}

/**
 * The Cilium Helm values, from config alone (plus the node contract's endpoint). The stack's `ciliumValues`
 * override is merged last. `policyAuditMode` is decided by the policies stage (see README "Audit first").
 */
export function ciliumValues(config: ClusterConfig, endpoint: CiliumEndpoint, opts: { policyAuditMode: boolean }): HelmValues {
    const c = config.cilium;
    const v6 = config.network.ipv6;
    const values: HelmValues = {
        cluster: { name: config.clusterName },
        kubeProxyReplacement: true,
        k8sServiceHost: endpoint.serviceHost,
        k8sServicePort: endpoint.port,
        ...datapathHelmValues(config), // routing, tunnel protocol and port, encryption: datapath.ts owns them
        ipam: { mode: "kubernetes" },
        ipv4: { enabled: true },
        ipv6: { enabled: v6 },
        enableIPv4Masquerade: true,
        enableIPv6Masquerade: v6,
        bpf: { masquerade: true },
        rollOutCiliumPods: true,
        operator: { replicas: c.operatorReplicas, rollOutPods: true },
        policyEnforcementMode: c.policyEnforcementMode,
        policyAuditMode: opts.policyAuditMode,
        gatewayAPI: {
            enabled: c.gatewayApi,
            // "auto" asks .Capabilities.APIVersions for the GatewayClass CRD (templates/cilium-gateway-api-class.yaml),
            // i.e. depends on the cluster's state at render time; "true" renders the same everywhere.
            gatewayClass: { create: c.gatewayApi ? "true" : "false" },
        },
        hubble: deepMerge({
            enabled: c.hubble.enabled,
            relay: { enabled: c.hubble.relay, rollOutPods: true },
            ui: { enabled: c.hubble.ui, rollOutPods: true },
        }, hubbleTlsValues()), // certificates come from the program (hubble-tls.ts), not from a Helm hook
        bgpControlPlane: { enabled: c.bgpControlPlane },
        hostFirewall: { enabled: c.hostFirewall },
        l2announcements: { enabled: c.l2Announcements },
        ...(c.l2Announcements ? { k8sClientRateLimit: { qps: 20, burst: 40 } } : {}),
        // The underlying device's MTU where it is a documented fact (components/hetzner-cloud/mtu.ts); 0 = auto-detect.
        ...(ciliumMtu(config) ? { MTU: ciliumMtu(config)!.deviceMtu } : {}),
    };
    return deepMerge(values, c.valuesOverride as HelmValues);
}
