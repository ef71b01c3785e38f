/**
 * Config rules of the local (Colima) stack that need no host: pure, table-tested (test/colima.test.ts), called
 * from validateConfig in one line. Imports nothing from ../config/validate (that module calls this one).
 */
import { qualified } from "../config/keys";

export interface ColimaRuleValues {
    /** Each value is undefined when its key did not parse (validation already reported it). */
    provider?: string;
    hostFirewall?: boolean;
    colimaSshPort?: number;
    apiPort?: number;
}

export function colimaConfigProblems(v: ColimaRuleValues): string[] {
    if (v.provider !== "colima") return [];
    const problems: string[] = [];
    // Lima's SSH reaches the guest from Lima's user-mode network gateway 192.168.5.2 (lima-vm/lima
    // website/content/en/docs/config/network/user.md, v2.2.0), an address the host policy sees as `world`; that one
    // path carries the program's commands and `colima ssh`, the only break-glass. A host firewall adds nothing on a
    // VM whose ports reach 127.0.0.1 only, and one wrong rule would lock out both; so it is refused here.
    if (v.hostFirewall === true) {
        problems.push(`${qualified("hostFirewall")} = true: provider colima reaches its VM only through Lima's SSH from ` +
            `Lima's network gateway (192.168.5.2, world to the host policy), which is also the break-glass path ` +
            `(colima ssh); the host firewall is for prod; accepted: false`);
    }
    if (v.colimaSshPort !== undefined) {
        if (v.colimaSshPort < 1024 || v.colimaSshPort > 65535) {
            problems.push(`${qualified("colimaSshPort")} = ${v.colimaSshPort}: Lima's host agent listens there as your user; accepted: 1024-65535`);
        } else if (v.colimaSshPort === v.apiPort) {
            // Lima never forwards a guest port equal to the SSH local port (pkg/hostagent/port.go portForwardRules).
            problems.push(`${qualified("colimaSshPort")} = ${v.colimaSshPort}: equals ${qualified("apiPort")}, and Lima does not forward ` +
                `a guest port that is its SSH port, so the API would be unreachable; accepted: any other port in 1024-65535`);
        }
    }
    return problems;
}
