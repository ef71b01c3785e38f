#!/usr/bin/env bash
# Prints the admin kubeconfig k3s wrote. Its stdout is a secret output of the command resource.
# Usage: kubeconfig.sh <node-name>
set -euo pipefail

NODE=${1:?usage: kubeconfig.sh <node-name>}
KUBECONFIG_FILE=${KUBECONFIG_FILE:-/etc/rancher/k3s/k3s.yaml}

LOG_TAG="kubeconfig"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

as_root test -s "$KUBECONFIG_FILE" || { echo "${NODE}: kubeconfig: ERROR: $KUBECONFIG_FILE is missing or empty" >&2; exit 1; }
as_root cat "$KUBECONFIG_FILE"
