#!/usr/bin/env bash
# Installs the SSH host key this stack generated for a server that was created before host keys were pinned
# (its cloud-init never received one). Runs only with k3s-cilium:sshHostKeyAdoption, over the one connection that
# does not verify the server's old key; every other command then verifies the new one.
# stdin: the OpenSSH private host key (secret). Idempotent: a server that already has this key is left alone.
# sshd reads its host keys when it starts; a reload (SIGHUP: sshd re-executes itself) picks up the new key while
# open sessions stay (openssh sshd(8), SIGHUP).
# Usage: adopt-host-key.sh <node-name> <public-key-line>
set -euo pipefail

NODE=${1:?usage: adopt-host-key.sh <node-name> <public-key-line>}
PUBLIC=${2:?usage: adopt-host-key.sh <node-name> <public-key-line>}
SSH_DIR=${SSH_DIR:-/etc/ssh}
TARGET="$SSH_DIR/ssh_host_ed25519_key"

LOG_TAG="adopt-host-key"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# "type base64" of an authorized_keys line (the comment does not matter to sshd or to the client's check).
key_id() { cut -d' ' -f1-2; }

main() {
    local want private tmp derived
    want=$(printf '%s\n' "$PUBLIC" | key_id)
    case "$want" in ssh-ed25519\ *) ;; *) fatal "the public key is not an ssh-ed25519 key: $PUBLIC" ;; esac
    if as_root test -s "$TARGET.pub" && [ "$(as_root cat "$TARGET.pub" | key_id)" = "$want" ]; then
        echo "${NODE}: host key already installed"
        return 0
    fi
    private=$(cat)
    case "$private" in "-----BEGIN OPENSSH PRIVATE KEY-----"*) ;; *) fatal "stdin is not an OpenSSH private key" ;; esac

    tmp=$(as_root mktemp "$SSH_DIR/.adopt-host-key.XXXXXX")
    # shellcheck disable=SC2064 # expand $tmp now: the trap must remove this file
    trap "as_root rm -f '$tmp' '$tmp.pub'" EXIT
    as_root chmod 600 "$tmp"
    printf '%s\n' "$private" | as_root tee "$tmp" >/dev/null
    derived=$(as_root ssh-keygen -y -f "$tmp" | key_id) || fatal "ssh-keygen cannot read the private key"
    [ "$derived" = "$want" ] || fatal "the private key on stdin does not belong to $want"
    printf '%s\n' "$PUBLIC" | as_root tee "$tmp.pub" >/dev/null
    as_root chmod 644 "$tmp.pub"
    as_root mv -f "$tmp.pub" "$TARGET.pub"
    as_root mv -f "$tmp" "$TARGET"
    as_root systemctl reload ssh 2>/dev/null || as_root systemctl reload sshd 2>/dev/null \
        || fatal "could not reload sshd (systemctl reload ssh/sshd); the new key is in $TARGET"
    echo "${NODE}: host key installed, sshd reloaded"
}

main "$@"
