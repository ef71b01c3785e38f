#!/usr/bin/env bash
# Verify from outside after the agents restarted, before confirming: this command reaching the node over SSH from the
# operator's machine is the SSH check. On the cluster node (the first server) also: /readyz through the control-plane
# endpoint, every node Ready, every agent running the desired mode (not rolled back), and a pod that resolves DNS and
# reaches the API. Every wait bounded by <timeout>. Nothing here changes the cluster except the short-lived probe pod.
# Usage: verify-enforcement.sh <node> <ssh|cluster> <endpoint-host> <endpoint-port> <audit: true|false> <timeout> <probe-image>
set -euo pipefail

if [ "$#" -lt 7 ]; then
    echo "usage: verify-enforcement.sh <node-name> <ssh|cluster> <endpoint-host> <endpoint-port> <true|false> <timeout-seconds> <probe-image>" >&2
    exit 2
fi
NODE=$1 CHECKS=$2 HOST=$3 PORT=$4 AUDIT=$5 TIMEOUT=$6 IMAGE=$7
INTERVAL=${INTERVAL:-3}
STATE_DIR=${STATE_DIR:-/var/lib/k3s-cilium/enforcement}
UNIT=${UNIT:-k3s-cilium-enforce-rollback}
PROBE=k3s-cilium-enforce-probe

LOG_TAG="verify"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)
# @prelude: agent_mode from components/shared/scripts/cilium-agent.sh (inserted by components/shared/script.ts)

# A failed check is never confirmed. On the first server, while enforcing with the switch armed, the rollback runs at
# once (the timer's own service) instead of when the timer elapses, so `pulumi up` fails with what failed and the
# rollback that happened. Any exit before the last check passed counts: a check's own line (fail), or a command
# failing under set -e, which gets a line here; on the way out roll_back_now runs (trap on_exit, set before the checks).
verified="" reported=""
fail() {
    reported=yes
    fatal "$@"
}
on_exit() {
    local status=$?
    [ -z "$verified" ] || return 0
    [ -n "$reported" ] || echo "${NODE}: ${LOG_TAG}: ERROR: stopped before every check passed (exit $status)" >&2
    roll_back_now
}
roll_back_now() {
    if [ "$CHECKS" = "cluster" ] && [ "$AUDIT" = "false" ] && [ ! -f "$STATE_DIR/rolled-back" ] &&
        as_root systemctl is-active --quiet "$UNIT.timer"; then
        info "not confirming; rolling back to audit mode now ($UNIT.service)" >&2
        as_root systemctl start "$UNIT.service" >/dev/null 2>&1 || true
        # Disarmed once the rollback is started: a timer elapsing later starts its service again unless that is still
        # active (systemd.timer(5), DESCRIPTION), which would roll back a second time and overwrite the record with a
        # misleading time. A timer has only a Before= on the unit it activates (systemd.timer(5), AUTOMATIC
        # DEPENDENCIES), so stopping it leaves the rollback just started running.
        as_root systemctl stop "$UNIT.timer" >/dev/null 2>&1 || true
        if wait_until "$TIMEOUT" test -f "$STATE_DIR/rolled-back"; then sed "s/^/${NODE}: ${LOG_TAG}: /" "$STATE_DIR/rolled-back" >&2; else
            info "the rollback did not report within ${TIMEOUT}s (journalctl -u $UNIT.service)" >&2
        fi
    fi
}
kc() { as_root timeout 60 k3s kubectl "$@"; }
# One deadline for every check together: the dead-man's switch budgets <timeout> for the whole verification.
DEADLINE=$((SECONDS + TIMEOUT))
until_ok() { # <what> <command...>: retries until the command succeeds or the deadline passes
    local what=$1
    shift
    wait_until $((DEADLINE - SECONDS)) "$@" >/dev/null 2>&1 || fail "$what: not within ${TIMEOUT}s"
    info "$what: ok"
}

info "ssh ok (reached from the operator's machine after the agents restarted)"
[ "$CHECKS" = "cluster" ] || exit 0
trap on_exit EXIT

if [ "$AUDIT" = "false" ] && [ -f "$STATE_DIR/rolled-back" ]; then
    fail "the dead-man's switch already rolled enforcement back: $(tr '\n' ' ' <"$STATE_DIR/rolled-back")- after fixing the cause, raise k3s-cilium:enforcementAttempt to run the chain again"
fi
case "$HOST" in *:*) url="https://[${HOST}]:${PORT}" ;; *) url="https://${HOST}:${PORT}" ;; esac
until_ok "API $url/readyz through the endpoint" kc --server "$url" get --raw /readyz

# The Ready condition itself, not `get nodes`' STATUS column: that column joins Ready with "SchedulingDisabled" for a
# cordoned node ("Ready,SchedulingDisabled", kubernetes/kubernetes pkg/printers/internalversion/printers.go @008dafe0,
# printNode), and a node cordoned for maintenance is no reason to roll enforcement back. A node without the condition
# prints an empty status and is not Ready.
nodes_ready() {
    local out
    out=$(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}') || return 1
    [ -n "$out" ] && ! awk '$2 != "True" { bad = 1 } END { exit !bad }' <<<"$out"
}
until_ok "every node Ready" nodes_ready

case "$AUDIT" in true) want=Enabled ;; *) want=Disabled ;; esac
wrong=""
# Listed first: a failing list in the for loop's word list would not trip set -e and the check would pass vacuously.
pods=$(kc -n kube-system get pods -l k8s-app=cilium -o jsonpath='{.items[*].metadata.name}') || fail "cannot list the cilium agents (kubectl -n kube-system get pods -l k8s-app=cilium)"
[ -n "$pods" ] || fail "no cilium agent pods found (kubectl -n kube-system get pods -l k8s-app=cilium)"
for pod in $pods; do
    # A failing exec is an unknown mode: a failure of this check.
    mode=$(agent_mode "$pod")
    [ "$mode" = "$want" ] || wrong+=" $pod=${mode:-unknown}"
done
[ -z "$wrong" ] || fail "agents not in the desired PolicyAuditMode $want:$wrong (a rollback ran, or an agent restarted on its own; raise k3s-cilium:enforcementAttempt to run the chain again)"
info "every agent runs PolicyAuditMode $want"

# A pod resolves DNS and reaches the API with its service-account token (/readyz is readable by every
# authenticated user through the system:public-info-viewer ClusterRole).
probe() {
    kc delete pod "$PROBE" --ignore-not-found --wait=true >/dev/null 2>&1 || true
    # shellcheck disable=SC2016 # expanded inside the probe pod, not here
    kc run "$PROBE" --image="$IMAGE" --restart=Never --rm -i --quiet --pod-running-timeout="${TIMEOUT}s" --command -- \
        sh -c 'nslookup kubernetes.default.svc.cluster.local >/dev/null && wget -q -T 10 --no-check-certificate -O - --header "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" https://kubernetes.default.svc/readyz' |
        grep -qx ok
}
until_ok "a pod resolves kubernetes.default and reaches the API" probe
verified=yes
