#!/usr/bin/env bash
# Starts the Colima VM for the `local` stack (or reuses it when the profile already runs) and prints what the
# program needs to reach it on stdout: the profile's `colima ssh-config`, then the guest's SSH host key on a
# `# k3s-cilium host-key: <key>` line. No built-in Kubernetes: k3s is installed over SSH like on Hetzner.
#
# Before the VM starts, Lima's override.yaml gets rules that forward every guest port to 127.0.0.1 only (Colima
# would forward ports bound on 0.0.0.0 to 0.0.0.0 on the host). The `colima start` flags come from the program
# (components/nodes/colima-cli.ts): only flags this host's Colima defines, the pinned --ssh-port among them.
# Usage: colima-up.sh <profile> <ssh-port> <lima-override-yaml> [colima start flags...]
set -euo pipefail

LOG_PREFIX="[colima-up]"
# @prelude: info, fatal from components/shared/scripts/operator-prelude.sh (inserted by components/shared/script.ts)

verify_colima() {
    command -v colima >/dev/null 2>&1 ||
        fatal "colima is not installed; install it (macOS: brew install colima; Linux: see https://colima.run/docs/installation/) and run pulumi up again"
}

# Colima's home as Colima v0.10.3 resolves it (config/files.go configBaseDir): $COLIMA_HOME if it exists, else
# ~/.colima if it exists, else $XDG_CONFIG_HOME/colima, else ~/.colima on macOS and ~/.config/colima elsewhere.
colima_home() {
    if [ -n "${COLIMA_HOME:-}" ] && [ -e "$COLIMA_HOME" ]; then echo "$COLIMA_HOME"
    elif [ -e "$HOME/.colima" ]; then echo "$HOME/.colima"
    elif [ -n "${XDG_CONFIG_HOME:-}" ]; then echo "$XDG_CONFIG_HOME/colima"
    elif [ "$(uname -s)" = Darwin ]; then echo "$HOME/.colima"
    else echo "$HOME/.config/colima"
    fi
}

# Lima's config dir: $LIMA_HOME/_config (lima pkg/limatype/dirnames), Colima's LIMA_HOME being <colima home>/_lima.
lima_config_dir() {
    if [ -n "${LIMA_HOME:-}" ]; then echo "$LIMA_HOME/_config"; else echo "$(colima_home)/_lima/_config"; fi
}

# Writes the override when absent; accepts it when it starts with exactly our rules (a user may add settings after
# them); refuses anything else, since Lima reads only this one file. Prints "written" or "present".
install_override() {
    local file=$1 wanted=$2 current
    if [ ! -e "$file" ]; then
        mkdir -p "$(dirname "$file")"
        printf '%s' "$wanted" > "$file.tmp.$$" && mv "$file.tmp.$$" "$file"
        echo written
        return 0
    fi
    current=$(cat "$file"; echo x)
    current=${current%x}
    if [ "${current:0:${#wanted}}" = "$wanted" ]; then
        echo present
        return 0
    fi
    printf '%s' "$wanted" > "$file.k3s-cilium"
    fatal "$file exists with other rules; Lima applies that one file to every Colima VM. Put the rules of $file.k3s-cilium at its top (or move it aside), then run pulumi up again"
}

profile_running() {
    colima status --profile "$1" >/dev/null 2>&1
}

# The value of an ssh_config keyword in `colima ssh-config` output (first occurrence, quotes removed).
ssh_config_value() {
    awk -v key="$1" 'tolower($1) == tolower(key) { v = $2; gsub(/"/, "", v); print v; exit }'
}

main() {
    [ "$#" -ge 3 ] || fatal "usage: colima-up.sh <profile> <ssh-port> <lima-override-yaml> [colima start flags...]"
    local profile=$1 ssh_port=$2 override=$3
    shift 3
    verify_colima
    local config_dir override_state
    config_dir=$(lima_config_dir)
    override_state=$(install_override "$config_dir/override.yaml" "$override")
    if profile_running "$profile"; then
        # Lima reads override.yaml when the VM starts: a VM that ran before the rules existed still forwards to 0.0.0.0.
        [ "$override_state" = present ] ||
            fatal "profile $profile runs with Colima's default port forwarding (every port on 0.0.0.0); restart it to apply $config_dir/override.yaml: colima stop --profile $profile, then pulumi up"
        info "profile $profile is already running; reusing it (resize with: colima stop --profile $profile, then pulumi up)"
    else
        info "starting profile $profile: colima start --profile $profile $*"
        colima start --profile "$profile" "$@" ||
            fatal "colima start --profile $profile failed; see: colima start --profile $profile --verbose"
    fi

    local ssh_config port identity host_key
    ssh_config=$(colima ssh-config --profile "$profile") || fatal "colima ssh-config --profile $profile failed"
    port=$(ssh_config_value Port <<<"$ssh_config")
    [ "$port" = "$ssh_port" ] ||
        fatal "profile $profile serves SSH on port ${port:-?}, this stack pins $ssh_port (k3s-cilium:colimaSshPort); restart it with the pinned port: colima stop --profile $profile, then pulumi up"
    identity=$(ssh_config_value IdentityFile <<<"$ssh_config")
    [ "$(dirname "$identity")" = "$config_dir" ] ||
        fatal "Colima's Lima config dir is $(dirname "$identity"), not $config_dir where the port-forward rules were written; set LIMA_HOME=$(dirname "$(dirname "$identity")") and run pulumi up again"

    # The guest's host key, read through Colima's own channel while Lima's host agent holds the SSH port (no other
    # process can listen there now); every later connection from the program verifies it.
    host_key=$(colima ssh --profile "$profile" -- cat /etc/ssh/ssh_host_ed25519_key.pub) ||
        fatal "could not read the VM's SSH host key: colima ssh --profile $profile -- cat /etc/ssh/ssh_host_ed25519_key.pub failed"
    [[ "$host_key" =~ ^ssh-ed25519\ [A-Za-z0-9+/]+=*(\ .*)?$ ]] ||
        fatal "the VM's /etc/ssh/ssh_host_ed25519_key.pub is not an ed25519 public key: ${host_key:0:80}"

    printf '%s\n' "$ssh_config"
    printf '# k3s-cilium host-key: %s\n' "$host_key"
}

main "$@"
