#!/usr/bin/env bash
# Waits until the API server answers /readyz through k3s' kubectl on this server. Deliberately does NOT wait for
# nodes to be Ready: without a CNI they stay NotReady until Cilium runs.
# Usage: api-ready.sh <node-name> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: api-ready.sh <node-name> [timeout-seconds]}
TIMEOUT=${2:-300}
INTERVAL=${INTERVAL:-3}

LOG_TAG="api"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)

wait_until "$TIMEOUT" as_root k3s kubectl get --raw /readyz >/dev/null 2>&1 ||
    fatal "/readyz did not answer ok within ${TIMEOUT}s (see: journalctl -u k3s)"
info "/readyz ok"
