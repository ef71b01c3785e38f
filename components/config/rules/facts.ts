import { Cidr, parseCidr } from "../cidr";
import { COLIMA_NODE_CIDR } from "../constants";
import { oneOf, PROVIDERS } from "../enums";
import { ConfigKey } from "../keys";
import { ciliumMinor } from "../versions";
import type { Values } from "../values";
import { Facts } from "./types";

/** An IPv4/IPv6 range of the given family, or undefined (the network rules report why). */
export function cidrOf(values: Values, ok: (...k: ConfigKey[]) => boolean, key: ConfigKey, family: 4 | 6): Cidr | undefined {
    if (!ok(key)) return undefined;
    const parsed = parseCidr(String(values[key]));
    return typeof parsed !== "string" && parsed.family === family ? parsed : undefined;
}

export function deriveFacts(values: Values, ok: (...k: ConfigKey[]) => boolean): Facts {
    const provider = ok("provider") ? oneOf(PROVIDERS, values.provider) : undefined;
    const hetzner = provider === "hetzner";
    const colima = provider === "colima";
    const cp = values.controlPlaneCount;
    const workers = values.workerCount;
    const countsValid = ok("controlPlaneCount", "workerCount") && cp >= 1 && workers >= 0;
    const ipv6 = ok("ipv6") && values.ipv6;
    const colimaNet = parseCidr(COLIMA_NODE_CIDR);
    return {
        provider,
        hetzner,
        colima,
        nodeCount: countsValid ? cp + workers : undefined,
        nodeNet: hetzner ? cidrOf(values, ok, "nodeCidr", 4) : typeof colimaNet === "string" ? undefined : colimaNet,
        nodeSubnet: hetzner ? cidrOf(values, ok, "nodeSubnetCidr", 4) : undefined,
        pod: cidrOf(values, ok, "podCidr", 4),
        svc: cidrOf(values, ok, "serviceCidr", 4),
        pod6: ipv6 ? cidrOf(values, ok, "podCidrV6", 6) : undefined,
        svc6: ipv6 ? cidrOf(values, ok, "serviceCidrV6", 6) : undefined,
        ciliumMinor: ok("ciliumVersion") && /^\d+\.\d+\.\d+$/.test(values.ciliumVersion) ? ciliumMinor(values.ciliumVersion) : undefined,
    };
}
