#!/usr/bin/env bash
# Confirms enforcement on this server once everything was verified from outside: disarms the dead-man's switch. If it
# already fired, enforcement was rolled back: this fails, saying what the rollback did, so `pulumi up` fails with it.
# Usage: confirm-enforcement.sh <node> <audit: true|false>
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: confirm-enforcement.sh <node-name> <true|false>" >&2
    exit 2
fi
NODE=$1 AUDIT=$2
UNIT=${UNIT:-k3s-cilium-enforce-rollback}
STATE_DIR=${STATE_DIR:-/var/lib/k3s-cilium/enforcement}

LOG_TAG="confirm"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

if [ "$AUDIT" = "true" ]; then
    info "audit mode: nothing to confirm"
    exit 0
fi
if [ -f "$STATE_DIR/rolled-back" ]; then
    fatal "too late: $(tr '\n' ' ' <"$STATE_DIR/rolled-back")(journalctl -u $UNIT.service on $NODE); after fixing the cause, raise k3s-cilium:enforcementAttempt to run the chain again"
fi
if as_root systemctl is-active --quiet "$UNIT.service"; then
    fatal "the dead-man's switch is rolling enforcement back right now (journalctl -u $UNIT.service on $NODE)"
fi
as_root systemctl is-active --quiet "$UNIT.timer" ||
    fatal "no armed $UNIT.timer on $NODE: it fired or was never armed; enforcement is not confirmed"
as_root systemctl stop "$UNIT.timer" || fatal "cannot stop $UNIT.timer"
! as_root systemctl is-active --quiet "$UNIT.timer" || fatal "$UNIT.timer is still active after stopping it"
as_root rm -f "$STATE_DIR/armed"
date -u +%Y-%m-%dT%H:%M:%SZ | as_root tee "$STATE_DIR/confirmed" >/dev/null
info "confirmed: enforcement stays on; $UNIT.timer disarmed"
