# For the scripts that take a Node out of the cluster (drain.sh for agents, remove-server.sh for servers): k3s'
# kubectl on this server, and the removal of the Node's password secret. The script sets NODE to the Node it removes.
kubectl() { as_root k3s kubectl "$@"; }

# k3s keeps <node>.node-password.k3s in kube-system, owned by the Node (k3s-io/k3s pkg/nodepassword/controller.go
# @67810cf): left behind, a replacement machine with the same name is refused ("Node password rejected").
# $1 says what is already done, for the failure line.
delete_password() {
    kubectl -n kube-system delete secret "${NODE}.node-password.k3s" --ignore-not-found --wait=true --timeout=60s >/dev/null ||
        fatal "$1, but secret kube-system/${NODE}.node-password.k3s could not be deleted: a replacement would be rejected (\"Node password rejected\"); run: k3s kubectl -n kube-system delete secret ${NODE}.node-password.k3s"
}

# True when the Node is not registered (never joined, or an earlier run removed it): then only its password secret
# may be left to delete, and there is nothing to <$1>.
already_gone() {
    ! kubectl get node "$NODE" >/dev/null 2>&1 || return 1
    delete_password "node is not in the cluster"
    info "node is not in the cluster; nothing to $1"
}
