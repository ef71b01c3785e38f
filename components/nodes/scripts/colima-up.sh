#!/usr/bin/env bash
# Starts the Colima VM for the `local` stack (or reuses it when the profile already runs) and prints its SSH
# config on stdout for the program to parse. No built-in Kubernetes: k3s is installed over SSH like on Hetzner.
# Usage: colima-up.sh <profile> <cpus> <memory-GiB> <disk-GiB> <vm-type>
set -euo pipefail

info() { echo "[colima-up] $*" >&2; }
fatal() { echo "[colima-up] ERROR: $*" >&2; exit 1; }

verify_colima() {
    command -v colima >/dev/null 2>&1 ||
        fatal "colima is not installed; install it (macOS: brew install colima; Linux: see https://colima.run/docs/installation/) and run pulumi up again"
}

profile_running() {
    colima status --profile "$1" >/dev/null 2>&1
}

main() {
    [ "$#" -eq 5 ] || fatal "usage: colima-up.sh <profile> <cpus> <memory-GiB> <disk-GiB> <vm-type>"
    local profile=$1 cpus=$2 memory=$3 disk=$4 vm_type=$5
    verify_colima
    if profile_running "$profile"; then
        info "profile $profile is already running; reusing it (resize with: colima stop --profile $profile, then pulumi up)"
    else
        info "starting profile $profile: ${cpus} CPU, ${memory} GiB memory, ${disk} GiB disk, vm type $vm_type"
        colima start --profile "$profile" --cpu "$cpus" --memory "$memory" --disk "$disk" \
            --vm-type "$vm_type" --runtime containerd ||
            fatal "colima start --profile $profile failed; see: colima start --profile $profile --verbose"
    fi
    colima ssh-config --profile "$profile" || fatal "colima ssh-config --profile $profile failed"
}

main "$@"
