#!/usr/bin/env bash
# One step of restoring a k3s cluster from an etcd snapshot, on one server, following k3s' documented cluster-reset
# path (docs.k3s.io/cli/etcd-snapshot, "Restoring a Cluster from a Snapshot", high availability): stop k3s on every server; on the first server run
# `k3s server --cluster-reset --cluster-reset-restore-path=<snapshot>` (it exits once the datastore is restored);
# start it; on every other server remove the old etcd data and start k3s, which joins the restored cluster.
# The token stays the one in config.yaml (the stack's random server token, unchanged since the cluster was created):
# docs.k3s.io/datastore/backup-restore: "If you do not use the same token value when restoring, the snapshot will be
# unusable, as the token is used to encrypt confidential data within the datastore itself." This script never
# writes config.yaml.
# With `etcd-s3: true` in config.yaml (k3s-cilium:etcdS3Backups) `k3s server` reads the S3 settings from the same
# file and the snapshot is a name in the bucket; otherwise a file under the local snapshot directory or a path.
# Every step is idempotent and bounded; the old etcd data is moved aside, never deleted.
# Usage: restore.sh stop <node> <timeout-seconds>
#        restore.sh reset <node> <snapshot> <timeout-seconds>
#        restore.sh start <node> <timeout-seconds>
#        restore.sh rejoin <node> <timeout-seconds>
set -euo pipefail

K3S_CONFIG_DIR=${K3S_CONFIG_DIR:-/etc/rancher/k3s}
DATA_DIR=${DATA_DIR:-/var/lib/rancher/k3s}
STATE_DIR=${STATE_DIR:-/var/lib/k3s-cilium}
INTERVAL=${INTERVAL:-3}

usage() { echo "usage: restore.sh stop|start|rejoin <node> <timeout-seconds> | restore.sh reset <node> <snapshot> <timeout-seconds>" >&2; exit 2; }
[ "$#" -ge 3 ] || usage
STEP=$1 NODE=$2

LOG_TAG="restore"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)

stop_k3s() {
    local timeout=$1 rc=0
    if ! systemctl is-active --quiet k3s; then info "k3s is stopped"; return 0; fi
    as_root timeout "$timeout" systemctl stop k3s || rc=$?
    [ "$rc" -ne 124 ] || fatal "k3s did not stop within ${timeout}s; nothing was reset (see: journalctl -u k3s)"
    [ "$rc" -eq 0 ] || fatal "systemctl stop k3s failed (exit $rc); nothing was reset"
    # start.sh's record says "active with this config": no longer true, so its next run starts k3s again.
    as_root rm -f "${STATE_DIR}/k3s-applied"
    info "k3s stopped"
}

start_k3s() {
    local timeout=$1 rc=0
    as_root timeout "$timeout" systemctl start k3s || rc=$?
    [ "$rc" -ne 124 ] || fatal "k3s did not start within ${timeout}s (see: journalctl -u k3s)"
    [ "$rc" -eq 0 ] || fatal "systemctl start k3s failed (exit $rc) (see: journalctl -u k3s)"
    wait_until "$timeout" as_root k3s kubectl get --raw /readyz >/dev/null 2>&1 ||
        fatal "k3s started but /readyz did not answer ok within ${timeout}s (see: journalctl -u k3s)"
    info "k3s active, /readyz ok"
}

snapshot_path() {
    local snapshot=$1
    if as_root grep -Eq '^etcd-s3: *true *$' "${K3S_CONFIG_DIR}/config.yaml" 2>/dev/null; then
        # k3s downloads it from the bucket named in config.yaml (k3s-io/k3s pkg/etcd: Reset retrieves the snapshot from S3).
        printf '%s\n' "$snapshot"
        return 0
    fi
    case "$snapshot" in
        /*) ;;
        *) snapshot="${DATA_DIR}/server/db/snapshots/${snapshot}" ;;
    esac
    as_root test -f "$snapshot" || fatal "snapshot $snapshot not found on this server and etcd-s3 is off (list them: k3s etcd-snapshot ls)"
    printf '%s\n' "$snapshot"
}

reset() {
    local snapshot=$1 timeout=$2 path rc=0
    as_root test -s "${K3S_CONFIG_DIR}/config.yaml" || fatal "no ${K3S_CONFIG_DIR}/config.yaml: the token to restore with is in it"
    systemctl is-active --quiet k3s && fatal "k3s is still running here: stop k3s on every server first (restore.sh stop)"
    path=$(snapshot_path "$snapshot")
    info "resetting the cluster to snapshot $path (old data moves to ${DATA_DIR}/server/db/etcd-old-*)"
    as_root timeout "$timeout" k3s server --cluster-reset --cluster-reset-restore-path="$path" || rc=$?
    [ "$rc" -ne 124 ] || fatal "k3s server --cluster-reset did not finish within ${timeout}s; k3s stays stopped (see its output above)"
    [ "$rc" -eq 0 ] || fatal "k3s server --cluster-reset failed (exit $rc); k3s stays stopped, the other servers too"
    info "datastore restored from $path"
}

rejoin() {
    local timeout=$1 db="${DATA_DIR}/server/db" aside
    stop_k3s "$timeout"
    if as_root test -d "$db"; then
        aside="${DATA_DIR}/server/db-before-restore-$(date +%Y%m%d%H%M%S)"
        as_root mv "$db" "$aside" || fatal "could not move $db aside; k3s stays stopped"
        info "old etcd data moved to $aside"
    fi
    start_k3s "$timeout"
}

case "$STEP" in
    stop) stop_k3s "$3" ;;
    start) start_k3s "$3" ;;
    rejoin) rejoin "$3" ;;
    reset) [ "$#" -eq 4 ] || usage; reset "$3" "$4" ;;
    *) usage ;;
esac
