# wait_until <seconds> <command...>: runs the command until it succeeds, every $INTERVAL seconds (default 3), and
# returns 1 once <seconds> have passed without success, so every wait is bounded by the script itself
# (@pulumi/command's customTimeouts bound only the SSH dial, not a running command). The command runs at least
# once, in this shell (a function may record what it saw, for the caller's failure line); the caller says what
# failed: `wait_until "$TIMEOUT" api_ready || fatal "/readyz did not answer ok within ${TIMEOUT}s"`.
wait_until() {
    local limit=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$limit" ] || return 1
        sleep "${INTERVAL:-3}"
    done
}
