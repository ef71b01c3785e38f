#!/usr/bin/env bash
# Runs on the first server when the cluster is destroyed (the `delete` of a command that every node and both
# Hetzner charts outlive): removes what the cloud controller and the CSI driver created in Hetzner Cloud — load
# balancers for LoadBalancer Services and Gateways, volumes for PersistentVolumeClaims — while both controllers
# still run, and waits (bounded) until they are gone. Otherwise they keep billing and keep the network busy, and
# deleting the network fails.
#   1. Gateways first: Cilium's operator would recreate a Gateway's LoadBalancer Service.
#   2. LoadBalancer Services: the CCM deletes the Hetzner load balancer, then drops the Service's finalizer
#      (service.kubernetes.io/load-balancer-cleanup), so "no LoadBalancer Service left" means "no load balancer left".
#   3. PVCs, then the pods that mount them (the pvc-protection finalizer holds a PVC while a pod uses it); the CSI
#      provisioner deletes each Hetzner volume and then its PV (StorageClass reclaimPolicy Delete). PVs with
#      reclaimPolicy Retain are kept on purpose and listed.
# Idempotent: a cluster with none of these is success at once.
# Usage: destroy-cleanup.sh <node-name> [timeout-seconds]
set -euo pipefail

NODE=${1:?usage: destroy-cleanup.sh <node-name> [timeout-seconds]}
TIMEOUT=${2:-600}
INTERVAL=${INTERVAL:-5}
CSI_DRIVER=csi.hetzner.cloud

LOG_TAG="cloud-cleanup"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
kc() { as_root k3s kubectl "$@"; }

# namespace/name of every LoadBalancer Service.
lb_services() {
    kc get services -A -o jsonpath='{range .items[?(@.spec.type=="LoadBalancer")]}{.metadata.namespace}{"/"}{.metadata.name}{"\n"}{end}'
}
# name of every PV of the hcloud CSI driver that is deleted with its claim.
deletable_volumes() {
    kc get pv -o jsonpath='{range .items[?(@.spec.csi.driver=="'"$CSI_DRIVER"'")]}{.metadata.name}{" "}{.spec.persistentVolumeReclaimPolicy}{"\n"}{end}' |
        awk '$2 == "Delete" { print $1 }'
}
# namespace/name of every pod that mounts a PVC.
pods_with_claims() {
    kc get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}{"/"}{.metadata.name}{" "}{.spec.volumes[*].persistentVolumeClaim.claimName}{"\n"}{end}' |
        awk 'NF > 1 { print $1 }'
}
delete_each() { # <kind> <namespace/name>...
    local kind=$1 ref
    shift
    for ref in "$@"; do kc delete "$kind" -n "${ref%%/*}" "${ref#*/}" --wait=false --ignore-not-found >/dev/null; done
}

kc get --raw /readyz >/dev/null 2>&1 || fatal "the API does not answer on this server; load balancers and volumes the cluster created may remain: check hcloud load-balancer list and hcloud volume list (label cluster=<name>)"

if kc get crd gateways.gateway.networking.k8s.io >/dev/null 2>&1; then
    kc delete gateways.gateway.networking.k8s.io --all -A --wait=false >/dev/null
fi
mapfile -t services < <(lb_services)
delete_each service "${services[@]}"
kc delete pvc --all -A --wait=false >/dev/null

deadline=$((SECONDS + TIMEOUT))
while true; do
    mapfile -t pods < <(pods_with_claims)
    delete_each pod "${pods[@]}"
    mapfile -t services < <(lb_services)
    mapfile -t volumes < <(deletable_volumes)
    if [ "${#services[@]}" -eq 0 ] && [ "${#volumes[@]}" -eq 0 ]; then
        retained=$(kc get pv -o jsonpath='{range .items[?(@.spec.csi.driver=="'"$CSI_DRIVER"'")]}{.metadata.name}{" "}{end}')
        [ -z "$retained" ] || info "kept volumes with reclaimPolicy Retain: ${retained}"
        info "no LoadBalancer Service and no deletable hcloud volume left"
        exit 0
    fi
    [ "$SECONDS" -lt "$deadline" ] ||
        fatal "after ${TIMEOUT}s still present: services [${services[*]}] volumes [${volumes[*]}]; see: k3s kubectl -n kube-system logs deploy/hcloud-cloud-controller-manager, k3s kubectl -n kube-system logs deploy/hcloud-csi-controller -c hcloud-csi-driver"
    sleep "$INTERVAL"
done
