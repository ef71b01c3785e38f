import { HcloudLocation } from "./constants";

const EU: readonly HcloudLocation[] = ["fsn1", "nbg1", "hel1"];
const ALL: readonly HcloudLocation[] = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"];

/**
 * Hetzner Cloud server types by line, and where each line is offered. The live answer is
 * `hcloud server-type list` / `hcloud location describe <location>`; this table is what validation can know
 * offline. Lines: CX = cost-optimized shared vCPU (Intel/AMD), offered in the EU locations only; CAX = Arm64
 * shared vCPU (Ampere), EU only; CPX = shared AMD vCPU (gen 1 …1, gen 2 …2), CCX = dedicated vCPU, in every
 * location. Sources: Hetzner Cloud changelog (docs.hetzner.cloud/changelog): 2024-06-06 "old server types with
 * shared Intel vCPUs are deprecated" introduced cx22…cx52 (hetznercloud/cli#777, hetznercloud/hcloud-go#457
 * moved their examples to cx22); 2025-10-16 "server types deprecated" replaced them by cx23…cx53, no longer
 * orderable from 2026-01-01 (pulumi/pulumi-hcloud#939, kubermatic/kubeone#3871; docs.hetzner.com/cloud/servers/
 * deprecated-plans). Update with the changelog.
 */
export const HETZNER_SERVER_TYPES: Readonly<Record<string, readonly HcloudLocation[]>> = Object.freeze({
    ...Object.fromEntries(["cx23", "cx33", "cx43", "cx53"].map(t => [t, EU])),
    ...Object.fromEntries(["cax11", "cax21", "cax31", "cax41"].map(t => [t, EU])),
    ...Object.fromEntries(["cpx11", "cpx21", "cpx31", "cpx41", "cpx51"].map(t => [t, ALL])),
    ...Object.fromEntries(["cpx12", "cpx22", "cpx32", "cpx42", "cpx52", "cpx62"].map(t => [t, ALL])),
    ...Object.fromEntries(["ccx13", "ccx23", "ccx33", "ccx43", "ccx53", "ccx63"].map(t => [t, ALL])),
    // Deprecated (see DEPRECATED_SERVER_TYPES): existing servers keep running on them.
    ...Object.fromEntries(["cx22", "cx32", "cx42", "cx52"].map(t => [t, EU])),
});

/**
 * Types Hetzner no longer sells (changelog 2025-10-16, above) but whose servers still exist: a live stack on
 * them must stay valid (refusing the name would refuse every later `pulumi up`), while a new server of the type
 * (a fresh stack, a scale-out or a replacement) is refused by Hetzner at create. Validation accepts them; the
 * config reference says to move to the successor (a server type change is a power-off resize, one role per up,
 * see components/k3s/lifecycle.ts).
 */
export const DEPRECATED_SERVER_TYPES: Readonly<Record<string, string>> = Object.freeze({
    cx22: "cx23", cx32: "cx33", cx42: "cx43", cx52: "cx53",
});

/**
 * Kernel each Hetzner system image boots (the distribution's release kernel: Ubuntu 20.04 5.4, 22.04 5.15,
 * 24.04 6.8; Debian 11 5.10, 12 6.1, 13 6.12; EL 9 5.14, EL 10 6.12, EL 8 4.18; Fedora 41/42 6.11+). Compared
 * with Cilium's minimum (MIN_KERNEL_BY_CILIUM_MINOR) so an image too old for Cilium is refused before a server
 * is bought; the node preflight checks the running kernel again.
 */
export const HETZNER_IMAGE_KERNELS: Readonly<Record<string, string>> = Object.freeze({
    "ubuntu-20.04": "5.4",
    "ubuntu-22.04": "5.15",
    "ubuntu-24.04": "6.8",
    "debian-11": "5.10",
    "debian-12": "6.1",
    "debian-13": "6.12",
    "centos-stream-9": "5.14",
    "centos-stream-10": "6.12",
    "rocky-8": "4.18",
    "rocky-9": "5.14",
    "rocky-10": "6.12",
    "alma-8": "4.18",
    "alma-9": "5.14",
    "alma-10": "6.12",
    "fedora-41": "6.11",
    "fedora-42": "6.14",
});
