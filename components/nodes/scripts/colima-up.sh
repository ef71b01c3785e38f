#!/usr/bin/env bash
# Starts the Colima VM for the `local` stack (or reuses it when the profile already runs) and prints its SSH
# config on stdout for the program to parse. No built-in Kubernetes: k3s is installed over SSH like on Hetzner.
# The `colima start` flags come from the program (components/nodes/colima-cli.ts), which passes only flags that
# this host's Colima defines (e.g. --vm-type exists only on macOS 13+).
# Usage: colima-up.sh <profile> [colima start flags...]
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
    [ "$#" -ge 1 ] || fatal "usage: colima-up.sh <profile> [colima start flags...]"
    local profile=$1
    shift
    verify_colima
    if profile_running "$profile"; then
        info "profile $profile is already running; reusing it (resize with: colima stop --profile $profile, then pulumi up)"
    else
        info "starting profile $profile: colima start --profile $profile $*"
        colima start --profile "$profile" "$@" ||
            fatal "colima start --profile $profile failed; see: colima start --profile $profile --verbose"
    fi
    colima ssh-config --profile "$profile" || fatal "colima ssh-config --profile $profile failed"
}

main "$@"
