#!/usr/bin/env bash
# Runs on the first server when an agent is removed from config: drains the Kubernetes node and deletes it
# before its machine goes away. A node that is already gone is success.
# Usage: drain.sh <node-to-remove> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: drain.sh <node-to-remove> [timeout-seconds]}
TIMEOUT=${2:-300}

info() { echo "${NODE}: drain: $*"; }
fatal() { echo "${NODE}: drain: ERROR: $*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! as_root k3s kubectl get node "$NODE" >/dev/null 2>&1; then
    info "node is not in the cluster; nothing to drain"
    exit 0
fi
as_root k3s kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout="${TIMEOUT}s" ||
    fatal "drain did not finish within ${TIMEOUT}s (see: k3s kubectl get pods -A -o wide --field-selector spec.nodeName=$NODE)"
as_root k3s kubectl delete node "$NODE" --wait=true --timeout=60s || fatal "could not delete node $NODE"
info "drained and deleted"
