#!/usr/bin/env bash
# Deletes the Colima VM of the `local` stack on `pulumi destroy`, with its data disk. Idempotent: a missing
# profile is success.
# `--data` matters: with the containerd runtime Colima keeps /var/lib/rancher (k3s' datastore and token) on a
# separate runtime disk that a plain `colima delete` keeps and the next `colima start` of the same profile mounts
# again (abiosoft/colima v0.10.3: app/app.go Delete, environment/container/containerd/containerd.go DataDirs;
# cmd/delete.go defines --data). A new `up` would meet the old datastore with a new token.
# Usage: colima-delete.sh <profile>
set -euo pipefail

LOG_PREFIX="[colima-delete]"
# @prelude: info, fatal from components/shared/scripts/operator-prelude.sh (inserted by components/shared/script.ts)

main() {
    [ "$#" -eq 1 ] || fatal "usage: colima-delete.sh <profile>"
    local profile=$1 listed
    if ! command -v colima >/dev/null 2>&1; then
        info "colima is not installed; nothing to delete for profile $profile"
        return 0
    fi
    # `colima list --profile p` lists only that profile (cmd/list.go) and prints nothing on stdout when it is absent.
    listed=$(colima list --profile "$profile" --json 2>/dev/null) || listed=""
    if [ -z "$listed" ]; then
        info "profile $profile does not exist; nothing to delete"
        return 0
    fi
    colima delete --profile "$profile" --force --data || fatal "colima delete --profile $profile --force --data failed"
    info "deleted profile $profile and its data disk"
}

main "$@"
