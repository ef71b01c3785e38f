#!/usr/bin/env bash
# Writes /etc/rancher/k3s/config.yaml from stdin (it carries the join token, so it never appears in a command
# line) with mode 0600. Idempotent: identical content changes nothing; changed content is written atomically.
# It restarts nothing: start.sh (run after install.sh) applies the file and records it as applied only once k3s
# is active with it, so a failed restart is retried by the next run instead of being reported "unchanged".
# Usage: configure.sh <node-name> <role: server|agent>     (config on stdin)
set -euo pipefail

K3S_CONFIG_DIR=${K3S_CONFIG_DIR:-/etc/rancher/k3s}

if [ "$#" -ne 2 ]; then
    echo "usage: configure.sh <node-name> <server|agent>" >&2
    exit 2
fi
NODE=$1 ROLE=$2
STAGED=""

LOG_TAG="config"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

main() {
    case "$ROLE" in server | agent) ;; *) fatal "role must be server or agent, got '$ROLE'" ;; esac
    local target="${K3S_CONFIG_DIR}/config.yaml"
    STAGED=$(mktemp)
    trap 'rm -f "$STAGED"' EXIT
    cat >"$STAGED"
    [ -s "$STAGED" ] || fatal "no configuration on stdin"
    if as_root test -f "$target" && as_root cmp -s "$STAGED" "$target"; then
        info "unchanged"
        return 0
    fi
    as_root mkdir -p "$K3S_CONFIG_DIR"
    as_root install -m 0600 "$STAGED" "${target}.new"
    as_root mv -f "${target}.new" "$target"
    info "written"
}

main
