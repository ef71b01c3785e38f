#!/usr/bin/env bash
# The dead-man's switch itself, run by the transient timer armed by arm-rollback.sh, as root, on a server. Puts the
# cluster back into policy audit mode: (1) this node's agent at once, locally, without the API; (2) the
# CiliumNodeConfig that keeps every agent in audit mode across restarts; (3) a restart of the agents, so nodes that
# have no timer of their own follow. Writes what it did to the state directory and the journal.
# Usage: rollback.sh <node> <state-dir> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: rollback.sh <node> <state-dir> [timeout-seconds]}
STATE_DIR=${2:?usage: rollback.sh <node> <state-dir> [timeout-seconds]}
TIMEOUT=${3:-120}
INTERVAL=${INTERVAL:-5}
NODE_CONFIG=${NODE_CONFIG:-policy-enforcement-rollback}
AGENT_TIMEOUT=${AGENT_TIMEOUT:-30}

# It never fails on purpose (fatal is not called): each step it cannot do is a line, and the next step still runs.
LOG_TAG="rollback"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)
done_steps=()

# 1. PolicyAuditMode is a runtime option of the agent (cilium/cilium pkg/option/daemon.go @d065657b:
#    DaemonMutableOptionLibrary; set with `cilium-dbg config <option>=<value>`, cilium-dbg/cmd/config.go @3e1830a1).
#    crictl reaches the container locally, without the API.
#    Each call is bounded: a hung agent or container runtime must not keep steps 2 and 3 from running (the unit's
#    RuntimeMaxSec=600 would otherwise stop the whole rollback).
container=$(timeout "$AGENT_TIMEOUT" k3s crictl ps --name cilium-agent -q 2>/dev/null | head -n 1 || true)
if [ -n "$container" ] && timeout "$AGENT_TIMEOUT" k3s crictl exec "$container" cilium-dbg config PolicyAuditMode=Enabled >/dev/null 2>&1; then
    done_steps+=("the agent on $NODE switched to audit mode at runtime")
else
    info "could not switch the local agent at runtime within ${AGENT_TIMEOUT}s (no running cilium-agent container, or it did not answer)"
fi

# 2. CiliumNodeConfigs apply in lexical order of their names, the last one wins (cilium/cilium
#    pkg/option/resolver/resolver.go @110ab296, readNodeConfigs), so this object overrides "policy-enforcement".
manifest="apiVersion: cilium.io/v2
kind: CiliumNodeConfig
metadata:
  name: ${NODE_CONFIG}
  namespace: kube-system
  labels: {app.kubernetes.io/managed-by: k3s-cilium-rollback}
spec:
  nodeSelector: {}
  defaults: {policy-audit-mode: \"true\"}"
created="" out=""
write_node_config() {
    if out=$(printf '%s\n' "$manifest" | k3s kubectl create -f - 2>&1); then created=yes; return 0; fi
    case "$out" in *AlreadyExists* | *"already exists"*) created=no ;; *) return 1 ;; esac
}
wait_until "$TIMEOUT" write_node_config || true
case "$created" in
    yes) done_steps+=("CiliumNodeConfig kube-system/$NODE_CONFIG created (policy-audit-mode true)") ;;
    no) done_steps+=("CiliumNodeConfig kube-system/$NODE_CONFIG already written by another server") ;;
    *) info "could not write CiliumNodeConfig $NODE_CONFIG within ${TIMEOUT}s: $out" ;;
esac

# 3. Only the server that wrote the object restarts the agents; the others leave it to that one.
if [ "$created" = "yes" ]; then
    if k3s kubectl -n kube-system rollout restart daemonset/cilium >/dev/null 2>&1; then
        done_steps+=("agents restarted (rollout restart daemonset/cilium)")
    else
        info "could not restart daemonset/cilium"
    fi
fi

mkdir -p "$STATE_DIR"
{
    echo "rolled back at $(date -u +%Y-%m-%dT%H:%M:%SZ) on $NODE, enforcement was not confirmed in time:"
    printf -- '- %s\n' "${done_steps[@]}"
} >"$STATE_DIR/rolled-back"
cat "$STATE_DIR/rolled-back"
