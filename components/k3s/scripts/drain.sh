#!/usr/bin/env bash
# Runs on a server before an agent's machine is deleted or replaced: drains the Node, deletes it and its
# node-password secret, so the machine can go and a replacement with the same name is not refused ("Node password
# rejected": k3s keeps <node>.node-password.k3s in kube-system, owned by the Node, k3s-io/k3s
# pkg/nodepassword/controller.go @67810cf). A node that is already gone is success.
# A NotReady node is not drained: its kubelet is gone, so its pods can never finish terminating and a drain would
# only wait for its timeout. Deleting the Node lets the pod garbage collector delete the pods bound to a node that
# no longer exists (kubernetes/kubernetes pkg/controller/podgc/gc_controller.go, gcOrphaned), and their
# controllers recreate them elsewhere.
# Usage: drain.sh <node-to-remove> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: drain.sh <node-to-remove> [timeout-seconds]}
TIMEOUT=${2:-300}

LOG_TAG="drain"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: kubectl, delete_password, already_gone from components/shared/scripts/k3s-node.sh (inserted by components/shared/script.ts)

main() {
    if already_gone "drain"; then return 0; fi
    local ready
    ready=$(kubectl get node "$NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) || ready=""
    if [ "$ready" = "True" ]; then
        # --force: also pods without a controller (they would block the drain forever); bounded by --timeout.
        kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --force --timeout="${TIMEOUT}s" ||
            fatal "drain did not finish within ${TIMEOUT}s; the node is cordoned and kept (see: k3s kubectl get pods -A -o wide --field-selector spec.nodeName=$NODE)"
    else
        info "node is NotReady (Ready=${ready:-unknown}): its pods cannot terminate; deleting the node without draining"
    fi
    kubectl delete node "$NODE" --wait=true --timeout=60s >/dev/null ||
        fatal "could not delete Node $NODE (drained: ${ready:-no}); run: k3s kubectl delete node $NODE"
    delete_password "Node deleted"
    info "drained and deleted"
}

main
