# For the scripts that register the stack's k3s bootstrap token on a server (agents-joined.sh, and
# register-bootstrap-token.sh before any agent's converge): TOKEN holds the token (<id>.<secret>), TOKEN_TTL its lifetime in
# seconds. Idempotent: an existing token of the same id is deleted first, since `k3s token create` refuses an
# existing id (k3s-io/k3s pkg/cli/token/token.go @0678ae9: "a token with id %q already exists").
# k8s.io/cluster-bootstrap BootstrapTokenPattern; the id names the Secret (bootstrap-token-<id>) and `k3s token delete`.
valid_token() { [[ $TOKEN =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]]; }

# Registers TOKEN with a fresh TTL. The token goes on the k3s CLI's command line (the CLI takes it from no other
# source), visible in this server's process list (local users, hostPID pods) for the second the CLI runs; its output (the token again) is dropped.
register_token() {
    local id=${TOKEN%%.*} existing
    existing=$(as_root timeout 60 k3s kubectl -n kube-system get secret "bootstrap-token-$id" --ignore-not-found -o name) ||
        fatal "cannot read bootstrap token $id (k3s kubectl -n kube-system get secret bootstrap-token-$id); agents cannot join"
    if [ -n "$existing" ]; then
        as_root timeout 60 k3s token delete "$id" >/dev/null || fatal "cannot delete the previous bootstrap token $id (k3s token delete $id)"
    fi
    # Flags before the token: the create command does not reorder arguments (pkg/cli/cmds/token.go SkipArgReorder).
    as_root timeout 60 k3s token create --ttl "${TOKEN_TTL}s" --description "k3s-cilium first-boot agents (agents-joined)" "$TOKEN" >/dev/null ||
        fatal "cannot create bootstrap token $id (k3s token create); agents cannot join"
    info "bootstrap token $id valid for ${TOKEN_TTL}s"
}
