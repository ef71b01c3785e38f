/**
 * Lima's port-forward decision, ported line by line from lima-vm/lima at tag v2.2.0 (commit
 * de0816ea4bdc5267b428ab21025889b8dd785526) so tests can ask "where on the host does this guest socket appear?":
 * - rule order: pkg/hostagent/port.go portForwardRules (ignore the guest's 22 and the SSH local port on every guest
 *   IP, then the instance rules, then Lima's default rule), the instance rules being override.yaml's, then the
 *   VM's own lima.yaml's (pkg/limayaml/defaults.go FillDefault: slices.Concat(o.PortForwards, y.PortForwards, ...));
 * - defaults: pkg/limayaml/defaults.go FillPortForwardDefaults;
 * - matching: pkg/portfwd/forward.go forwardingAddresses (TCP and UDP; pkg/hostagent/port.go is the same for TCP).
 */
import { LimaPortForward } from "../components/nodes/lima";

interface Rule { guestIP: string; guestIPMustBeZero: boolean; guestPortRange: [number, number]; hostIP: string; hostPortRange: [number, number]; proto: string; ignore: boolean }

export function fillDefaults(r: LimaPortForward & { guestPort?: number }): Rule {
    const guestIP = r.guestIP ?? (r.guestIPMustBeZero ? "0.0.0.0" : "127.0.0.1");
    const guestPortRange = r.guestPortRange ?? (r.guestPort ? [r.guestPort, r.guestPort] : [1, 65535]);
    return {
        proto: r.proto ?? "any",
        guestIP,
        guestIPMustBeZero: r.guestIPMustBeZero ?? guestIP === "0.0.0.0",
        hostIP: r.hostIP ?? "127.0.0.1",
        guestPortRange,
        hostPortRange: r.hostPortRange ?? guestPortRange,
        ignore: r.ignore ?? false,
    };
}

const unspecified = (ip: string) => ip === "0.0.0.0" || ip === "::";

/** All rules in the order the host agent tries them. */
export function effectiveRules(override: LimaPortForward[], instance: LimaPortForward[], sshLocalPort: number): Rule[] {
    const sshBlocks = [22, sshLocalPort].map(port => fillDefaults({ guestIP: "0.0.0.0", guestIPMustBeZero: false, guestPort: port, ignore: true }));
    return [...sshBlocks, ...[...override, ...instance].map(fillDefaults), fillDefaults({})];
}

/** The host address a guest socket is forwarded to, or undefined when Lima does not forward it. */
export function hostAddressFor(rules: Rule[], guest: { ip: string; port: number; proto: "tcp" | "udp" }): string | undefined {
    for (const rule of rules) {
        if (rule.proto !== "any" && rule.proto !== guest.proto) continue;
        if (guest.port < rule.guestPortRange[0] || guest.port > rule.guestPortRange[1]) continue;
        const matches = unspecified(guest.ip) || guest.ip === rule.guestIP ||
            (guest.ip === "::1" && rule.guestIP === "127.0.0.1") ||
            (unspecified(rule.guestIP) && !rule.guestIPMustBeZero);
        if (!matches) continue;
        if (rule.ignore) {
            if (unspecified(guest.ip) && !unspecified(rule.guestIP)) continue;
            return undefined;
        }
        const port = guest.port + rule.hostPortRange[0] - rule.guestPortRange[0];
        return `${rule.hostIP}:${port}`;
    }
    return undefined;
}
