#!/usr/bin/env bash
# Restarts exactly the Cilium agents whose running policy audit mode differs from the desired one, a batch at a time,
# and waits for each replacement to run the desired mode. The same convergent script for create and update, so
# audit → enforce, enforce → audit, a replace and a rerun after a rollback all end in the same state.
# The running mode is the agent's realized PolicyAuditMode, printed by `cilium-dbg config` as "PolicyAuditMode : Enabled"
# (cilium/cilium cilium-dbg/cmd/config.go @3e1830a1, dumpReadWriteConfigs: "%-34s: %s").
# Usage: converge-agents.sh <node> <audit: true|false> <seconds-per-batch> <batch-size>
set -euo pipefail

if [ "$#" -lt 4 ]; then
    echo "usage: converge-agents.sh <node-name> <true|false> <seconds-per-batch> <batch-size>" >&2
    exit 2
fi
NODE=$1 AUDIT=$2 TIMEOUT=$3 BATCH=$4
INTERVAL=${INTERVAL:-3}
UNIT=${UNIT:-k3s-cilium-enforce-rollback}
NODE_CONFIG=${NODE_CONFIG:-policy-enforcement-rollback}

LOG_TAG="converge"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: agent_mode from components/shared/scripts/cilium-agent.sh (inserted by components/shared/script.ts)
kc() { as_root timeout 60 k3s kubectl -n kube-system "$@"; }

case "$AUDIT" in true) want=Enabled ;; false) want=Disabled ;; *) fatal "audit must be true or false, got '$AUDIT'" ;; esac
if [ "$AUDIT" = "false" ]; then
    as_root systemctl is-active --quiet "$UNIT.timer" ||
        fatal "the dead-man's switch ($UNIT.timer) is not armed on $NODE; refusing to restart agents into enforcement"
fi
# A rollback left by an earlier attempt would keep every restarted agent in audit mode: the desired mode wins again.
kc delete ciliumnodeconfig "$NODE_CONFIG" --ignore-not-found >/dev/null || fatal "cannot remove CiliumNodeConfig $NODE_CONFIG"

agents=$(kc get pods -l k8s-app=cilium -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName}{"\n"}{end}') ||
    fatal "cannot list the cilium agent pods"
[ -n "$agents" ] || fatal "no cilium agent pods found"
stale=()
total=0
while read -r pod node; do
    [ -n "$pod" ] || continue
    total=$((total + 1))
    mode=$(agent_mode "$pod")
    [ "$mode" = "$want" ] || stale+=("$pod $node ${mode:-unknown}")
done <<<"$agents"
if [ "${#stale[@]}" -eq 0 ]; then
    info "all $total agents already run PolicyAuditMode $want; nothing to restart"
    exit 0
fi

wait_replaced() { # <old-pod> <node> <deadline>: a Ready replacement on the node that runs the desired mode
    local old=$1 node=$2 deadline=$3 name ready
    while [ "$SECONDS" -lt "$deadline" ]; do
        while read -r name ready; do
            if [ -n "$name" ] && [ "$name" != "$old" ] && [ "$ready" = "true" ] && [ "$(agent_mode "$name")" = "$want" ]; then
                info "$node: $name runs PolicyAuditMode $want"
                return 0
            fi
        done < <(kc get pods -l k8s-app=cilium --field-selector "spec.nodeName=$node" \
            -o jsonpath='{range .items[*]}{.metadata.name} {.status.containerStatuses[?(@.name=="cilium-agent")].ready}{"\n"}{end}' 2>/dev/null || true)
        sleep "$INTERVAL"
    done
    fatal "$node: no cilium agent running PolicyAuditMode $want within ${TIMEOUT}s after restarting $old (kubectl -n kube-system get pods -l k8s-app=cilium -o wide)"
}

restarted=()
for ((i = 0; i < ${#stale[@]}; i += BATCH)); do
    batch=("${stale[@]:i:BATCH}")
    for entry in "${batch[@]}"; do
        read -r pod node mode <<<"$entry"
        if [ "$mode" = unknown ]; then
            info "$node: cannot read $pod's PolicyAuditMode (kubectl exec $pod -- cilium-dbg config failed), restarting it for $want"
        else
            info "$node: $pod runs PolicyAuditMode $mode, restarting it for $want"
        fi
        kc delete pod "$pod" --wait=false >/dev/null || fatal "cannot delete $pod"
    done
    # One deadline per batch, so a batch never takes longer than <seconds-per-batch> (the timer's budget counts on it).
    batch_deadline=$((SECONDS + TIMEOUT))
    for entry in "${batch[@]}"; do
        read -r pod node _ <<<"$entry"
        wait_replaced "$pod" "$node" "$batch_deadline"
        restarted+=("$node")
    done
done
info "restarted ${#restarted[@]} of $total agents (${restarted[*]}); all run PolicyAuditMode $want"
