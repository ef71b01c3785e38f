#!/usr/bin/env bash
# Dead-man's switch: before the agents restart into enforcement, arms on this server a local, bounded, transient
# systemd timer that runs the rollback (read from stdin) after <seconds> unless confirm-enforcement.sh stops it first.
# It is local on purpose: traffic on a node is not filtered, so the rollback runs even when enforcement cut the node
# off. systemd-run flags as documented in systemd-run(1) (systemd/systemd man/systemd-run.xml): --unit, --on-active,
# --timer-property, --property; the timer starts at once, the service when it elapses.
# Usage: arm-rollback.sh <node> <audit: true|false> <seconds>        (stdin: the rollback script)
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: arm-rollback.sh <node-name> <true|false> <seconds>" >&2
    exit 2
fi
NODE=$1 AUDIT=$2 DELAY=$3
UNIT=${UNIT:-k3s-cilium-enforce-rollback}
STATE_DIR=${STATE_DIR:-/var/lib/k3s-cilium/enforcement}

LOG_TAG="arm"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

case "$AUDIT" in true | false) ;; *) fatal "audit must be true or false, got '$AUDIT'" ;; esac
case "$DELAY" in '' | *[!0-9]*) fatal "seconds must be a number, got '$DELAY'" ;; esac
rollback=$(cat)
if [ "$AUDIT" = "true" ]; then
    # Audit mode drops nothing, so it cannot cut anyone off: no switch. A timer or a rollback record left by an
    # earlier enforcing attempt goes: audit is where that rollback led anyway.
    as_root systemctl stop "$UNIT.timer" >/dev/null 2>&1 || true
    as_root rm -f "$STATE_DIR/rolled-back" "$STATE_DIR/armed"
    info "audit mode desired: nothing can be cut off, no timer armed"
    exit 0
fi
[ -n "$rollback" ] || fatal "no rollback script on stdin"
as_root mkdir -p "$STATE_DIR"
printf '%s\n' "$rollback" | as_root tee "$STATE_DIR/rollback.sh" >/dev/null
as_root chmod 0700 "$STATE_DIR/rollback.sh"
as_root rm -f "$STATE_DIR/rolled-back" "$STATE_DIR/confirmed"
# A timer left by an interrupted run is replaced, so the deadline always counts from now.
as_root systemctl stop "$UNIT.timer" "$UNIT.service" >/dev/null 2>&1 || true
as_root systemctl reset-failed "$UNIT.timer" "$UNIT.service" >/dev/null 2>&1 || true
as_root systemd-run --unit="$UNIT" --description="k3s-cilium: back to policy audit mode unless enforcement is confirmed" \
    --on-active="${DELAY}s" --timer-property=AccuracySec=1s --property=RuntimeMaxSec=600 \
    /bin/bash "$STATE_DIR/rollback.sh" "$NODE" "$STATE_DIR" >/dev/null ||
    fatal "systemd-run could not arm $UNIT.timer"
as_root systemctl is-active --quiet "$UNIT.timer" || fatal "$UNIT.timer is not active after arming"
deadline=$(date -u -d "+${DELAY} seconds" +%Y-%m-%dT%H:%M:%SZ)
echo "$deadline" | as_root tee "$STATE_DIR/armed" >/dev/null
info "armed $UNIT.timer: back to audit mode at $deadline unless confirmed (systemctl list-timers $UNIT.timer)"
