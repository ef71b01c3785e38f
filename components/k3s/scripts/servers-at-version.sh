#!/usr/bin/env bash
# Version-skew gate before agents install or upgrade: waits (bounded) until every registered k3s server runs the
# target version, so no kubelet is ever newer than an API server. On a first install only the first server is
# registered and already at the version, so agents are not held back behind the serial server joins.
# Usage: servers-at-version.sh <node-name> <version, e.g. v1.33.5+k3s1> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: servers-at-version.sh <node-name> <version> [timeout-seconds]}
VERSION=${2:?usage: servers-at-version.sh <node-name> <version> [timeout-seconds]}
TIMEOUT=${3:-1800}
INTERVAL=${INTERVAL:-5}

LOG_TAG="skew-gate"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

server_versions() {
    as_root k3s kubectl get nodes -l node-role.kubernetes.io/control-plane=true \
        -o jsonpath='{range .items[*]}{.status.nodeInfo.kubeletVersion}{"\n"}{end}'
}

deadline=$((SECONDS + TIMEOUT))
while true; do
    if versions=$(server_versions 2>/dev/null) && [ -n "$versions" ] && ! grep -qvxF "$VERSION" <<<"$versions"; then
        info "every registered server runs $VERSION"
        exit 0
    fi
    [ "$SECONDS" -lt "$deadline" ] ||
        fatal "servers still at $(tr '\n' ' ' <<<"${versions:-unknown}")after ${TIMEOUT}s; agents stay at their version (see: k3s kubectl get nodes -o wide)"
    sleep "$INTERVAL"
done
