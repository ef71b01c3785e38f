# The prelude every node script shares (components/shared/script.ts puts it in place of the marker line, so each
# script stays self-contained as sent and the whole text shows in `pulumi preview`). The script sets NODE and
# LOG_TAG before the marker; every line it prints is "<node>: <tag>: ..." and every failure is one line on stderr.
info() { echo "${NODE}: ${LOG_TAG}: $*"; }
fatal() { echo "${NODE}: ${LOG_TAG}: ERROR: $*" >&2; exit 1; }

# Scripts run as the SSH user (root on Hetzner, the Colima user locally): escalate only when needed.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
