/**
 * The README "Performance" tables. The modeled table is deterministic (test/bench.test.ts recomputes it and holds
 * the README to it); the measured one changes only with `npm run bench -- --record` and no test reads it.
 */
import { Measured, Row } from "./model";

export const MODELED_HEADER = [
    "| size | resources | up, unbounded | up `--parallel 8` (2 cores) | up `--parallel 16` (4 cores) | physical limit | destroy |",
    "|---|---|---|---|---|---|---|",
];
export const MEASURED_HEADER = [
    "| size | resources | in-process evaluation (ms) | its CPU (ms) | fresh process: load (ms) | + first evaluation (ms) | = total (ms) | peak RSS (MiB) |",
    "|---|---|---|---|---|---|---|---|",
];

export const modeledRows = (rows: Pick<Row, "label" | "resources" | "up" | "up8" | "up16" | "limit" | "destroy">[]) =>
    rows.map(r => `| ${r.label} | ${r.resources} | ${r.up} | ${r.up8} | ${r.up16} | ${r.limit} | ${r.destroy} |`);

export const measuredRows = (measured: Measured[]) =>
    measured.map(m => `| ${[m.label, m.resources, m.evalMsMedian, m.evalCpuMsMedian, m.loadMsMedian, m.firstEvalMsMedian, m.coldMsMedian, m.maxRssMiBMedian]
        .map(v => typeof v === "number" ? Math.round(v) : v ?? "–").join(" | ")} |`);

const MARK = (name: string, edge: "start" | "end") => `<!-- bench:${name}:${edge} -->`;

/** The lines between a pair of markers (exclusive). */
export function between(readme: string, name: "modeled" | "measured"): string[] {
    const lines = readme.split("\n");
    const a = lines.indexOf(MARK(name, "start"));
    const b = lines.indexOf(MARK(name, "end"));
    if (a < 0 || b < a) throw new Error(`README.md has no ${MARK(name, "start")} … ${MARK(name, "end")} block`);
    return lines.slice(a + 1, b);
}

/** Pure: the README with one marked block replaced. */
export function replaceBlock(readme: string, name: "modeled" | "measured", body: string[]): string {
    const lines = readme.split("\n");
    between(readme, name);
    const a = lines.indexOf(MARK(name, "start"));
    const b = lines.indexOf(MARK(name, "end"));
    return [...lines.slice(0, a + 1), ...body, ...lines.slice(b)].join("\n");
}
