#!/usr/bin/env bash
# Runs on a server before start.sh: makes sure an empty server never starts a second cluster and never waits
# forever to join a cluster that is not there. k3s decides only for a node without etcd data (no WAL directory):
# with data it restarts as the existing member whatever cluster-init/server say; without data it bootstraps a new
# cluster when it has no server URL, else joins (k3s-io/k3s pkg/etcd/etcd.go `Start`: isInitialized → e.cluster;
# clientAccessInfo == nil → e.newCluster; else join). The peers are probed on k3s' unauthenticated /cacerts
# (k3s-io/k3s pkg/server/router.go: router.Path("/cacerts")), so no credential is needed.
# Modes: init — the program renders cluster-init (no cluster was deployed); refuse if another server answers.
#        join — the program renders server: <endpoint>; wait (bounded) until an existing server answers.
# Usage: etcd-guard.sh <node> <init|join> <port> <timeout-seconds> <peer-address>...
set -euo pipefail

K3S_DATA_DIR=${K3S_DATA_DIR:-/var/lib/rancher/k3s}
INTERVAL=${INTERVAL:-3}

if [ "$#" -lt 4 ]; then
    echo "usage: etcd-guard.sh <node> <init|join> <port> <timeout-seconds> <peer-address>..." >&2
    exit 2
fi
NODE=$1 MODE=$2 PORT=$3 TIMEOUT=$4
shift 4
PEERS=("$@")

LOG_TAG="etcd"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

# Prints the first peer whose k3s answers /cacerts, or nothing.
answering_peer() {
    local peer host
    for peer in "${PEERS[@]}"; do
        host=$peer
        [[ "$peer" != *:* ]] || host="[$peer]"
        if curl -ksf --max-time 5 -o /dev/null "https://${host}:${PORT}/cacerts"; then
            echo "$peer"
            return 0
        fi
    done
}

main() {
    case "$MODE" in init | join) ;; *) fatal "mode must be init or join, got '$MODE'" ;; esac
    if as_root test -d "${K3S_DATA_DIR}/server/db/etcd/member/wal"; then
        info "local etcd data present: k3s restarts as the existing member"
        return 0
    fi
    local peer
    if [ "$MODE" = init ]; then
        peer=$(answering_peer)
        [ -z "$peer" ] || fatal "no local etcd data, but server ${peer} already answers as a cluster: bootstrapping (cluster-init) here would start a second cluster behind the same endpoint; nothing was started (the stack has no lifecycleState of that cluster: run pulumi up without replacing this server once, then again)"
        info "no local etcd data and no other server answers${PEERS[*]:+ (${PEERS[*]})}: bootstrapping a new cluster"
        return 0
    fi
    [ "${#PEERS[@]}" -gt 0 ] || fatal "join mode needs at least one peer address"
    local deadline=$((SECONDS + TIMEOUT))
    until peer=$(answering_peer) && [ -n "$peer" ]; do
        [ "$SECONDS" -lt "$deadline" ] || fatal "no local etcd data and none of ${PEERS[*]} answered on ${PORT} within ${TIMEOUT}s: there is no cluster to join; nothing was started"
        sleep "$INTERVAL"
    done
    info "no local etcd data: joining the existing cluster (${peer} answers)"
}

main
