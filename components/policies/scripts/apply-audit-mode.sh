#!/usr/bin/env bash
# Restarts the Cilium agents (one node at a time, as the DaemonSet's rolling update does) so that they pick up
# the policy audit mode. On the first run in audit mode there is nothing to do: the chart installs audit mode.
# Usage: apply-audit-mode.sh <node-name> <audit: true|false> <create|update> [timeout-seconds]
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: apply-audit-mode.sh <node-name> <true|false> <create|update> [timeout-seconds]" >&2
    exit 2
fi
NODE=$1 AUDIT=$2 PHASE=$3 TIMEOUT=${4:-600}

info() { echo "${NODE}: audit-mode: $*"; }
fatal() { echo "${NODE}: audit-mode: ERROR: $*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

case "$AUDIT" in true | false) ;; *) fatal "audit must be true or false, got '$AUDIT'" ;; esac
if [ "$PHASE" = "create" ] && [ "$AUDIT" = "true" ]; then
    info "audit mode (as installed); nothing to restart"
    exit 0
fi
as_root k3s kubectl -n kube-system rollout restart daemonset/cilium || fatal "cannot restart daemonset/cilium"
as_root k3s kubectl -n kube-system rollout status daemonset/cilium --timeout="${TIMEOUT}s" ||
    fatal "cilium agents did not come back within ${TIMEOUT}s (see: cilium status)"
if [ "$AUDIT" = "true" ]; then info "agents restarted in audit mode"; else info "agents restarted: policies enforced"; fi
