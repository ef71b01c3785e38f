import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config";

export interface GatewayApiCrd {
    /** CRD plural, e.g. "httproutes". */
    plural: string;
    channel: "standard" | "experimental";
    url: string;
}

/** The CRDs Cilium's operator requires (standard channel) plus the optional experimental TLSRoute. */
const CRDS: readonly { plural: string; channel: "standard" | "experimental" }[] = [
    { plural: "gatewayclasses", channel: "standard" },
    { plural: "gateways", channel: "standard" },
    { plural: "httproutes", channel: "standard" },
    { plural: "grpcroutes", channel: "standard" },
    { plural: "referencegrants", channel: "standard" },
    { plural: "tlsroutes", channel: "experimental" },
];

/** Official per-file release URLs of the Gateway API CRDs for a version (e.g. v1.2.0). */
export function gatewayApiCrds(version: string): GatewayApiCrd[] {
    return CRDS.map(c => ({
        ...c,
        url: `https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/${version}/config/crd/${c.channel}/gateway.networking.k8s.io_${c.plural}.yaml`,
    }));
}

export interface GatewayApiCrdsArgs {
    config: ClusterConfig;
    provider: k8s.Provider;
    /** Must exist first (the API answering). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** The machine whose deletion takes the cluster (and these CRDs) with it. */
    deletedWith: pulumi.Resource;
}

/**
 * The Gateway API CRDs for the Cilium minor's mapped version. Cilium's operator only looks for them at
 * start-up, so the Cilium chart depends on this component.
 */
export class GatewayApiCrds extends pulumi.ComponentResource {
    readonly version: string;
    readonly files: k8s.yaml.v2.ConfigFile[];

    constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:gateway-api:GatewayApiCrds", name, {}, opts);
        this.version = args.config.versions.gatewayApi;
        this.files = gatewayApiCrds(this.version).map(crd => new k8s.yaml.v2.ConfigFile(`gateway-api-${crd.plural}`, {
            file: crd.url,
        }, { parent: this, provider: args.provider, dependsOn: args.dependsOn, deletedWith: args.deletedWith }));
        this.registerOutputs({ version: this.version });
    }
}
