import * as assert from "assert";
import { execFileSync } from "child_process";
import * as YAML from "yaml";
import { artifact, ARTIFACTS } from "./upstream";
import { CILIUM_VALUE_PATHS, CILIUM_VALUES_VERSION, schemaPaths } from "../components/config/cilium-values";

/** One file out of the chart package, read with tar (no extraction into the repo). */
function fromChart(tgz: string, member: string): string {
    return execFileSync("tar", ["-xzOf", tgz, member], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

function valuesPaths(obj: Record<string, unknown>, prefix = ""): string[] {
    return Object.entries(obj).flatMap(([k, v]) => {
        const p = prefix ? `${prefix}.${k}` : k;
        return v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0 ? [p, ...valuesPaths(v as Record<string, unknown>, p)] : [p];
    });
}

describe("ciliumValues key tree: the shipped data is the pinned chart's", () => {
    let schema: unknown;
    let values: Record<string, unknown>;
    before(async () => {
        const tgz = await artifact(ARTIFACTS.ciliumChart);
        schema = JSON.parse(fromChart(tgz, "cilium/values.schema.json"));
        values = YAML.parse(fromChart(tgz, "cilium/values.yaml"));
    });

    it("is for the chart version the tests resolve", () => {
        assert.ok(ARTIFACTS.ciliumChart.path.includes(`/${CILIUM_VALUES_VERSION}/`), ARTIFACTS.ciliumChart.path);
    });

    it("equals schemaPaths() of the chart's values.schema.json (every key path with its types)", () => {
        assert.deepStrictEqual(CILIUM_VALUE_PATHS, schemaPaths(schema as never));
    });

    it("holds every key path of the chart's values.yaml", () => {
        const missing = valuesPaths(values).filter(p => !(p in CILIUM_VALUE_PATHS));
        assert.deepStrictEqual(missing, []);
    });
});
