#!/usr/bin/env bash
# Evidence gate before enforcing: reads the flows Hubble recorded on every agent over the window with verdict AUDIT
# (would have been dropped) or DROPPED by policy, and refuses to enforce while any of them is traffic the cluster
# depends on. Prints them grouped (source identity -> destination:port/protocol, count) with the change that would
# allow them. accept=true lets the listed flows through knowingly (k3s-cilium:enforcementAcceptAuditedFlows).
#
# Reads each agent's own Hubble server (`hubble observe` inside the cilium-agent container, as Cilium's
# "Creating Policies from Verdicts" guide does: cilium/cilium Documentation/security/policy-creation.rst @0a60cbb0),
# so it works with and without Hubble Relay. `--since` without `--last` returns every flow of the window (the
# default of 20 applies only without --since/--until: hubble/cmd/observe/flows.go getFlowsRequest @e5d182fb).
# Output is `-o jsonpb`: one GetFlowsResponse per line, protojson with proto field names (api/v1/flow/flow.pb.json.go
# @0caaf700: UseProtoNames: true; names from api/v1/flow/flow.proto @04bbfcb5). Commits are the cilium/cilium
# versions read, not verified to be the v1.18.4 tag; the flags are in hubble/cmd/observe_help.txt @02674019.
# protojson varies its whitespace on purpose, so the lines are parsed by a small JSON tokenizer in POSIX awk
# (mawk, in every Ubuntu install) rather than matched as text; jq is not guaranteed on the nodes.
#
# Usage: audit-gate.sh <node> <audit: true|false> <window> <accept: true|false> <hubble: true|false> <timeout> <rule>...
#   rule = "proto|from-port|to-port|what|how to allow it" (proto tcp, udp, sctp or icmp; icmp ignores the ports)
set -euo pipefail

if [ "$#" -lt 7 ]; then
    echo "usage: audit-gate.sh <node> <true|false> <window> <true|false> <true|false> <timeout> <rule>..." >&2
    exit 2
fi
NODE=$1 AUDIT=$2 WINDOW=$3 ACCEPT=$4 HUBBLE=$5 TIMEOUT=$6
shift 6

LOG_TAG="audit-gate"
# @prelude: info, fatal, as_root from components/shared/scripts/prelude.sh (inserted by components/shared/script.ts)

if [ "$AUDIT" = "true" ]; then
    info "audit mode desired: nothing can be dropped, no evidence needed"
    exit 0
fi
if [ "$HUBBLE" != "true" ]; then
    [ "$ACCEPT" = "true" ] ||
        fatal "Hubble is off (k3s-cilium:hubbleEnabled false): there is no evidence that enforcing keeps SSH, the API and the datapath working; turn Hubble on, or set k3s-cilium:enforcementAcceptAuditedFlows true to enforce without evidence"
    info "Hubble is off; enforcing without evidence, accepted knowingly (k3s-cilium:enforcementAcceptAuditedFlows)"
    exit 0
fi

flows=$(mktemp)
trap 'rm -f "$flows"' EXIT
pods=$(as_root timeout "$TIMEOUT" k3s kubectl -n kube-system get pods -l k8s-app=cilium \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}') || fatal "cannot list the cilium agent pods"
[ -n "$pods" ] || fatal "no cilium agent pods found (kubectl -n kube-system get pods -l k8s-app=cilium)"
for pod in $pods; do
    as_root timeout "$TIMEOUT" k3s kubectl -n kube-system exec "$pod" -c cilium-agent -- \
        hubble observe flows --since "$WINDOW" --verdict AUDIT --verdict DROPPED -o jsonpb >>"$flows" ||
        fatal "cannot read Hubble flows from $pod within ${TIMEOUT}s (kubectl -n kube-system exec $pod -c cilium-agent -- hubble observe --last 1)"
done

# shellcheck disable=SC2016 # $0, $1 … below are awk's, not the shell's
CLASSIFY='
function reset() { split("", F); depth = 0; expectKey = 0 }
function path(d,   p, i) { p = name[1]; for (i = 2; i <= d; i++) p = p "." name[i]; return p }
function value(v) { if (kind[depth] == "a") name[depth] = idx[depth]; F[path(depth)] = v }
# Flattens one JSON line into F["flow.l4.TCP.destination_port"] = "22", F["flow.source.labels.0"] = "reserved:world" …
function flatten(s,   c) {
    reset()
    while (length(s) > 0) {
        c = substr(s, 1, 1)
        if (c == " " || c == "\t" || c == "\r") { s = substr(s, 2); continue }
        if (c == "{" || c == "[") {
            if (depth > 0 && kind[depth] == "a") name[depth] = idx[depth]
            depth++; kind[depth] = (c == "{") ? "o" : "a"; idx[depth] = 0; expectKey = (c == "{")
            s = substr(s, 2); continue
        }
        if (c == "}" || c == "]") { depth--; s = substr(s, 2); continue }
        if (c == ",") { if (kind[depth] == "a") idx[depth]++; else expectKey = 1; s = substr(s, 2); continue }
        if (c == ":") { expectKey = 0; s = substr(s, 2); continue }
        if (c == "\"") {
            if (!match(s, /^"([^"\\]|\\.)*"/)) return 0
            tok = substr(s, 2, RLENGTH - 2); s = substr(s, RLENGTH + 1)
            if (kind[depth] == "o" && expectKey) name[depth] = tok; else value(tok)
            continue
        }
        if (!match(s, /^[^,}\] \t]+/)) return 0
        value(substr(s, 1, RLENGTH)); s = substr(s, RLENGTH + 1)
    }
    return depth == 0
}
function endpoint(side,   i, label, who, ip) {
    if (F["flow." side ".pod_name"] != "") who = F["flow." side ".namespace"] "/" F["flow." side ".pod_name"]
    for (i = 0; ("flow." side ".labels." i) in F; i++) {
        label = F["flow." side ".labels." i]
        if (who == "" && label ~ /^reserved:/) who = label
    }
    ip = F["flow.IP." (side == "source" ? "source" : "destination")]
    if (who == "") who = "unknown"
    if (ip != "" && who !~ /\//) who = who " " ip
    return who " (ID:" (F["flow." side ".identity"] == "" ? 0 : F["flow." side ".identity"]) ")"
}
BEGIN {
    nrules = split(ENVIRON["RULES"], line, "\n")
    for (r = 1; r <= nrules; r++) {
        split(line[r], part, "|")
        proto[r] = part[1]; lo[r] = part[2] + 0; hi[r] = part[3] + 0; what[r] = part[4]; fix[r] = part[5]
    }
}
{
    if (!flatten($0)) { bad++; next }
    verdict = F["flow.verdict"]
    if (!(verdict == "AUDIT" || (verdict == "DROPPED" && F["flow.drop_reason_desc"] ~ /^POLICY_DEN/))) next
    p = ""; port = 0
    if ("flow.l4.TCP.destination_port" in F) { p = "tcp"; port = F["flow.l4.TCP.destination_port"] }
    else if ("flow.l4.UDP.destination_port" in F) { p = "udp"; port = F["flow.l4.UDP.destination_port"] }
    else if ("flow.l4.SCTP.destination_port" in F) { p = "sctp"; port = F["flow.l4.SCTP.destination_port"] }
    else if (("flow.l4.ICMPv4.type" in F) || ("flow.l4.ICMPv6.type" in F) || index($0, "ICMPv")) p = "icmp"
    hit = 0
    for (r = 1; r <= nrules && !hit; r++) {
        if (p == proto[r] && (p == "icmp" || (port + 0 >= lo[r] && port + 0 <= hi[r]))) hit = r
    }
    if (!hit) { other++; next }
    key = what[hit] ": " endpoint("source") " -> " endpoint("destination") ":" (p == "icmp" ? "icmp" : port "/" p)
    count[key]++; how[key] = fix[hit]
}
END {
    for (k in count) printf "CRITICAL\t%s, %d flow(s); to allow it: %s\n", k, count[k], how[k]
    printf "OTHER\t%d\n", other + 0
    printf "UNPARSED\t%d\n", bad + 0
}'

report=$(RULES=$(printf '%s\n' "$@") awk "$CLASSIFY" "$flows" | sort) || fatal "cannot classify the Hubble flows (awk failed)"
critical="" other=0 unparsed=0
while IFS=$'\t' read -r kind text; do
    case "$kind" in
        CRITICAL) critical+="  ${text}"$'\n' ;;
        OTHER) other=$text ;;
        UNPARSED) unparsed=$text ;;
    esac
done <<<"$report"
critical=${critical%$'\n'}
[ "$unparsed" -eq 0 ] || fatal "$unparsed Hubble line(s) could not be parsed as JSON; refusing to judge without the evidence"
[ "$other" -eq 0 ] ||
    info "$other audited flow(s) in the last $WINDOW are not traffic the cluster depends on (see: hubble observe --verdict AUDIT --since $WINDOW)"
if [ -z "$critical" ]; then
    info "no audited flow in the last $WINDOW is traffic the cluster depends on: enforcement may proceed"
    exit 0
fi
if [ "$ACCEPT" = "true" ]; then
    info "these flows would be dropped, accepted knowingly (k3s-cilium:enforcementAcceptAuditedFlows):"
    printf '%s\n' "$critical"
    exit 0
fi
{
    echo "${NODE}: audit-gate: ERROR: refusing to enforce: in the last $WINDOW these flows the cluster depends on were audited (enforcement would drop them):"
    printf '%s\n' "$critical"
    echo "${NODE}: audit-gate: fix the policies or allow-lists as listed and run pulumi up again, or accept them knowingly: pulumi config set k3s-cilium:enforcementAcceptAuditedFlows true"
} >&2
exit 1
