#!/usr/bin/env bash
# Deletes the Colima VM of the `local` stack on `pulumi destroy`. Idempotent: a missing profile is success.
# Usage: colima-delete.sh <profile>
set -euo pipefail

info() { echo "[colima-delete] $*" >&2; }
fatal() { echo "[colima-delete] ERROR: $*" >&2; exit 1; }

main() {
    [ "$#" -eq 1 ] || fatal "usage: colima-delete.sh <profile>"
    local profile=$1
    if ! command -v colima >/dev/null 2>&1; then
        info "colima is not installed; nothing to delete for profile $profile"
        return 0
    fi
    if ! colima list --profile "$profile" >/dev/null 2>&1; then
        info "profile $profile does not exist; nothing to delete"
        return 0
    fi
    colima delete --profile "$profile" --force || fatal "colima delete --profile $profile --force failed"
    info "deleted profile $profile"
}

main "$@"
