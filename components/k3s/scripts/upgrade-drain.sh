#!/usr/bin/env bash
# Runs on the first server before a batch of agents gets its k3s install/restart: every agent of the batch whose
# kubelet runs another version than the target (an upgrade) is cordoned and drained, so its pods move before
# k3s-agent restarts with the new binary. Nothing to do for an agent that is not registered yet (first install)
# or already at the version. uncordon.sh runs after the batch's installs.
# Usage: upgrade-drain.sh <version> <timeout-seconds per agent> <agent-node>...
set -euo pipefail

VERSION=${1:?usage: upgrade-drain.sh <version> <timeout-seconds> <agent-node>...}
TIMEOUT=${2:?usage: upgrade-drain.sh <version> <timeout-seconds> <agent-node>...}
shift 2

LOG_TAG="upgrade-drain"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

for NODE in "$@"; do
    if ! current=$(as_root k3s kubectl get node "$NODE" -o 'jsonpath={.status.nodeInfo.kubeletVersion}' 2>/dev/null); then
        info "not registered yet; nothing to drain"
        continue
    fi
    if [ "$current" = "$VERSION" ]; then
        info "kubelet already at $VERSION; nothing to drain"
        continue
    fi
    info "kubelet $current -> $VERSION: cordon and drain before the restart"
    as_root k3s kubectl cordon "$NODE" >/dev/null || fatal "could not cordon it; k3s on the batch was not touched"
    as_root k3s kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout="${TIMEOUT}s" >/dev/null ||
        fatal "drain did not finish within ${TIMEOUT}s; it stays cordoned at $current and k3s on the batch was not touched (see: k3s kubectl get pods -A -o wide --field-selector spec.nodeName=$NODE; undo: k3s kubectl uncordon $NODE)"
    info "drained"
done
