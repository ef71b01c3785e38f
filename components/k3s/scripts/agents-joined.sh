#!/usr/bin/env bash
# Runs on the first server: waits, bounded, until every agent that joins from its first-boot user data is registered
# with its kubelet at the target version (one command for all agents instead of an SSH session per agent). Ready is
# not required here: on a first install a node is NotReady until Cilium runs on it (no CNI), and the chart comes
# after the API; the enforcement verification checks every node Ready later. On timeout it names every missing
# agent, what its kubelet reports, and where to look on it (the first-boot log, cloud-init's status).
# Usage: agents-joined.sh <node-name> <version> <timeout-seconds> <first-boot-log> <agent-node>...
set -euo pipefail

INTERVAL=${INTERVAL:-3}

if [ "$#" -lt 5 ]; then
    echo "usage: agents-joined.sh <node-name> <version> <timeout-seconds> <first-boot-log> <agent-node>..." >&2
    exit 2
fi
NODE=$1 VERSION=$2 TIMEOUT=$3 LOG=$4
shift 4

LOG_TAG="agents-joined"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

# "<node> <kubeletVersion>" for every registered node.
registered() {
    as_root timeout 60 k3s kubectl get nodes -o 'jsonpath={range .items[*]}{.metadata.name} {.status.nodeInfo.kubeletVersion}{"\n"}{end}' 2>/dev/null
}

# Prints "<agent>=<what its kubelet reports>" for each agent not registered at VERSION.
missing() {
    local nodes=$1 agent reported
    for agent in "${@:2}"; do
        reported=$(awk -v n="$agent" '$1 == n { print $2 }' <<<"$nodes")
        [ "$reported" = "$VERSION" ] || printf '%s=%s\n' "$agent" "${reported:-not registered}"
    done
}

main() {
    local deadline=$((SECONDS + TIMEOUT)) nodes gone
    while :; do
        nodes=$(registered) || nodes=""
        gone=$(missing "$nodes" "$@")
        [ -n "$gone" ] || break
        if [ "$SECONDS" -ge "$deadline" ]; then
            fatal "after ${TIMEOUT}s $(wc -l <<<"$gone") of $# agents not registered at $VERSION: $(tr '\n' ' ' <<<"$gone")- on each: $LOG, cloud-init status --long, journalctl -u k3s-agent"
        fi
        sleep "$INTERVAL"
    done
    info "all $# agents registered at $VERSION"
}

main "$@"
