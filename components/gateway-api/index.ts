import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, PINNED_GATEWAY_API_CRDS } from "../config";
import { PinnedArtifact, verifiedArtifactFile } from "../shared/artifacts";

export interface GatewayApiCrd {
    /** CRD plural, e.g. "httproutes". */
    plural: string;
    channel: "standard" | "experimental";
    url: string;
    /** The file as a digest-pinned artifact (sha256 "" when the version has no pin: the component refuses it). */
    artifact: PinnedArtifact;
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
    return CRDS.map(c => {
        const file = `${c.channel}/gateway.networking.k8s.io_${c.plural}.yaml`;
        const url = `https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/${version}/config/crd/${file}`;
        const sha256 = PINNED_GATEWAY_API_CRDS[version]?.[file] ?? "";
        return { ...c, url, artifact: { name: `Gateway API ${version} ${file}`, url, sha256, mirrorPath: `gateway-api/${version}/${file}` } };
    });
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
        const crds = gatewayApiCrds(this.version);
        const unpinned = crds.filter(c => !c.artifact.sha256).map(c => c.artifact.name);
        if (unpinned.length) {
            throw new pulumi.ResourceError(`no pinned SHA-256 for ${unpinned.join(", ")}: pin them in PINNED_GATEWAY_API_CRDS (components/config/versions.ts)`, this);
        }
        // The provider gets the verified file itself, a local path that resolves only once the program has checked
        // the digest and written the bytes (components/shared/artifacts.ts): it fetches nothing. Same resources,
        // same names: the live CRDs keep their URNs.
        this.files = crds.map(crd => new k8s.yaml.v2.ConfigFile(`gateway-api-${crd.plural}`, {
            file: pulumi.output(verifiedArtifactFile(crd.artifact)),
        }, { parent: this, provider: args.provider, dependsOn: args.dependsOn, deletedWith: args.deletedWith }));
        this.registerOutputs({ version: this.version });
    }
}
