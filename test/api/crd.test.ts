import { readdirSync, readFileSync } from "node:fs";
import { evaluate } from "@marcbachmann/cel-js";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { renderCrdYaml } from "../../src/api/crd-file.js";
import type { JsonSchema } from "../../src/api/schema.js";
import { validatePolicy } from "../../src/api/validation.js";
import { cases } from "./cases.js";

const crdText = readFileSync("crds/costoptimization-crd.yaml", "utf8");
const crd = parseYaml(crdText);
const version = crd.spec.versions[0];
const schema = version.schema.openAPIV3Schema as JsonSchema;

// The API server: structural schema (with defaulting) first, then the CEL rules on the defaulted object.
const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, validateFormats: false });
const checkSchema = ajv.compile(schema);

type Obj = Record<string, unknown>;
function celFailures(value: unknown, s: JsonSchema, path = ""): string[] {
  const failures: string[] = [];
  if (value === undefined) return failures;
  for (const v of s["x-kubernetes-validations"] ?? [])
    if (evaluate(v.rule, { self: value }) !== true) failures.push(`${path}: ${v.message}`);
  if (s.properties && typeof value === "object" && value !== null)
    for (const [key, child] of Object.entries(s.properties))
      failures.push(...celFailures((value as Obj)[key], child, `${path}.${key}`));
  return failures;
}

/** What the API server would say about this object; empty when it would accept it. */
function apiServerErrors(obj: unknown): string[] {
  const copy = structuredClone(obj);
  if (!checkSchema(copy)) return (checkSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  return celFailures(copy, schema);
}

describe("the CRD file", () => {
  it("is generated from src/api/schema.ts (run npm run gen:crd after changing the schema)", () => {
    expect(crdText).toBe(renderCrdYaml());
  });

  it("defines costopt.dev/v1 CostOptimization, namespaced, with a status subresource", () => {
    expect(crd.metadata.name).toBe("costoptimizations.costopt.dev");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toMatchObject({ kind: "CostOptimization", plural: "costoptimizations" });
    expect(crd.spec.names.shortNames).toEqual(["costopt", "co"]);
    expect(version).toMatchObject({ name: "v1", served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns.map((c: Obj) => c.name)).toEqual([
      "Target",
      "Type",
      "Phase",
      "Savings",
      "PR",
      "Age",
    ]);
  });

  it("keeps every field of the original operator's spec and status", () => {
    const spec = schema.properties?.spec?.properties ?? {};
    expect(Object.keys(spec)).toEqual(
      expect.arrayContaining([
        "targetWorkload",
        "optimizationType",
        "maxChangePercent",
        "minConfidence",
        "dryRun",
        "autoApply",
        "rollbackOnFailure",
        "maxRiskLevel",
        "metricsWindow",
        "schedule",
        "source",
      ]),
    );
    const status = schema.properties?.status?.properties ?? {};
    expect(Object.keys(status)).toEqual(
      expect.arrayContaining([
        "phase",
        "message",
        "lastAnalysis",
        "lastApplied",
        "currentRecommendation",
        "appliedOptimizations",
        "totalSavings",
        "pullRequest",
        "observedGeneration",
        "conditions",
      ]),
    );
  });

  it("accepts every example policy", () => {
    const dir = "manifests/examples";
    let policies = 0;
    for (const file of readdirSync(dir)) {
      for (const doc of parseAllDocuments(readFileSync(`${dir}/${file}`, "utf8"))) {
        const value = doc.toJS();
        if (value?.kind !== "CostOptimization") continue;
        policies++;
        expect(apiServerErrors(value), file).toEqual([]);
        expect(validatePolicy(value).violations, file).toEqual([]);
      }
    }
    expect(policies).toBe(4);
  });

  it.each(cases.filter((c) => !c.admissionOnly))(
    "agrees with costopt validate on: $rule",
    ({ accepted, rejected }) => {
      expect(apiServerErrors(accepted)).toEqual([]);
      expect(apiServerErrors(rejected)).not.toEqual([]);
    },
  );

  it("leaves the configurable protections and cron field ranges to the admission webhook", () => {
    const adm = cases.filter((c) => c.admissionOnly);
    expect(adm.length).toBeGreaterThan(0);
    for (const c of adm) expect(apiServerErrors(c.rejected), c.rule).toEqual([]);
  });
});
