import * as semver from "semver";

/**
 * Cilium minor → Gateway API release whose CRDs Cilium's operator expects (the seed's map; Cilium's
 * "Gateway API support" docs list the version each minor is tested with).
 */
export const GATEWAY_API_BY_CILIUM_MINOR: Readonly<Record<string, string>> = Object.freeze({
    "1.16": "v1.1.0",
    "1.17": "v1.2.0",
    "1.18": "v1.2.0",
    "1.19": "v1.3.0",
});

/**
 * Kubernetes minors Cilium e2e-tests each release on (cilium/cilium tag v1.18.14,
 * Documentation/network/kubernetes/compatibility.rst: "1.30, 1.31, 1.32, 1.33"). Only minors whose table was read
 * are listed; validation refuses a Cilium minor without an entry, so no k3s release goes unchecked.
 */
export const KUBERNETES_RANGE_BY_CILIUM_MINOR: Readonly<Record<string, { min: string; max: string }>> = Object.freeze({
    "1.18": { min: "1.30", max: "1.33" },
});

/** Minimum kernel per Cilium minor (system requirements: 5.10 since 1.18; 4.19 before). */
export const MIN_KERNEL_BY_CILIUM_MINOR: Readonly<Record<string, string>> = Object.freeze({
    "1.16": "4.19",
    "1.17": "4.19",
    "1.18": "5.10",
    "1.19": "5.10",
});

/**
 * The k3s installer, pinned by commit and digest: the node downloads it from this URL and refuses to run it unless
 * its SHA-256 matches (components/k3s/scripts/install.sh). Facts from ../shared/upstream/README.md ("k3s facts"):
 * github.com/k3s-io/k3s install.sh at commit 0136cf258954a458da1404858396342724b93d24, 36,455 bytes. The installer
 * itself verifies the k3s binary it downloads against the release's sha256sum-<arch>.txt. INSTALL_K3S_VERSION picks
 * the binary, so one installer serves every pinned k3s version.
 */
export const K3S_INSTALLER = Object.freeze({
    url: "https://raw.githubusercontent.com/k3s-io/k3s/0136cf258954a458da1404858396342724b93d24/install.sh",
    sha256: "40b487f0d8ef4f5d1bf422e7bb6228cc7789c40ecc66c5ab067d396bbee9816e",
});

/**
 * The Cilium chart versions the program is pinned to, each with the SHA-256 of its official chart package
 * (https://helm.cilium.io/cilium-<version>.tgz; for 1.18.4 the digest in shared/upstream/SHA256SUMS, which
 * test/upstream.ts checks the package against). A version without a digest here is refused by validation: pin it
 * here (with its digest) after testing it.
 */
export const PINNED_CILIUM_CHARTS: Readonly<Record<string, { readonly sha256: string }>> = Object.freeze({
    "1.18.4": { sha256: "c361ca567b319af64b82736ab4c5927a201b1f5dbae4e909c7aeaabce0571299" },
});

/**
 * SHA-256 of each Gateway API CRD file the program applies, per release, keyed "<channel>/<file>" as in the
 * release's config/crd/ tree (https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/<version>/config/crd/...).
 * The program downloads each file and refuses a mismatch before the provider applies it (components/shared/artifacts.ts);
 * test/artifacts.test.ts holds these equal to shared/upstream/SHA256SUMS (the official files).
 */
export const PINNED_GATEWAY_API_CRDS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
    "v1.2.0": Object.freeze({
        "experimental/gateway.networking.k8s.io_tlsroutes.yaml": "89f577f9ae5512d0a8fda657cd93b45e33b6f79f74abf16d24d1fbef6194b72c",
        "standard/gateway.networking.k8s.io_gatewayclasses.yaml": "f42f1bb69d832c4dbb5d7bff3c7913d909c1e4cfad3e91dc32f738fae760c86d",
        "standard/gateway.networking.k8s.io_gateways.yaml": "8a8f1c3f0e54c667ad68982ad1d98ff3397fc4ce19917efc19ae2c76bda61cb7",
        "standard/gateway.networking.k8s.io_grpcroutes.yaml": "37095315a65bdc4ddddda67e29e7a05189f244227cea06a32b4c03d978db1ca6",
        "standard/gateway.networking.k8s.io_httproutes.yaml": "f8aff76af966cadfbf505776a5fb9f54f9ea3dccf3783c51468318e30d779416",
        "standard/gateway.networking.k8s.io_referencegrants.yaml": "4da6d3f75dccd0849b866cd6b724dba48825ea46984935a2cdee2b86e1063829",
    }),
    "v1.3.0": Object.freeze({
        "experimental/gateway.networking.k8s.io_tlsroutes.yaml": "2bc865fedfc13c4f555e14b50cc27e703a54103e011daf653aae51f733ecae3a",
        "standard/gateway.networking.k8s.io_gatewayclasses.yaml": "7c8ee2c1878d9dcc6ba106181e3d14d7eaa520ec070233d62f3aa0d674d19450",
        "standard/gateway.networking.k8s.io_gateways.yaml": "c949e7c3951227b92a582817a7a660558ce0fb94c081da264b4e2bbe4a1e5387",
        "standard/gateway.networking.k8s.io_grpcroutes.yaml": "5867279c3cfd77377fe7e9255b22751f17592242b9b5e7485c74b13b268d13c5",
        "standard/gateway.networking.k8s.io_httproutes.yaml": "a4ecf600c7e0bfd3cdb24e6411938d9b330117a26675f303cc6d9a407cb257d1",
        "standard/gateway.networking.k8s.io_referencegrants.yaml": "7587b2e7e5b1b9a26717b3ef8142f64e6600637eadf481a6bd0031740644b495",
    }),
});

/**
 * The k3s releases the program is pinned to (tested with; the k3s stage's contract tests read the flag sets of
 * this release line). Their binaries' digests are checked on the node by the digest-pinned K3S_INSTALLER against
 * the release's sha256sum-<arch>.txt. A release not listed is refused by validation: pin it here after testing it.
 */
export const PINNED_K3S_RELEASES: readonly string[] = Object.freeze(["v1.33.5+k3s1"]);

export const K3S_VERSION_PATTERN = /^v(\d+)\.(\d+)\.(\d+)\+k3s(\d+)$/;

export function ciliumMinor(version: string): string | undefined {
    const v = semver.valid(version);
    return v ? `${semver.major(v)}.${semver.minor(v)}` : undefined;
}

/** "v1.33.5+k3s1" → "1.33"; undefined for a malformed version. */
export function kubernetesMinorOfK3s(version: string): string | undefined {
    const m = K3S_VERSION_PATTERN.exec(version);
    return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

export function gatewayApiVersionFor(ciliumVersion: string): string | undefined {
    const minor = ciliumMinor(ciliumVersion);
    return minor ? GATEWAY_API_BY_CILIUM_MINOR[minor] : undefined;
}

/** Compares "1.30"-style minors numerically. */
export function compareMinor(a: string, b: string): number {
    const [am, an] = a.split(".").map(Number);
    const [bm, bn] = b.split(".").map(Number);
    return am - bm || an - bn;
}

/**
 * Hetzner's official Helm repository and the pinned charts of the cloud controller manager and the CSI driver
 * (github.com/hetznercloud/hcloud-cloud-controller-manager tag v1.35.0, commit cfbbbd9d; github.com/hetznercloud/
 * csi-driver tag v2.22.1, commit 3186e787). Each chart's image tag is `v{{ .Chart.Version }}`, so the chart version
 * pins the controller version too.
 */
export const HCLOUD_HELM_REPO = "https://charts.hetzner.cloud";
export const HCLOUD_CCM_CHART = Object.freeze({ chart: "hcloud-cloud-controller-manager", version: "1.35.0" });
export const HCLOUD_CSI_CHART = Object.freeze({ chart: "hcloud-csi", version: "2.22.1" });
