#!/usr/bin/env bash
# Kernel preflight for Cilium, run before k3s is touched. Prints one line per missing requirement, prefixed
# with the node name, and exits non-zero if any is missing.
# Usage: preflight.sh <node-name> <min-kernel> <tunnel: geneve|vxlan|none> <wireguard: true|false> <node-ip>
# BOOT_DIR and PROC_CONFIG exist so tests can point at fixture kernel configs.
set -euo pipefail

BOOT_DIR=${BOOT_DIR:-/boot}
PROC_CONFIG=${PROC_CONFIG:-/proc/config.gz}

if [ "$#" -ne 5 ]; then
    echo "usage: preflight.sh <node-name> <min-kernel> <geneve|vxlan|none> <true|false> <node-ip>" >&2
    exit 2
fi
NODE=$1 MIN_KERNEL=$2 TUNNEL=$3 WIREGUARD=$4 NODE_IP=$5
FAILURES=0

LOG_TAG="preflight"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
missing() { echo "${NODE}: preflight: $*" >&2; FAILURES=$((FAILURES + 1)); }

# version_ge A B: true when dotted version A >= B.
version_ge() {
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

check_kernel_version() {
    local release version
    release=$(uname -r)
    version=${release%%-*}
    if version_ge "$version" "$MIN_KERNEL"; then
        info "kernel $release >= $MIN_KERNEL"
    else
        missing "kernel $release is older than $MIN_KERNEL, the minimum for this Cilium version"
    fi
}

read_kernel_config() {
    local file
    file="${BOOT_DIR}/config-$(uname -r)"
    if [ -r "$file" ]; then
        cat "$file"
    elif [ -r "$PROC_CONFIG" ]; then
        gzip -dc "$PROC_CONFIG"
    else
        return 1
    fi
}

check_kernel_options() {
    local config option
    if ! config=$(read_kernel_config); then
        missing "no kernel config found (${BOOT_DIR}/config-$(uname -r) or ${PROC_CONFIG}); cannot verify kernel options"
        return
    fi
    local options=(BPF BPF_SYSCALL BPF_JIT NET_CLS_BPF NET_CLS_ACT NET_SCH_INGRESS CRYPTO_SHA1
        CRYPTO_USER_API_HASH CGROUPS CGROUP_BPF PERF_EVENTS SCHEDSTATS)
    case "$TUNNEL" in
        geneve) options+=(GENEVE) ;;
        vxlan) options+=(VXLAN) ;;
        none) ;;
        *) missing "unknown tunnel protocol '$TUNNEL' (expected geneve, vxlan or none)" ;;
    esac
    [ "$WIREGUARD" = "true" ] && options+=(WIREGUARD)
    for option in "${options[@]}"; do
        if grep -Eq "^CONFIG_${option}=(y|m)$" <<<"$config"; then
            :
        else
            missing "kernel option CONFIG_${option} is not enabled (needs =y or =m)"
        fi
    done
}

check_node_ip() {
    if ip -o addr show 2>/dev/null | grep -Fq " ${NODE_IP}/"; then
        info "node-ip $NODE_IP is configured"
    else
        missing "node-ip $NODE_IP is not on any interface (is the private network attached?)"
    fi
}

check_kernel_version
check_kernel_options
check_node_ip
if [ "$FAILURES" -gt 0 ]; then
    echo "${NODE}: preflight: FAILED with ${FAILURES} missing requirement(s); k3s was not touched" >&2
    exit 1
fi
info "ok"
