// Settings files (--pricing, .github/costopt.yml) are checked against a JSON Schema by ajv, a
// maintained validator, instead of field-by-field code; each message names the file and the
// field ("prices.yaml: default.cpuCoreHour: must be a number"), in the order the fields appear.

import { Ajv, type ErrorObject, type Schema } from "ajv";

const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new WeakMap<object, ReturnType<Ajv["compile"]>>();

export interface SchemaProblem {
  /** Dotted path of the field (default.cpuCoreHour); "" for the document itself. */
  field: string;
  /** "default.cpuCoreHour: must be number". */
  message: string;
}

/** A schema's problems with value; empty when valid. */
export function schemaProblems(schema: Schema, value: unknown): SchemaProblem[] {
  let validate = compiled.get(schema as object);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema as object, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({ field: fieldOf(e), message: describe(e) }));
}

/** A schema's problems with value, one line each: "file: field: message". Empty when valid. */
export function schemaErrors(schema: Schema, value: unknown, file: string): string[] {
  return schemaProblems(schema, value).map((p) => `${file}: ${p.message}`);
}

/** The field an error is about, dotted (default.cpuCoreHour), or the file itself. */
function fieldOf(e: ErrorObject): string {
  const path = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (e.keyword === "additionalProperties") path.push(String(e.params.additionalProperty));
  return path.join(".");
}

function describe(e: ErrorObject): string {
  const field = fieldOf(e) || "(top level)";
  if (e.keyword === "additionalProperties") return `${field}: unknown setting`;
  if (e.keyword === "enum")
    return `${field}: must be one of ${(e.params.allowedValues as unknown[]).join(", ")}`;
  return `${field}: ${e.message ?? "is invalid"}`;
}
