#!/usr/bin/env bash
# Runs on the first server: registers the stack's bootstrap token (first line of stdin; the one first-boot agents'
# user data carries) with a TTL, so agents can join from now on and for <token-ttl-seconds> only
# (components/k3s/bootstrap-token.ts). Runs before any agent's converge: a replaced agent's converge waits for its
# cloud-init, whose first boot can join only once the token is registered again (it expired long ago), so the
# registration must not wait for the converges. agents-joined.sh registers it again right before it waits.
# Usage: register-bootstrap-token.sh <node-name> <token-ttl-seconds> <token
set -euo pipefail

[ "$#" -eq 2 ] || { echo "usage: register-bootstrap-token.sh <node-name> <token-ttl-seconds> <token" >&2; exit 2; }
NODE=$1 TOKEN_TTL=$2
TOKEN=""
read -r TOKEN || true

LOG_TAG="bootstrap-token"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)
# @prelude: valid_token, register_token from components/shared/scripts/bootstrap-token.sh (inserted by components/shared/script.ts)

valid_token || fatal "no bootstrap token (<id>.<secret>, [a-z0-9]{6}.[a-z0-9]{16}) on stdin; agents cannot join"
register_token
