import { Address4, Address6 } from "ip-address";

/** A parsed CIDR with its inclusive address range as big integers, so v4 and v6 use the same overlap maths. */
export interface Cidr {
    text: string;
    family: 4 | 6;
    prefix: number;
    first: bigint;
    last: bigint;
}

/** What parseCidr needs of one address family; ip-address' Address4 and Address6 both have it. */
interface Family {
    family: 4 | 6;
    maxPrefix: number;
    /** Whether `addr` (no prefix) is an address of this family as written in config. */
    accepts(addr: string): boolean;
    parse(text: string): { startAddress(): { bigInt(): bigint; correctForm(): string }; endAddress(): { bigInt(): bigint }; bigInt(): bigint };
}

/** IPv4 first, and only in dotted-quad form (Address4 alone also accepts shorter forms). */
const FAMILIES: readonly Family[] = [
    { family: 4, maxPrefix: 32, accepts: addr => Address4.isValid(addr) && /^\d+\.\d+\.\d+\.\d+$/.test(addr), parse: text => new Address4(text) },
    { family: 6, maxPrefix: 128, accepts: addr => Address6.isValid(addr), parse: text => new Address6(text) },
];

/** Parses "10.0.0.0/16" or "fd00::/64". Returns an error sentence instead of throwing. */
export function parseCidr(text: string): Cidr | string {
    if (typeof text !== "string" || !text.includes("/")) {
        return "not a CIDR (expected address/prefix, e.g. 10.0.0.0/16)";
    }
    const [addr, prefixText] = text.split("/");
    if (!/^\d{1,3}$/.test(prefixText)) {
        return "prefix length is not a number";
    }
    const prefix = Number(prefixText);
    const f = FAMILIES.find(candidate => candidate.accepts(addr));
    if (f === undefined) return "not a valid IPv4 or IPv6 address";
    if (prefix > f.maxPrefix) return `IPv${f.family} prefix length must be 0-${f.maxPrefix}`;
    const network = f.parse(text);
    const first = network.startAddress().bigInt();
    if (f.parse(addr).bigInt() !== first) {
        return `host bits are set (the network address is ${network.startAddress().correctForm()}/${prefix})`;
    }
    return { text, family: f.family, prefix, first, last: network.endAddress().bigInt() };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
    return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

export function isWorld(c: Cidr): boolean {
    return c.prefix === 0;
}

/** The address at `offset` inside an IPv4 CIDR, e.g. hostAt(10.0.1.0/24, 10) = 10.0.1.10. */
export function hostAt(c: Cidr, offset: number): string {
    if (c.family !== 4) throw new Error(`hostAt supports IPv4 only, got ${c.text}`);
    const n = c.first + BigInt(offset);
    if (n > c.last) throw new Error(`offset ${offset} is outside ${c.text}`);
    return Address4.fromBigInt(n).correctForm();
}

export function size(c: Cidr): bigint {
    return c.last - c.first + 1n;
}

/** True when the union of `parts` covers every address of `target` (e.g. 0.0.0.0/1 + 128.0.0.0/1 cover 0.0.0.0/0). */
export function covers(parts: readonly Cidr[], target: Cidr): boolean {
    const ranges = parts.filter(p => p.family === target.family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = target.first;
    for (const r of ranges) {
        if (r.first > next) break;
        if (r.last >= next) next = r.last + 1n;
        if (next > target.last) return true;
    }
    return next > target.last;
}
