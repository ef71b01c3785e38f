/** Validates custom resources against the openAPIV3Schema of a real CRD file, with ajv. */
import * as fs from "fs";
import Ajv, { ValidateFunction } from "ajv";
import * as YAML from "yaml";

/** Compiles the schema of `version` in a CRD YAML file. Unknown x-kubernetes-* keywords are ignored by ajv (strict: false). */
export function crdValidator(file: string, version: string): { validate: ValidateFunction; errors(): string } {
    const crd = YAML.parse(fs.readFileSync(file, "utf8"));
    const v = (crd.spec.versions as { name: string; schema: { openAPIV3Schema: object } }[]).find(x => x.name === version);
    if (!v) throw new Error(`${file} has no version ${version}`);
    const ajv = new Ajv({
        strict: false, allErrors: true, validateFormats: false,
        code: { regExp: goRegExp as any },
    });
    const validate = ajv.compile(v.schema.openAPIV3Schema);
    return { validate, errors: () => ajv.errorsText(validate.errors, { separator: "\n" }) };
}

/**
 * CRD patterns are Go RE2: `\pL` / `\PC` (one-letter Unicode classes without braces) become `\p{L}` / `\P{C}`
 * for JavaScript's `u` flag.
 */
export function goRegExp(pattern: string, flags: string): RegExp {
    return new RegExp(pattern.replace(/\\([pP])([A-Z])/g, "\\$1{$2}"), flags);
}
