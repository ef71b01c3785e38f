/**
 * Validation rules of the enforcement keys, as a pure function with no imports (components/config calls it, so it
 * must not import anything that imports the config module).
 */

/** Hubble's `--since` takes a relative duration such as 30m or 2h (cilium/cilium hubble/cmd/observe_help.txt @02674019). */
export const EVIDENCE_WINDOW = /^[1-9][0-9]*[smh]$/;

/** Problems of the enforcement keys: [key, problem]. Empty = fine. */
export function enforcementConfigProblems(v: {
    enforcementEvidenceWindow: string; hubbleEnabled: boolean; policyAuditMode: boolean; enforcementAcceptAuditedFlows: boolean;
}): [string, string][] {
    const problems: [string, string][] = [];
    if (!EVIDENCE_WINDOW.test(v.enforcementEvidenceWindow)) {
        problems.push(["enforcementEvidenceWindow", "accepted: a duration Hubble's --since understands, a number followed by s, m or h (e.g. 30m, 2h)"]);
    }
    if (!v.policyAuditMode && !v.hubbleEnabled && !v.enforcementAcceptAuditedFlows) {
        problems.push(["policyAuditMode", "enforcing needs evidence from Hubble, which is off; accepted: hubbleEnabled: true, or enforcementAcceptAuditedFlows: true to enforce without evidence"]);
    }
    return problems;
}
