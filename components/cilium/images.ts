/**
 * The images every node runs for Cilium (the `cilium` and `cilium-envoy` DaemonSets), as the pinned chart renders
 * them: `repository:tag@digest` (chart templates/_helpers.tpl `cilium.image`, `useDigest: true` in values.yaml).
 * Nodes pull them while k3s comes up (components/k3s/scripts/prefetch-images.sh), so the rollout after the chart
 * does not wait for the pulls. test/cilium-images.test.ts holds this list equal to the images of those DaemonSets in
 * the real chart rendered with the program's values, and its keys equal to the pinned chart versions
 * (components/config/versions.ts PINNED_CILIUM_CHARTS), so a newly pinned version cannot silently prefetch nothing.
 */
import { ClusterConfig } from "../config";

export const CILIUM_NODE_IMAGES: Readonly<Record<string, readonly string[]>> = Object.freeze({
    "1.18.4": Object.freeze([
        "quay.io/cilium/cilium:v1.18.4@sha256:49d87af187eeeb9e9e3ec2bc6bd372261a0b5cb2d845659463ba7cc10fe9e45f",
        "quay.io/cilium/cilium-envoy:v1.34.10-1762597008-ff7ae7d623be00078865cff1b0672cc5d9bfc6d5@sha256:1deb6709afcb5523579bf1abbc3255adf9e354565a88c4a9162c8d9cb1d77ab5",
    ]),
});

/**
 * What nodes prefetch: the pinned chart's node images, or nothing when `ciliumValues` sets any image (the chart
 * would run other references; pulling these would only cost bandwidth) or the version has no list here.
 */
export function nodeImages(config: ClusterConfig): readonly string[] {
    const override = config.cilium.valuesOverride;
    const setsImage = "image" in override || (typeof override.envoy === "object" && override.envoy !== null && "image" in override.envoy);
    return setsImage ? [] : CILIUM_NODE_IMAGES[config.versions.cilium] ?? [];
}
