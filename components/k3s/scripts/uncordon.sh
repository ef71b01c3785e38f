#!/usr/bin/env bash
# Runs on the first server after a batch of agents got its k3s install/restart: waits (bounded, for the whole
# batch) until each agent's kubelet reports the target version, then makes it schedulable again
# (upgrade-drain.sh cordoned it). Uncordoning a schedulable node changes nothing, so a first install passes once
# the agents have registered.
# Usage: uncordon.sh <version> <timeout-seconds> <agent-node>...
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: uncordon.sh <version> <timeout-seconds> <agent-node>..." >&2
    exit 2
fi
VERSION=$1 TIMEOUT=$2
shift 2
INTERVAL=${INTERVAL:-3}

info() { echo "$1: uncordon: $2"; }
fatal() { echo "$1: uncordon: ERROR: $2" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deadline=$((SECONDS + TIMEOUT))
for node in "$@"; do
    current=""
    until current=$(as_root k3s kubectl get node "$node" -o 'jsonpath={.status.nodeInfo.kubeletVersion}' 2>/dev/null) && [ "$current" = "$VERSION" ]; do
        [ "$SECONDS" -lt "$deadline" ] ||
            fatal "$node" "kubelet reports '${current:-not registered}', not $VERSION, after ${TIMEOUT}s; it stays cordoned, and so does the rest of its batch (see: journalctl -u k3s-agent on it)"
        sleep "$INTERVAL"
    done
    as_root k3s kubectl uncordon "$node" >/dev/null || fatal "$node" "could not uncordon it"
    info "$node" "kubelet at $VERSION; schedulable"
done
