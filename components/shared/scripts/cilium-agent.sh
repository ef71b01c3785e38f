# agent_mode <pod>: the PolicyAuditMode a Cilium agent pod runs ("Enabled"/"Disabled"), as `cilium-dbg config` prints
# it ("PolicyAuditMode : Enabled": cilium/cilium cilium-dbg/cmd/config.go @3e1830a1, dumpReadWriteConfigs "%-34s: %s");
# empty when the exec fails (agent not running, API hiccup). The failure is swallowed on purpose: under pipefail a bare
# `kubectl exec | awk` would fail the caller's assignment and set -e would exit without a word; callers treat an
# empty mode as unknown. Needs as_root (prelude.sh).
agent_mode() {
    { as_root timeout 60 k3s kubectl -n kube-system exec "$1" -c cilium-agent -- cilium-dbg config 2>/dev/null || true; } |
        awk '$1 == "PolicyAuditMode" { print $NF }'
}
