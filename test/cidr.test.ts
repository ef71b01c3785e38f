import * as assert from "assert";
import { parseCidr } from "../components/config/cidr";

describe("config: parseCidr, both address families through one path", () => {
    it("parses v4 and v6 networks to their first and last address", () => {
        const range = (text: string) => {
            const c = parseCidr(text);
            assert.ok(typeof c !== "string", `${text}: ${c}`);
            return [c.family, c.prefix, c.first.toString(16), c.last.toString(16)];
        };
        assert.deepStrictEqual(range("10.0.0.0/16"), [4, 16, "a000000", "a00ffff"]);
        assert.deepStrictEqual(range("0.0.0.0/0"), [4, 0, "0", "ffffffff"]);
        assert.deepStrictEqual(range("fd00::/64"), [6, 64, "fd000000000000000000000000000000", "fd00000000000000ffffffffffffffff"]);
        assert.deepStrictEqual(range("::ffff:1.2.3.4/128"), [6, 128, "ffff01020304", "ffff01020304"]);
    });

    it("says what is wrong, per family", () => {
        assert.deepStrictEqual(["10.0.0.1/16", "10.0.0.0/33", "fd00::1/64", "fd00::/129", "1.2.3/8", "10.0.0.0/x", "10.0.0.0"].map(parseCidr), [
            "host bits are set (the network address is 10.0.0.0/16)",
            "IPv4 prefix length must be 0-32",
            "host bits are set (the network address is fd00::/64)",
            "IPv6 prefix length must be 0-128",
            "not a valid IPv4 or IPv6 address",
            "prefix length is not a number",
            "not a CIDR (expected address/prefix, e.g. 10.0.0.0/16)",
        ]);
    });
});
