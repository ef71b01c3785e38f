#!/usr/bin/env bash
# Installs the k3s binary and service at a pinned version with the official installer, fetched from a pinned
# commit URL and checked against its SHA-256 before it runs. The service is NOT started here
# (INSTALL_K3S_SKIP_START=true; upstream install.sh then only enables the unit): k3s' unit has TimeoutStartSec=0
# and the installer restarts it synchronously, so a hung start would hang this command (and `pulumi up`) forever.
# start.sh starts it, bounded. Idempotent: when that version is installed nothing is downloaded; another version
# is an in-place upgrade (the running service keeps the old binary until start.sh restarts it).
# Usage: install.sh <node-name> <role: server|agent> <version> <installer-url> <installer-sha256>
set -euo pipefail

# The installer downloads the k3s binary with its own curl (no time limit): the whole run is bounded here.
INSTALL_TIMEOUT=${INSTALL_TIMEOUT:-900}

if [ "$#" -ne 5 ]; then
    echo "usage: install.sh <node-name> <server|agent> <version> <installer-url> <installer-sha256>" >&2
    exit 2
fi
NODE=$1 ROLE=$2 VERSION=$3 INSTALLER_URL=$4 INSTALLER_SHA256=$5
INSTALLER=""

LOG_TAG="k3s"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

installed_version() {
    command -v k3s >/dev/null 2>&1 || return 0
    k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }'
}

download_installer() {
    local dest=$1 actual
    curl --fail --silent --show-error --location --retry 5 --retry-delay 3 --max-time 120 \
        -o "$dest" "$INSTALLER_URL" || fatal "cannot download the k3s installer from $INSTALLER_URL"
    actual=$(sha256sum "$dest" | awk '{ print $1 }')
    [ "$actual" = "$INSTALLER_SHA256" ] ||
        fatal "k3s installer $INSTALLER_URL: SHA-256 mismatch: expected $INSTALLER_SHA256, got $actual; not running it. Fix: check this node's DNS and proxy (something altered the download); a commit URL never changes upstream, so change the pin in components/config/versions.ts only together with a new commit"
}

main() {
    case "$ROLE" in server | agent) ;; *) fatal "role must be server or agent, got '$ROLE'" ;; esac
    local current
    current=$(installed_version)
    if [ "$current" = "$VERSION" ]; then
        info "$VERSION installed; nothing to download"
        return 0
    fi
    if [ -n "$current" ]; then info "upgrading $current -> $VERSION"; else info "installing $VERSION as $ROLE"; fi
    INSTALLER=$(mktemp)
    trap 'rm -f "$INSTALLER"' EXIT
    download_installer "$INSTALLER"
    # The installer reads /etc/rancher/k3s/config.yaml (written by configure.sh) when k3s starts, not now.
    local rc=0
    as_root timeout "$INSTALL_TIMEOUT" env INSTALL_K3S_VERSION="$VERSION" INSTALL_K3S_EXEC="$ROLE" INSTALL_K3S_SKIP_START=true \
        sh "$INSTALLER" || rc=$?
    [ "$rc" -ne 124 ] || fatal "the k3s installer did not finish within ${INSTALL_TIMEOUT}s"
    [ "$rc" -eq 0 ] || fatal "the k3s installer failed (exit $rc)"
    [ "$(installed_version)" = "$VERSION" ] || fatal "k3s reports version '$(installed_version)' after installing $VERSION"
    info "$VERSION installed"
}

main
