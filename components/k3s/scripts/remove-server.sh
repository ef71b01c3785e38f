#!/usr/bin/env bash
# Runs on a SURVIVING server before a server's machine is deleted or replaced: removes the server's etcd member,
# then its Node and node-password secret, so the cluster never keeps a dead voter and a replacement with the same
# name can join. Every step is bounded and fails with one line saying what is done and what is not.
#
# How k3s removes a member (k3s-io/k3s pkg/etcd/member_controller.go @14cf963): on a Node annotated
# etcd.k3s.cattle.io/remove=true it calls RemovePeer and records etcd.k3s.cattle.io/removed-node-name; deleting
# the Node alone also removes the member (onRemove), but then a failed removal has nowhere to be observed. So the
# annotation first (observable, bounded), then the Node. The node-password secret <node>.node-password.k3s is
# owned by the Node and garbage-collected after it (k3s-io/k3s pkg/nodepassword/controller.go @67810cf,
# onChangeNode adds the OwnerReference); it is deleted here too so a replacement never meets the old password.
# Usage: remove-server.sh <server-to-remove> <server-running-this> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: remove-server.sh <server-to-remove> <server-running-this> [timeout-seconds]}
RUNNER=${2:?usage: remove-server.sh <server-to-remove> <server-running-this> [timeout-seconds]}
TIMEOUT=${3:-300}
INTERVAL=${INTERVAL:-3}
REMOVE=etcd.k3s.cattle.io/remove
REMOVED=etcd.k3s.cattle.io/removed-node-name

LOG_TAG="leave"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: kubectl, delete_password, already_gone from components/shared/scripts/k3s-node.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)

main() {
    if [ "$NODE" = "$RUNNER" ]; then
        info "the cluster's only server: no other member to hand over to; its etcd member goes with the machine"
        return 0
    fi
    if already_gone "remove"; then return 0; fi
    # Quorum: a membership change needs a majority of the members up. Refuse while any other server is NotReady.
    local lagging
    lagging=$(kubectl get nodes -l node-role.kubernetes.io/etcd=true \
        -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
        awk -v me="$NODE" '$1 != me && $2 != "True" { printf "%s%s", sep, $1; sep = ", " }') ||
        fatal "could not list the servers; nothing was removed"
    [ -z "$lagging" ] || fatal "server(s) ${lagging} NotReady: removing an etcd member now could lose quorum; nothing was removed (bring them back, then run pulumi up again)"
    kubectl annotate node "$NODE" "${REMOVE}=true" --overwrite >/dev/null || fatal "could not annotate the node for etcd removal; nothing was removed"
    local removed=""
    member_removed() {
        removed=$(kubectl get node "$NODE" -o "jsonpath={.metadata.annotations.etcd\.k3s\.cattle\.io/removed-node-name}" 2>/dev/null) || removed=""
        [ -n "$removed" ]
    }
    wait_until "$TIMEOUT" member_removed ||
        fatal "etcd member not removed within ${TIMEOUT}s (no ${REMOVED} annotation); the node is still an etcd member and its Node is kept (see: journalctl -u k3s on this server)"
    info "etcd member ${removed} removed"
    kubectl delete node "$NODE" --wait=true --timeout=60s >/dev/null ||
        fatal "etcd member removed, but Node $NODE could not be deleted: a replacement would be refused; run: k3s kubectl delete node $NODE"
    delete_password "etcd member and Node removed"
    info "etcd member, Node and node password removed"
}

main
