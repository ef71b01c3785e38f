import { Address4, Address6 } from "ip-address";

/** A parsed CIDR with its inclusive address range as big integers, so v4 and v6 use the same overlap maths. */
export interface Cidr {
    text: string;
    family: 4 | 6;
    prefix: number;
    first: bigint;
    last: bigint;
}

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
    let family: 4 | 6;
    let first: bigint;
    let last: bigint;
    if (Address4.isValid(addr) && /^\d+\.\d+\.\d+\.\d+$/.test(addr)) {
        if (prefix > 32) return "IPv4 prefix length must be 0-32";
        const a = new Address4(text);
        family = 4;
        first = a.startAddress().bigInt();
        last = a.endAddress().bigInt();
        if (new Address4(addr).bigInt() !== first) {
            return `host bits are set (the network address is ${a.startAddress().correctForm()}/${prefix})`;
        }
    } else if (Address6.isValid(addr)) {
        if (prefix > 128) return "IPv6 prefix length must be 0-128";
        const a = new Address6(text);
        family = 6;
        first = a.startAddress().bigInt();
        last = a.endAddress().bigInt();
        if (new Address6(addr).bigInt() !== first) {
            return `host bits are set (the network address is ${a.startAddress().correctForm()}/${prefix})`;
        }
    } else {
        return "not a valid IPv4 or IPv6 address";
    }
    return { text, family, prefix, first, last };
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
