# The prelude of the scripts that run on the operator's machine (the `local` stack's Colima VM: colima-up.sh,
# colima-delete.sh), in place of prelude.sh: there is no node yet, so every line starts with the script's
# LOG_PREFIX ("[colima-up]"), and goes to stderr, since stdout is what the program parses. Nothing escalates here.
info() { echo "${LOG_PREFIX} $*" >&2; }
fatal() { echo "${LOG_PREFIX} ERROR: $*" >&2; exit 1; }
