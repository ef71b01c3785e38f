#!/usr/bin/env bash
# First boot of a Hetzner agent, run once by cloud-init (runcmd, final stage, as root) from the files its user data
# wrote into <dir>: the kernel preflight, then the same configure/install/start scripts the SSH path runs, so the
# agent installs the digest-pinned k3s and joins without a Pulumi command holding an SSH session for it
# (components/k3s/first-boot.ts builds the user data). Every line also goes to $LOG_FILE: the program's
# agents-joined wait names that file for an agent that never registers.
# A preflight failure stops here: k3s is not installed and the node never joins. With the IPv6 placeholder in
# config.yaml (dual-stack node-ip), the public IPv6 address is read from the interface (Hetzner configures the first
# address of the server's /64, which is what the program's own rendering uses later: hcloud ipv6_address =
# network + "1", hetznercloud/terraform-provider-hcloud internal/server/resource.go).
# install.sh runs up to INSTALL_ATTEMPTS times, INSTALL_RETRY_DELAY seconds apart: the pinned upstream installer
# downloads the hash and the binary with a bare `curl -o $1 -sfL $2` (no --retry) and stops with `fatal 'Download
# failed'` (k3s-io/k3s install.sh @0136cf2 `download`, the commit pinned in components/config/versions.ts), and nothing
# runs first boot again; install.sh is idempotent (an installed version downloads nothing, a partial one is redone).
# The staged config.yaml (it carries the bootstrap token) is deleted once k3s runs with its copy. Then the Cilium node
# images given after the start timeout are pulled (prefetch-images.sh: never fatal), before the chart needs them.
# Usage: first-boot.sh <node-name> <dir> <min-kernel> <tunnel> <wireguard> <node-ip> <version> <installer-url> <installer-sha256> <start-timeout> [image...]
set -euo pipefail

LOG_FILE=${LOG_FILE:-/var/log/k3s-cilium-first-boot.log}
STATE_DIR=${STATE_DIR:-/var/lib/k3s-cilium}
# Seconds to wait for the private (and public IPv6) address: Hetzner attaches the private network by DHCP.
ADDRESS_WAIT=${ADDRESS_WAIT:-180}
INTERVAL=${INTERVAL:-2}
IPV6_PLACEHOLDER="@public-ipv6@"

if [ "$#" -lt 10 ]; then
    echo "usage: first-boot.sh <node-name> <dir> <min-kernel> <tunnel> <wireguard> <node-ip> <version> <installer-url> <installer-sha256> <start-timeout> [image...]" >&2
    exit 2
fi
NODE=$1 DIR=$2 MIN_KERNEL=$3 TUNNEL=$4 WIREGUARD=$5 NODE_IP=$6 VERSION=$7 INSTALLER_URL=$8 INSTALLER_SHA256=$9 START_TIMEOUT=${10}
IMAGES=("${@:11}")
PULL_TIMEOUT=${PULL_TIMEOUT:-300}
INSTALL_ATTEMPTS=${INSTALL_ATTEMPTS:-3}
INSTALL_RETRY_DELAY=${INSTALL_RETRY_DELAY:-30}
STAGED=""

LOG_TAG="first-boot"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: wait_until from components/shared/scripts/wait.sh (inserted by components/shared/script.ts)

has_address() { ip -o addr show 2>/dev/null | grep -Fq " $1/"; }

# preflight.sh reports a missing address with its own line, so running out of time here is not a failure.
wait_for_node_ip() { wait_until "$ADDRESS_WAIT" has_address "$NODE_IP" || true; }

# The one public IPv6 address: global scope, /64, not a ULA (fc00::/7), not temporary.
public_ipv6() {
    ip -6 -o addr show scope global 2>/dev/null |
        awk '$4 ~ /\/64$/ && $0 !~ /temporary|tentative|deprecated/ { sub(/\/64$/, "", $4); print $4 }' |
        grep -Eiv '^f[cd]' || true
}

FOUND=""
ipv6_found() { FOUND=$(public_ipv6) && [ -n "$FOUND" ]; }

substitute_ipv6() {
    local found
    wait_until "$ADDRESS_WAIT" ipv6_found ||
        fatal "no public IPv6 /64 address after ${ADDRESS_WAIT}s for the dual-stack node-ip (see: ip -6 addr); k3s is not installed"
    found=$FOUND
    [ "$(wc -l <<<"$found")" -eq 1 ] || fatal "several public IPv6 /64 addresses ($(tr '\n' ' ' <<<"$found")); cannot choose the node-ip; k3s is not installed"
    sed "s|${IPV6_PLACEHOLDER}|${found}|g" "$STAGED" >"${STAGED}.v6"
    mv -f "${STAGED}.v6" "$STAGED"
    info "public IPv6 $found"
}

# install.sh, retried: one line per failed attempt but the last (main's fatal line reports that one).
install_k3s() {
    local attempt
    for ((attempt = 1; ; attempt++)); do
        bash "$DIR/install.sh" "$NODE" agent "$VERSION" "$INSTALLER_URL" "$INSTALLER_SHA256" && return 0
        [ "$attempt" -lt "$INSTALL_ATTEMPTS" ] || return 1
        info "installing k3s $VERSION failed (attempt $attempt of $INSTALL_ATTEMPTS, line above); retrying in ${INSTALL_RETRY_DELAY}s"
        sleep "$INSTALL_RETRY_DELAY"
    done
}

main() {
    info "started (log: $LOG_FILE)"
    [ -r "$DIR/config.yaml" ] || fatal "no $DIR/config.yaml: it is written by cloud-init write_files; k3s is not installed"
    wait_for_node_ip
    bash "$DIR/preflight.sh" "$NODE" "$MIN_KERNEL" "$TUNNEL" "$WIREGUARD" "$NODE_IP" ||
        fatal "kernel preflight failed (lines above): k3s is not installed and this node does not join"
    STAGED=$(mktemp)
    trap 'rm -f "$STAGED" "${STAGED}.v6"' EXIT
    cp "$DIR/config.yaml" "$STAGED"
    if grep -qF "$IPV6_PLACEHOLDER" "$STAGED"; then substitute_ipv6; fi
    bash "$DIR/configure.sh" "$NODE" agent <"$STAGED" || fatal "writing config.yaml failed (line above); the node does not join"
    install_k3s || fatal "installing k3s $VERSION failed $INSTALL_ATTEMPTS times (line above); the node does not join"
    bash "$DIR/start.sh" "$NODE" agent "$START_TIMEOUT" ||
        fatal "k3s-agent did not start (line above; journalctl -u k3s-agent)"
    rm -f "$DIR/config.yaml"
    mkdir -p "$STATE_DIR"
    printf '%s\n' "$VERSION" >"$STATE_DIR/first-boot-done"
    info "k3s-agent $VERSION running; the node registers through its server URL"
    if [ "${#IMAGES[@]}" -gt 0 ]; then bash "$DIR/prefetch-images.sh" "$NODE" foreground "$PULL_TIMEOUT" "${IMAGES[@]}"; fi
}

mkdir -p "$(dirname "$LOG_FILE")"
# One pipeline, so every line (stdout and stderr) is in the log before the script's exit status is known.
main 2>&1 | tee -a "$LOG_FILE"
