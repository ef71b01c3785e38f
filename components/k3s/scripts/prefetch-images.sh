#!/usr/bin/env bash
# Pulls the images every node runs for Cilium (pinned by digest: components/cilium/images.ts) into k3s' containerd
# as soon as k3s runs, so the Cilium rollout after the chart finds them present instead of pulling then. An
# optimisation only: a pull that fails or times out is one line and the kubelet pulls the image when the pod starts.
# `background` hands the same work to a transient systemd unit and returns at once (a server's install command must
# not wait for it); `foreground` does it (first-boot.sh on agents, and the unit itself).
# Usage: prefetch-images.sh <node-name> <foreground|background> <timeout-seconds> <image>...
set -euo pipefail

INTERVAL=${INTERVAL:-2}
UNIT=${UNIT:-k3s-cilium-prefetch}

if [ "$#" -lt 4 ]; then
    echo "usage: prefetch-images.sh <node-name> <foreground|background> <timeout-seconds> <image>..." >&2
    exit 2
fi
NODE=$1 MODE=$2 TIMEOUT=$3
shift 3

LOG_TAG="prefetch"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)

# The same script again, as this process got it: the text of `bash -c` (as the program sends it) or the file.
self() {
    if [ -n "${BASH_EXECUTION_STRING:-}" ]; then printf '%s\0' bash -c "$BASH_EXECUTION_STRING" prefetch-images.sh; else printf '%s\0' bash "$0"; fi
}

background() {
    local cmd=()
    mapfile -d '' cmd < <(self)
    if as_root systemd-run --collect --no-block --quiet --unit "$UNIT" "${cmd[@]}" "$NODE" foreground "$TIMEOUT" "$@"; then
        info "pulling $# image(s) in the background (journalctl -u $UNIT)"
    else
        info "could not start $UNIT (one may still be running: systemctl status $UNIT); the kubelet pulls the images when the pods start"
    fi
}

runtime_answers() { as_root k3s crictl info >/dev/null 2>&1; }

foreground() {
    local image rc
    if ! wait_until "$TIMEOUT" runtime_answers; then
        info "k3s' container runtime did not answer within ${TIMEOUT}s; nothing pulled (the kubelet pulls the images when the pods start)"
        return 0
    fi
    for image in "$@"; do
        rc=0
        as_root timeout "$TIMEOUT" k3s crictl pull "$image" >/dev/null 2>&1 || rc=$?
        if [ "$rc" -eq 0 ]; then info "pulled $image"; else info "could not pull $image (exit $rc); the kubelet pulls it when the pod starts"; fi
    done
}

case "$MODE" in
    background) background "$@" ;;
    foreground) foreground "$@" ;;
    *) fatal "mode must be foreground or background, got '$MODE'" ;;
esac
