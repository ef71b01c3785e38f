#!/usr/bin/env bash
# First command on every node: returns once the machine has finished booting. The SSH connection itself is
# retried by the command provider (dialErrorLimit -1, bounded by customTimeouts); here we wait for cloud-init.
# The optional machine id is given by a first-boot agent's converge command (components/k3s/node-steps.ts): it
# names the machine in the output (a replaced machine, new id, runs the converge again), and a cloud-init error is
# then reported, not fatal — the error is the agent's first boot (first-boot.sh, its log names the step), and the
# configure/install/start that follow are the repair; without it a failed first boot would block every later update.
# Usage: wait-boot.sh <node-name> [timeout-seconds] [machine-id]
set -euo pipefail

NODE=${1:?usage: wait-boot.sh <node-name> [timeout-seconds] [machine-id]}
TIMEOUT=${2:-600}
MACHINE=${3:-}

LOG_TAG="boot"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

wait_for_cloud_init() {
    if ! command -v cloud-init >/dev/null 2>&1; then
        info "no cloud-init on this machine; nothing to wait for"
        return 0
    fi
    local rc=0
    timeout "$TIMEOUT" cloud-init status --wait >/dev/null || rc=$?
    case "$rc" in
        0) info "cloud-init done" ;;
        2) info "cloud-init finished with recoverable errors; continuing" ;;
        124) fatal "cloud-init still running after ${TIMEOUT}s (see: cloud-init status --long)" ;;
        *)
            [ -n "$MACHINE" ] || fatal "cloud-init failed with exit code $rc (see: cloud-init status --long)"
            info "cloud-init reported errors (exit $rc; see /var/log/k3s-cilium-first-boot.log, cloud-init status --long); converging this node anyway"
            ;;
    esac
}

wait_for_cloud_init
info "ready${MACHINE:+ (machine $MACHINE)}"
