/** Hetzner locations, in the order error messages list them. */
export const HCLOUD_LOCATIONS = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"] as const;
export type HcloudLocation = (typeof HCLOUD_LOCATIONS)[number];

/** Hetzner locations → network zone (Hetzner Networks FAQ). */
export const NETWORK_ZONE_BY_LOCATION: Readonly<Record<HcloudLocation, string>> = Object.freeze({
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
