import type { Cidr } from "../cidr";
import type { ConfigKey } from "../keys";
import type { Provider } from "../enums";
import type { Values } from "../values";

/** What validation needs besides the project's keys. */
export interface ValidationContext {
    stack: string;
    /** `hcloud:token` is set (as config or HCLOUD_TOKEN); only checked for provider hetzner. */
    hcloudTokenSet: boolean;
    /** Fully-qualified keys whose values are secrets: errors show "[secret]" instead of the value. */
    secretKeys?: readonly string[];
    /** The machine the program runs on (the Colima host), when known: a VM larger than it cannot start. */
    host?: { readonly cpus: number; readonly memoryGiB: number };
}

/** One refusal: the key as written (bare project keys are qualified when printed), its value, and what is accepted. */
export interface Problem {
    key: ConfigKey | string;
    value: unknown;
    problem: string;
    /** Printed instead of the JSON of `value` (e.g. "(not set)"). */
    shown?: string;
}

/** Facts several rule groups need, derived once from values that passed their own checks (undefined otherwise). */
export interface Facts {
    provider?: Provider;
    hetzner: boolean;
    colima: boolean;
    /** Servers + agents, only when both counts are valid: a wrong count must not cause knock-on problems. */
    nodeCount?: number;
    /** The node network: nodeCidr on hetzner, Colima's VM network on colima. */
    nodeNet?: Cidr;
    nodeSubnet?: Cidr;
    pod?: Cidr;
    svc?: Cidr;
    pod6?: Cidr;
    svc6?: Cidr;
    /** "1.18" when ciliumVersion is a valid release version. */
    ciliumMinor?: string;
}

export interface RuleInput {
    /** The raw config as the Pulumi CLI hands it over (all namespaces). */
    raw: Readonly<Record<string, string>>;
    values: Values;
    /** True when every key passed its type (and enum) check. */
    ok: (...keys: ConfigKey[]) => boolean;
    facts: Facts;
    ctx: ValidationContext;
}

/**
 * A rule group: pure, returns every problem it finds (empty when all is well). Rules owned by other areas may
 * return lines already formatted as `k3s-cilium:key = value: problem`.
 */
export type Rule = (input: RuleInput) => readonly (Problem | string)[];

export function problem(key: ConfigKey | string, value: unknown, text: string): Problem {
    return { key, value, problem: text };
}
