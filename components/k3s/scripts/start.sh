#!/usr/bin/env bash
# Makes the k3s service run the installed binary with the written config.yaml, and records that only once it is
# true. The record ($STATE_DIR/k3s-applied) is the k3s version plus the SHA-256 of config.yaml the service was last
# (re)started with successfully. Nothing to do when the service is active and the record matches; otherwise
# (stopped service, new config, new binary, or an earlier restart that failed or timed out) the record is removed,
# the service restarted under `timeout` (its unit has TimeoutStartSec=0: systemctl would wait forever), and the
# record written after it is active.
# Usage: start.sh <node-name> <role: server|agent> <timeout-seconds>
set -euo pipefail

K3S_CONFIG_DIR=${K3S_CONFIG_DIR:-/etc/rancher/k3s}
STATE_DIR=${STATE_DIR:-/var/lib/k3s-cilium}

if [ "$#" -ne 3 ]; then
    echo "usage: start.sh <node-name> <server|agent> <timeout-seconds>" >&2
    exit 2
fi
NODE=$1 ROLE=$2 TIMEOUT=$3

LOG_TAG="k3s"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

main() {
    case "$ROLE" in server | agent) ;; *) fatal "role must be server or agent, got '$ROLE'" ;; esac
    local service=k3s config="${K3S_CONFIG_DIR}/config.yaml" record="${STATE_DIR}/k3s-applied" version digest wanted applied rc=0
    [ "$ROLE" = server ] || service=k3s-agent
    version=$(k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }') || true
    [ -n "$version" ] || fatal "k3s is not installed (install.sh runs first)"
    as_root test -r "$config" || fatal "cannot read $config (configure.sh runs first)"
    digest=$(as_root sha256sum "$config" | awk '{ print $1 }')
    wanted="$version $digest"
    applied=$(as_root cat "$record" 2>/dev/null) || applied=""
    if systemctl is-active --quiet "$service" && [ "$applied" = "$wanted" ]; then
        info "$service active with $version and the applied configuration; nothing to restart"
        return 0
    fi
    if systemctl is-active --quiet "$service"; then
        info "restarting $service to apply $version and the current configuration"
    else
        info "starting $service ($version)"
    fi
    # Until the service is known active with this config, nothing is recorded as applied.
    as_root rm -f "$record"
    as_root timeout "$TIMEOUT" systemctl restart "$service" || rc=$?
    [ "$rc" -ne 124 ] || fatal "$service did not start within ${TIMEOUT}s; it stays unrecorded and the next run restarts it again (see: journalctl -u $service)"
    [ "$rc" -eq 0 ] || fatal "systemctl restart $service failed (exit $rc); the next run restarts it again (see: journalctl -u $service)"
    systemctl is-active --quiet "$service" || fatal "$service is not active after its restart (see: journalctl -u $service)"
    as_root mkdir -p "$STATE_DIR"
    printf '%s\n' "$wanted" | as_root tee "${record}.new" >/dev/null
    as_root mv -f "${record}.new" "$record"
    info "$service active with $version and the current configuration"
}

main
