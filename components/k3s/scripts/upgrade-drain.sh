#!/usr/bin/env bash
# Runs on the first server before a batch of agents gets its k3s install/restart: every agent of the batch whose
# kubelet runs another version than the target (an upgrade) is cordoned and drained, so its pods move before
# k3s-agent restarts with the new binary. Nothing to do for an agent that is not registered yet (first install)
# or already at the version. uncordon.sh runs after the batch's installs.
# Usage: upgrade-drain.sh <version> <timeout-seconds per agent> <agent-node>...
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: upgrade-drain.sh <version> <timeout-seconds> <agent-node>..." >&2
    exit 2
fi
VERSION=$1 TIMEOUT=$2
shift 2

info() { echo "$1: upgrade-drain: $2"; }
fatal() { echo "$1: upgrade-drain: ERROR: $2" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

for node in "$@"; do
    if ! current=$(as_root k3s kubectl get node "$node" -o 'jsonpath={.status.nodeInfo.kubeletVersion}' 2>/dev/null); then
        info "$node" "not registered yet; nothing to drain"
        continue
    fi
    if [ "$current" = "$VERSION" ]; then
        info "$node" "kubelet already at $VERSION; nothing to drain"
        continue
    fi
    info "$node" "kubelet $current -> $VERSION: cordon and drain before the restart"
    as_root k3s kubectl cordon "$node" >/dev/null || fatal "$node" "could not cordon it; k3s on the batch was not touched"
    as_root k3s kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout="${TIMEOUT}s" >/dev/null ||
        fatal "$node" "drain did not finish within ${TIMEOUT}s; it stays cordoned at $current and k3s on the batch was not touched (see: k3s kubectl get pods -A -o wide --field-selector spec.nodeName=$node; undo: k3s kubectl uncordon $node)"
    info "$node" "drained"
done
