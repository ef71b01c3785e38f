#!/usr/bin/env bash
# Runs on the first server after a batch of agents got its k3s install/restart: waits (bounded, for the whole
# batch) until each agent's kubelet reports the target version, then makes it schedulable again
# (upgrade-drain.sh cordoned it). Uncordoning a schedulable node changes nothing; a node not registered yet (a new
# agent joining from its first-boot user data) was never cordoned and is skipped.
# Usage: uncordon.sh <version> <timeout-seconds> <agent-node>...
set -euo pipefail

VERSION=${1:?usage: uncordon.sh <version> <timeout-seconds> <agent-node>...}
TIMEOUT=${2:?usage: uncordon.sh <version> <timeout-seconds> <agent-node>...}
shift 2
INTERVAL=${INTERVAL:-3}

LOG_TAG="uncordon"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)

# Records the kubelet version it saw in `current`, for the failure line.
at_version() {
    current=$(as_root k3s kubectl get node "$NODE" -o 'jsonpath={.status.nodeInfo.kubeletVersion}' 2>/dev/null) &&
        [ "$current" = "$VERSION" ]
}

deadline=$((SECONDS + TIMEOUT))
for NODE in "$@"; do
    current=""
    # Not registered: a new agent that joins from its first-boot user data, never cordoned (upgrade-drain.sh only
    # cordons registered nodes); agents-joined.sh waits for it. An upgraded agent stays registered while it restarts.
    if ! as_root k3s kubectl get node "$NODE" >/dev/null 2>&1; then
        info "not registered (a new agent joining from its first boot); nothing to uncordon"
        continue
    fi
    wait_until $((deadline - SECONDS)) at_version ||
        fatal "kubelet reports '${current:-not registered}', not $VERSION, after ${TIMEOUT}s; it stays cordoned, and so does the rest of its batch (see: journalctl -u k3s-agent on it)"
    as_root k3s kubectl uncordon "$NODE" >/dev/null || fatal "could not uncordon it"
    info "kubelet at $VERSION; schedulable"
done
