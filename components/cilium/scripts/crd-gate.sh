#!/usr/bin/env bash
# The gate before any Cilium custom resource is applied: the chart ships no CRDs, cilium-operator registers
# them at start-up. Waits (bounded) until each named CRD exists and is Established.
# Usage: crd-gate.sh <node-name> <timeout-seconds> <crd-name>...
set -euo pipefail

NODE=${1:?usage: crd-gate.sh <node-name> <timeout-seconds> <crd-name>...}
TIMEOUT=${2:?usage: crd-gate.sh <node-name> <timeout-seconds> <crd-name>...}
shift 2
[ "$#" -gt 0 ] || { echo "${NODE}: crd-gate: ERROR: no CRD names given" >&2; exit 2; }
INTERVAL=${INTERVAL:-2}

LOG_TAG="crd-gate"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

deadline=$((SECONDS + TIMEOUT))
for crd in "$@"; do
    until as_root k3s kubectl get crd "$crd" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] ||
            fatal "CRD $crd was not registered within ${TIMEOUT}s (see: k3s kubectl -n kube-system logs deploy/cilium-operator)"
        sleep "$INTERVAL"
    done
    remaining=$((deadline - SECONDS))
    [ "$remaining" -gt 0 ] || remaining=1
    as_root k3s kubectl wait --for=condition=Established "crd/$crd" --timeout="${remaining}s" >/dev/null ||
        fatal "CRD $crd is not Established within ${TIMEOUT}s"
    info "$crd Established"
done
