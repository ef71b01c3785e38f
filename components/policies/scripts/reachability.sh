#!/usr/bin/env bash
# Reachability check with the baseline policies in place, before enforcement may turn on. Running at all proves
# SSH answers on this node; on servers it also asks /readyz through the control-plane endpoint (the path agents
# and pods use), with k3s' admin credentials.
# Usage: reachability.sh <node-name> <server|agent> <endpoint-host> <endpoint-port> [timeout-seconds]
set -euo pipefail

if [ "$#" -lt 4 ]; then
    echo "usage: reachability.sh <node-name> <server|agent> <endpoint-host> <endpoint-port> [timeout-seconds]" >&2
    exit 2
fi
NODE=$1 ROLE=$2 HOST=$3 PORT=$4 TIMEOUT=${5:-120}
INTERVAL=${INTERVAL:-3}

info() { echo "${NODE}: reachability: $*"; }
fatal() { echo "${NODE}: reachability: ERROR: $*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

info "ssh ok"
[ "$ROLE" = "server" ] || exit 0
case "$HOST" in *:*) url="https://[${HOST}]:${PORT}" ;; *) url="https://${HOST}:${PORT}" ;; esac
deadline=$((SECONDS + TIMEOUT))
until as_root k3s kubectl --server "$url" get --raw /readyz >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] ||
        fatal "$url/readyz does not answer within ${TIMEOUT}s with the baseline policies applied; enforcement stays off (see: hubble observe --verdict AUDIT)"
    sleep "$INTERVAL"
done
info "$url/readyz ok"
