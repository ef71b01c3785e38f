/**
 * Closed value sets of the config, each an `as const` array: the type is derived from the array, and validation
 * narrows a raw string with `oneOf` instead of casting it.
 */
export const PROVIDERS = ["colima", "hetzner"] as const;
export type Provider = (typeof PROVIDERS)[number];

export const TUNNEL_PROTOCOLS = ["geneve", "vxlan"] as const;
export type TunnelProtocol = (typeof TUNNEL_PROTOCOLS)[number];

export const ROUTING_MODES = ["tunnel", "native"] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export const POLICY_ENFORCEMENT_MODES = ["default", "always", "never"] as const;
export type PolicyEnforcementMode = (typeof POLICY_ENFORCEMENT_MODES)[number];

export const COLIMA_VM_TYPES = ["auto", "vz", "qemu"] as const;
export type ColimaVmType = (typeof COLIMA_VM_TYPES)[number];

/** `value` narrowed to one of `accepted`, or undefined. */
export function oneOf<T extends string>(accepted: readonly T[], value: unknown): T | undefined {
    return (accepted as readonly unknown[]).includes(value) ? (value as T) : undefined;
}
