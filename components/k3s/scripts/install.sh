#!/usr/bin/env bash
# Installs k3s at a pinned version with the official installer. Idempotent: when that version is installed and
# the service runs, nothing is downloaded and nothing restarts; another version is an in-place upgrade.
# Usage: install.sh <node-name> <role: server|agent> <version, e.g. v1.33.5+k3s1>
set -euo pipefail

INSTALLER_URL=${INSTALLER_URL:-https://get.k3s.io}

if [ "$#" -ne 3 ]; then
    echo "usage: install.sh <node-name> <server|agent> <version>" >&2
    exit 2
fi
NODE=$1 ROLE=$2 VERSION=$3
INSTALLER=""

info() { echo "${NODE}: k3s: $*"; }
fatal() { echo "${NODE}: k3s: ERROR: $*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

service_name() {
    if [ "$ROLE" = "server" ]; then echo k3s; else echo k3s-agent; fi
}

installed_version() {
    command -v k3s >/dev/null 2>&1 || return 0
    k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }'
}

download_installer() {
    local dest=$1
    curl --fail --silent --show-error --location --retry 5 --retry-delay 3 --max-time 120 \
        -o "$dest" "$INSTALLER_URL" || fatal "cannot download the k3s installer from $INSTALLER_URL"
}

main() {
    case "$ROLE" in server | agent) ;; *) fatal "role must be server or agent, got '$ROLE'" ;; esac
    local current service
    current=$(installed_version)
    service=$(service_name)
    if [ "$current" = "$VERSION" ] && systemctl is-active --quiet "$service" 2>/dev/null; then
        info "$VERSION already installed and $service running; nothing to do"
        return 0
    fi
    if [ -n "$current" ]; then info "upgrading $current -> $VERSION"; else info "installing $VERSION as $ROLE"; fi
    INSTALLER=$(mktemp)
    trap 'rm -f "$INSTALLER"' EXIT
    download_installer "$INSTALLER"
    # The installer reads /etc/rancher/k3s/config.yaml (written by configure.sh) and starts the service.
    as_root env INSTALL_K3S_VERSION="$VERSION" INSTALL_K3S_EXEC="$ROLE" sh "$INSTALLER" ||
        fatal "the k3s installer failed (see: journalctl -u $service)"
    systemctl is-active --quiet "$service" || fatal "$service is not running after install (see: journalctl -u $service)"
    info "$VERSION running"
}

main
