#!/usr/bin/env bash
# Runs on the first server: waits, bounded, until every agent that joins from its first-boot user data is registered
# with its kubelet at the target version (one command for all agents instead of an SSH session per agent). Ready is
# not required here: on a first install a node is NotReady until Cilium runs on it (no CNI), and the chart comes
# after the API; the enforcement verification checks every node Ready later. On timeout it names every missing
# agent, what its kubelet reports, and where to look on it (the first-boot log, cloud-init's status).
# Before it waits, it registers the stack's bootstrap token (first line of stdin; the one agents' user data carries)
# with a TTL, so agents can join from now on and for <token-ttl-seconds> only (components/k3s/bootstrap-token.ts).
# Idempotent: an existing token of the same id is deleted first, since `k3s token create` refuses an existing id
# (k3s-io/k3s pkg/cli/token/token.go @0678ae9: "a token with id %q already exists"), so every run starts a new TTL.
# Once every agent is registered it deletes the token (`k3s token delete <id>`: same file, `delete` takes the id and
# deletes the Secret bootstrap-token-<id>), so it is not left valid for the rest of its TTL after every run: a joined
# agent authenticates with its kubelet client certificate from then on (components/k3s/bootstrap-token.ts). After a
# failed wait the token stays registered for its TTL, so first-boot.sh can be run again by hand on a missing agent.
# A failed delete is reported, not fatal: the agents joined, and the token still expires with its TTL.
# Usage: agents-joined.sh <node-name> <version> <timeout-seconds> <first-boot-log> <token-ttl-seconds> <agent-node>... <token
set -euo pipefail

USAGE="usage: agents-joined.sh <node-name> <version> <timeout-seconds> <first-boot-log> <token-ttl-seconds> <agent-node>... <token"
[ "$#" -ge 6 ] || { echo "$USAGE" >&2; exit 2; }
NODE=$1 VERSION=$2 TIMEOUT=$3 LOG=$4 TOKEN_TTL=$5
shift 5
INTERVAL=${INTERVAL:-3}
TOKEN=""
read -r TOKEN || true

LOG_TAG="agents-joined"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)

# @prelude: valid_token, register_token from components/shared/scripts/bootstrap-token.sh (inserted by components/shared/script.ts)

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

# True once every agent is registered at VERSION; leaves the missing ones in GONE for the failure line.
GONE=""
all_registered() {
    local nodes
    nodes=$(registered) || nodes=""
    GONE=$(missing "$nodes" "$@")
    [ -z "$GONE" ]
}

delete_token() {
    local id=${TOKEN%%.*}
    if as_root timeout 60 k3s token delete "$id" >/dev/null; then
        info "bootstrap token $id deleted (joined agents authenticate with their client certificates)"
    else
        info "could not delete bootstrap token $id (k3s token delete $id, line above); it expires ${TOKEN_TTL}s after this run registered it"
    fi
}

main() {
    valid_token || fatal "no bootstrap token (<id>.<secret>, [a-z0-9]{6}.[a-z0-9]{16}) on stdin; agents cannot join"
    register_token
    wait_until "$TIMEOUT" all_registered "$@" ||
        fatal "after ${TIMEOUT}s $(wc -l <<<"$GONE") of $# agents not registered at $VERSION: $(tr '\n' ' ' <<<"$GONE")- on each: $LOG, cloud-init status --long, journalctl -u k3s-agent"
    info "all $# agents registered at $VERSION"
    delete_token
}

main "$@"
