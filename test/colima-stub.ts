/**
 * A stub `colima` that knows the real command-line contract of Colima v0.10.3 on a given host (the flag sets in
 * test/fixtures/colima-cli-v0.10.3.json, taken from upstream cmd/*.go) and rejects anything else the way cobra does
 * ("Error: unknown flag: --vm-type", exit 1). Behind the parser it keeps a little profile state in $STUB_DIR so that
 * colima-up.sh / colima-delete.sh can run end to end.
 */
import * as fs from "fs";
import * as path from "path";
import { ColimaHost, colimaHost } from "../components/nodes/colima-cli";
import { ROOT } from "./harness";
import { Sandbox } from "./shell";

interface FlagSpec { short?: string; type: "bool" | "value"; when?: string; values?: string[]; valuesWhen?: Record<string, string[]> }
interface CliSpec {
    provenance: string;
    hosts: Record<string, { platform: NodeJS.Platform; osRelease: string; conditions: string[] }>;
    persistent: Record<string, FlagSpec>;
    commands: Record<string, { flags: Record<string, FlagSpec> }>;
}

export const COLIMA_CLI: CliSpec = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "colima-cli-v0.10.3.json"), "utf8"));
export const COLIMA_HOSTS = Object.keys(COLIMA_CLI.hosts);
export const STUB_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheColimaGuestVMForTestsOnly0000000 root@colima-k3s-cilium";

/** The program's view of one of the spec's hosts. */
export function specHost(name: string): ColimaHost {
    const h = COLIMA_CLI.hosts[name];
    return colimaHost(h.platform, h.osRelease);
}

/** The flags `colima <command>` defines on this host: long name → spec (persistent flags included). */
export function flagsOn(hostName: string, command: string): Map<string, FlagSpec> {
    const conditions = new Set(COLIMA_CLI.hosts[hostName].conditions);
    const out = new Map<string, FlagSpec>();
    for (const [name, spec] of Object.entries({ ...COLIMA_CLI.persistent, ...COLIMA_CLI.commands[command].flags })) {
        if (spec.when && !conditions.has(spec.when)) continue;
        const values = spec.values && [...spec.values, ...Object.entries(spec.valuesWhen ?? {}).filter(([c]) => conditions.has(c)).flatMap(([, v]) => v)];
        out.set(name, { ...spec, values });
    }
    return out;
}

function bashTables(hostName: string): string {
    const lines: string[] = [];
    for (const command of Object.keys(COLIMA_CLI.commands)) {
        const id = command.replace(/-/g, "_");
        lines.push(`declare -A TYPE_${id}=() SHORT_${id}=() VALUES_${id}=()`);
        for (const [name, spec] of flagsOn(hostName, command)) {
            lines.push(`TYPE_${id}[${name}]=${spec.type}`);
            if (spec.short) lines.push(`SHORT_${id}[${spec.short}]=${name}`);
            if (spec.values) lines.push(`VALUES_${id}[${name}]="${spec.values.join(" ")}"`);
        }
    }
    return lines.join("\n");
}

/** The parser: cobra/pflag's rules for long, long=value, short and -- (github.com/spf13/pflag flag.go). */
const PARSER = String.raw`
fail() { echo "Error: $*" >&2; exit 1; }
cmd=${"$"}{1:-}
[ -n "$cmd" ] || fail "stub: no command"
case "$cmd" in -*) fail "stub: put the command first";; esac
id=${"$"}{cmd//-/_}
declare -p "TYPE_$id" >/dev/null 2>&1 || fail "unknown command \"$cmd\" for \"colima\""
declare -n TYPES="TYPE_$id" SHORTS="SHORT_$id" VALUES="VALUES_$id"
shift
declare -A SET=()
positional=()
after_dashes=()
while [ "$#" -gt 0 ]; do
    arg=$1; shift
    case "$arg" in
        --) after_dashes=("$@"); break ;;
        --*=*) name=${"$"}{arg%%=*}; name=${"$"}{name#--}; value=${"$"}{arg#*=}; has_value=1 ;;
        --*) name=${"$"}{arg#--}; value=""; has_value=0 ;;
        -?*) short=${"$"}{arg:1:1}; name=${"$"}{SHORTS[$short]:-}
             [ -n "$name" ] || fail "unknown shorthand flag: '$short' in $arg"
             value=${"$"}{arg:2}; has_value=$([ -n "$value" ] && echo 1 || echo 0) ;;
        *) positional+=("$arg"); continue ;;
    esac
    type=${"$"}{TYPES[$name]:-}
    [ -n "$type" ] || fail "unknown flag: --$name"
    if [ "$type" = bool ]; then
        if [ "$has_value" = 1 ]; then
            case "$value" in true|false|1|0|t|f|TRUE|FALSE|True|False) ;; *) fail "invalid argument \"$value\" for \"--$name\" flag: strconv.ParseBool: parsing \"$value\": invalid syntax";; esac
        else value=true; fi
    else
        if [ "$has_value" = 0 ]; then
            [ "$#" -gt 0 ] || fail "flag needs an argument: --$name"
            value=$1; shift
        fi
        allowed=${"$"}{VALUES[$name]:-}
        if [ -n "$allowed" ] && ! [[ " $allowed " == *" $value "* ]]; then
            fail "invalid --$name '$value' (accepted on this host: $allowed)"
        fi
    fi
    SET[$name]=$value
done
if [ "$cmd" != ssh ] && [ "${"$"}{#positional[@]}" -gt 1 ]; then fail "accepts at most 1 arg(s), received ${"$"}{#positional[@]}"; fi
if [ "$cmd" != ssh ] && [ "${"$"}{#after_dashes[@]}" -gt 0 ]; then positional+=("${"$"}{after_dashes[@]}"); [ "${"$"}{#positional[@]}" -le 1 ] || fail "accepts at most 1 arg(s)"; fi
profile=${"$"}{SET[profile]:-${"$"}{positional[0]:-default}}
log "colima $cmd ${"$"}{ORIGINAL_ARGS}"
`;

/**
 * What the stubbed VM does, kept in $STUB_DIR: `running`/`exists` flags, the SSH port the VM got (the pinned
 * --ssh-port, or a fresh one per start like Lima's freeport), the guest's host key.
 */
const BEHAVIOUR = String.raw`
state=$STUB_DIR/colima-state
mkdir -p "$state"
# Lima's user key and override.yaml live in $LIMA_HOME/_config; Colima's LIMA_HOME is <colima home>/_lima
# (config/files.go: ~/.colima if it exists or on macOS, else ~/.config/colima).
if [ -n "${"$"}{LIMA_HOME:-}" ]; then lima_config=$LIMA_HOME/_config
elif [ -e "$HOME/.colima" ] || [ "$(uname -s)" = Darwin ]; then lima_config=$HOME/.colima/_lima/_config
else lima_config=$HOME/.config/colima/_lima/_config; fi
case "$cmd" in
    status) [ -e "$state/running" ] || { echo "colima [profile=$profile] is not running" >&2; exit 1; }; echo "colima [profile=$profile] is running" ;;
    start)
        [ ! -e "$state/start-fails" ] || { echo "FATA[0001] error starting vm" >&2; exit 1; }
        [ -e "$lima_config/override.yaml" ] && log "colima start: override.yaml present"
        touch "$state/running" "$state/exists"
        echo "${"$"}{SET[ssh-port]:-$((40000 + RANDOM % 20000))}" > "$state/ssh-port"
        echo "$profile" > "$state/profile" ;;
    ssh-config)
        [ -e "$state/running" ] || { echo "FATA[0000] colima [profile=$profile] is not running" >&2; exit 1; }
        port=$(cat "$state/ssh-port" 2>/dev/null || echo 60022)
        printf 'Host colima-%s\n  IdentityFile "%s"\n  User dev\n  Hostname 127.0.0.1\n  Port %s\n' "$profile" "${"$"}{STUB_IDENTITY_DIR:-$lima_config}/user" "$port" ;;
    ssh)
        [ -e "$state/running" ] || { echo "FATA[0000] colima [profile=$profile] is not running" >&2; exit 1; }
        log "colima ssh runs: ${"$"}{after_dashes[*]}"
        if [ "${"$"}{after_dashes[*]}" = "cat /etc/ssh/ssh_host_ed25519_key.pub" ]; then cat "$state/host-key" 2>/dev/null || echo "${hostKeyPlaceholder()}"; else exit 127; fi ;;
    list)
        if [ -e "$state/exists" ]; then
            if [ "${"$"}{SET[json]:-}" = true ]; then echo "{\"name\":\"$profile\",\"status\":\"$([ -e "$state/running" ] && echo Running || echo Stopped)\"}"; else printf 'PROFILE STATUS\n%s Running\n' "$profile"; fi
        else echo 'time="x" level=warning msg="No instance found. Run colima start to create an instance."' >&2; fi ;;
    delete) rm -f "$state/running" "$state/exists"; [ "${"$"}{SET[data]:-}" = true ] && touch "$state/data-deleted"; true ;;
esac
`;

function hostKeyPlaceholder(): string {
    return STUB_HOST_KEY;
}

/** Installs the stub `colima` for one host of the spec into the sandbox. */
export function stubColima(sb: Sandbox, hostName: string, state: { running?: boolean; startFails?: boolean; sshPort?: number; hostKey?: string } = {}): void {
    if (!COLIMA_CLI.hosts[hostName]) throw new Error(`unknown host ${hostName}; spec has ${COLIMA_HOSTS.join(", ")}`);
    sb.stub("colima", `ORIGINAL_ARGS="\${*:2}"\n${bashTables(hostName)}\n${PARSER}\n${BEHAVIOUR}`);
    sb.stub("uname", `[ "$1" = -s ] && echo ${COLIMA_CLI.hosts[hostName].platform === "darwin" ? "Darwin" : "Linux"}`);
    const dir = path.join(sb.dir, "colima-state");
    fs.mkdirSync(dir, { recursive: true });
    if (state.running) { fs.writeFileSync(path.join(dir, "running"), ""); fs.writeFileSync(path.join(dir, "exists"), ""); }
    if (state.startFails) fs.writeFileSync(path.join(dir, "start-fails"), "");
    if (state.sshPort) fs.writeFileSync(path.join(dir, "ssh-port"), `${state.sshPort}\n`);
    if (state.hostKey !== undefined) fs.writeFileSync(path.join(dir, "host-key"), state.hostKey);
}
