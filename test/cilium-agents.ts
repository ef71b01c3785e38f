/**
 * The two-agent cluster the enforcement scripts' tests talk to (test/shell.ts stubs): `k3s kubectl` lists Cilium
 * agents cilium-a (node n1) and cilium-b (node n2); a deleted pod comes back as <pod>2 on the same node, ready unless
 * `neverReady`; systemctl answers and sleep returns at once.
 */
import { sandbox, Sandbox } from "./shell";

export interface CiliumAgentsStub {
    /** Further `case` arms, after the shared ones (first match wins): how `exec … cilium-dbg config` answers. */
    cases: string;
    /** Shell defined before the `case` (e.g. a function the arms call). */
    functions?: string;
    /** A replacement pod never reports ready. */
    neverReady?: boolean;
}

export function ciliumAgentsSandbox(stub: CiliumAgentsStub): Sandbox {
    const sb = sandbox();
    sb.stub("systemctl", 'log "systemctl $*"; [ "$2" = "--quiet" ]');
    sb.stub("sleep", "exit 0");
    sb.stub("k3s", `log "k3s $*"
args="$*"
${stub.functions ?? ""}
case "$args" in
  *"get pods -l k8s-app=cilium -o jsonpath"*) printf 'cilium-a n1\\ncilium-b n2\\n' ;;
  *"--field-selector spec.nodeName="*) node=\${args##*spec.nodeName=}; node=\${node%% *}
      old=$([ "$node" = n1 ] && echo cilium-a || echo cilium-b)
      if [ -e "$STUB_DIR/deleted-$old" ]; then echo "\${old}2 ${stub.neverReady ? "false" : "true"}"; else echo "$old true"; fi ;;
  *"delete pod "*) pod=\${args##*delete pod }; pod=\${pod%% *}; touch "$STUB_DIR/deleted-$pod" ;;
${stub.cases}
esac`);
    return sb;
}

/** The pods a run deleted, in order. */
export const deletedPods = (sb: Sandbox): string[] =>
    sb.calls().filter(c => / delete pod /.test(c)).map(c => c.replace(/^.* delete pod (\S+).*$/, "$1"));
