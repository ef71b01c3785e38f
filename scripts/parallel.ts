/**
 * `--parallel` for `pulumi up`/`destroy` of a cluster with `nodes` machines. Pulumi's default is 4 × GOMAXPROCS
 * (pulumi/pulumi pkg/cmd/pulumi/operations/up.go `defaultParallel`, CLI ≥ 3.100): 8 on a 2-core runner. Every
 * machine's create and every SSH command holds a slot for its whole run, so with fewer slots than machines they
 * queue (`npm run bench`, modeled: prod 3+97 takes 681 s at 8 slots, 250 s — the unbounded schedule — with 108).
 * Nodes + 8 leaves room for the cloud calls and in-cluster objects beside them; never below Pulumi's own default.
 * The slots are goroutines waiting on SSH and HTTP, not CPU work, so more of them costs little on the runner.
 */
export function recommendedParallel(nodes: number, cpus: number): number {
    return Math.max(4 * cpus, nodes + 8);
}
