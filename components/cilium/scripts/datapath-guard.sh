#!/usr/bin/env bash
# Refuses a Cilium datapath change (routing mode / tunnel protocol) on a running cluster: after such a change
# every node must restart or pods lose connectivity. The first run records the mode; a rerun with the same mode
# is a no-op; a different mode stops `pulumi up` before the Cilium chart is touched.
# Usage: datapath-guard.sh <node-name> <mode, e.g. tunnel/geneve>
set -euo pipefail

STATE_DIR=${STATE_DIR:-/var/lib/k3s-cilium}

NODE=${1:?usage: datapath-guard.sh <node-name> <mode>}
MODE=${2:?usage: datapath-guard.sh <node-name> <mode>}
STATE_FILE="${STATE_DIR}/datapath-mode"

LOG_TAG="datapath"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

if as_root test -f "$STATE_FILE"; then
    current=$(as_root cat "$STATE_FILE")
    if [ "$current" = "$MODE" ]; then
        info "$MODE (unchanged)"
        exit 0
    fi
    fatal "refusing to switch the Cilium datapath from $current to $MODE on a running cluster: every node must restart afterwards or pods lose connectivity. Either revert the config, or follow README 'Changing the datapath' (rebuild, or remove $STATE_FILE on $NODE, pulumi up, then reboot nodes one at a time)"
fi
as_root mkdir -p "$STATE_DIR"
printf '%s\n' "$MODE" | as_root tee "$STATE_FILE" >/dev/null
info "$MODE (recorded)"
