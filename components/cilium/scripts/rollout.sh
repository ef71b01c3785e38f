#!/usr/bin/env bash
# Waits until the Cilium agent DaemonSet and the operator Deployment have rolled out.
# Usage: rollout.sh <node-name> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: rollout.sh <node-name> [timeout-seconds]}
TIMEOUT=${2:-600}

LOG_TAG="rollout"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

for workload in daemonset/cilium deployment/cilium-operator; do
    as_root k3s kubectl -n kube-system rollout status "$workload" --timeout="${TIMEOUT}s" ||
        fatal "$workload did not roll out within ${TIMEOUT}s (see: cilium status; k3s kubectl -n kube-system get pods -l k8s-app=cilium)"
    info "$workload rolled out"
done
