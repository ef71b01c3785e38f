import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { ClusterConfig } from "../config";
import type { HelmValues } from "./values";

/**
 * Hubble's mTLS certificates, made by the program instead of by the chart.
 *
 * Why: `hubble.tls.auto.method: cronJob` creates the certificates with a Job annotated `helm.sh/hook:
 * post-install,post-upgrade` (cilium 1.18.4 chart, templates/hubble/tls-cronjob/job.yaml), and helm.v4.Chart
 * renders with `DisableHooks = true` (pulumi/pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go; issue
 * #3284), so the Job never runs and hubble-relay's non-optional `hubble-relay-client-certs` volume never exists.
 * `method: helm` is not stable either: templates/hubble/tls-helm/relay-server-secret.yaml and
 * ui-client-certs.yaml call `genSignedCert` without a `lookup` fallback, so every render (every preview) would
 * produce new keys. Certificates from @pulumi/tls are created once, live in the stack state (secret) and only
 * change when they near expiry.
 */
export interface HubbleCertificate {
    /** Secret in kube-system the chart is pointed at through `existingSecret`. */
    secretName: string;
    commonName: string;
    dnsNames: string[];
    usages: string[];
}

/** The chart's default Secret names (templates/cilium-agent/daemonset.yaml, templates/hubble-relay/deployment.yaml). */
export const HUBBLE_SERVER_SECRET = "hubble-server-certs";
export const HUBBLE_RELAY_CLIENT_SECRET = "hubble-relay-client-certs";
/** Leaf certificates: three years like the chart's `hubble.tls.auto.certValidityDuration` (1095 days). */
export const LEAF_VALIDITY_HOURS = 1095 * 24;
export const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** Inside this window before expiry a `pulumi up` replaces the certificate (@pulumi/tls early renewal). */
export const EARLY_RENEWAL_HOURS = 30 * 24;

/**
 * Pure: the certificates the config needs. The agent's Hubble server always (hubble on), the relay's client
 * certificate only with the relay. Names follow what the chart's helm method issues
 * (templates/hubble/tls-helm/server-secret.yaml, relay-client-secret.yaml): the relay dials each agent as
 * `<node>.<cluster>.hubble-grpc.cilium.io`, so the server certificate is the wildcard of that.
 */
export function hubbleCertificates(config: ClusterConfig): HubbleCertificate[] {
    const hubble = config.cilium.hubble;
    if (!hubble.enabled) return [];
    const serverName = `*.${config.clusterName.replace(/\./g, "-")}.hubble-grpc.cilium.io`;
    const certs: HubbleCertificate[] = [{
        secretName: HUBBLE_SERVER_SECRET, commonName: serverName, dnsNames: [serverName],
        usages: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    }];
    if (hubble.relay) {
        certs.push({
            secretName: HUBBLE_RELAY_CLIENT_SECRET, commonName: "*.hubble-relay.cilium.io", dnsNames: ["*.hubble-relay.cilium.io"],
            usages: ["digital_signature", "key_encipherment", "client_auth"],
        });
    }
    return certs;
}

/**
 * Pure: the chart values that turn the chart's own certificate generation off and point it at the program's
 * Secrets. With `existingSecret` set the chart renders no Secret of its own (templates/hubble/tls-provided/*.yaml
 * are skipped), so no key material ever passes through Helm values.
 */
export function hubbleTlsValues(): HelmValues {
    return {
        tls: { enabled: true, auto: { enabled: false }, server: { existingSecret: HUBBLE_SERVER_SECRET } },
        // Set with the relay off too: values stay the same shape, and nothing renders that reads it.
        relay: { tls: { client: { existingSecret: HUBBLE_RELAY_CLIENT_SECRET }, server: { enabled: false } } },
    };
}

export interface HubbleTlsArgs {
    readonly config: ClusterConfig;
    readonly provider: k8s.Provider;
    /** In-cluster objects go with the cluster. */
    readonly deletedWith: pulumi.Resource;
    /** The API must answer before the Secrets can be written. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** A private CA and the Hubble certificates signed by it, as kubernetes.io/tls Secrets the chart mounts. */
export class HubbleTls extends pulumi.ComponentResource {
    readonly secrets: k8s.core.v1.Secret[] = [];

    constructor(name: string, args: HubbleTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:cilium:HubbleTls", name, {}, opts);
        const parent = this;
        const certs = hubbleCertificates(args.config);
        if (certs.length) {
            const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
            const ca = new tls.SelfSignedCert(`${name}-ca`, {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: "hubble-ca.cilium.io", organization: args.config.clusterName },
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                earlyRenewalHours: EARLY_RENEWAL_HOURS,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            }, { parent });
            for (const c of certs) this.secrets.push(this.issue(c, caKey, ca, args));
        }
        this.registerOutputs({ secretNames: certs.map(c => c.secretName) });
    }

    private issue(c: HubbleCertificate, caKey: tls.PrivateKey, ca: tls.SelfSignedCert, args: HubbleTlsArgs): k8s.core.v1.Secret {
        const parent = this;
        const key = new tls.PrivateKey(`${c.secretName}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
        const csr = new tls.CertRequest(`${c.secretName}-csr`, {
            privateKeyPem: key.privateKeyPem, subject: { commonName: c.commonName }, dnsNames: c.dnsNames,
        }, { parent });
        const cert = new tls.LocallySignedCert(`${c.secretName}-cert`, {
            certRequestPem: csr.certRequestPem, caPrivateKeyPem: caKey.privateKeyPem, caCertPem: ca.certPem,
            validityPeriodHours: LEAF_VALIDITY_HOURS, earlyRenewalHours: EARLY_RENEWAL_HOURS, allowedUses: c.usages,
        }, { parent });
        return new k8s.core.v1.Secret(c.secretName, {
            metadata: { name: c.secretName, namespace: "kube-system" },
            type: "kubernetes.io/tls",
            // The keys the chart's projected volumes read: tls.crt, tls.key, ca.crt.
            stringData: pulumi.secret(pulumi.all([ca.certPem, cert.certPem, key.privateKeyPem])
                .apply(([caPem, certPem, keyPem]) => ({ "ca.crt": caPem, "tls.crt": certPem, "tls.key": keyPem }))),
        }, { parent, provider: args.provider, deletedWith: args.deletedWith, dependsOn: args.dependsOn });
    }
}
