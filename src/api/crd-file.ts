// The text of crds/costoptimization-crd.yaml. A test fails when the committed file differs.
import { stringify } from "yaml";
import { buildCrd } from "./schema.js";

export function renderCrdYaml(): string {
  const header = "# Generated from src/api/schema.ts by `npm run gen:crd`; edit the schema, not this file.\n";
  return header + stringify(buildCrd(), { lineWidth: 0 });
}
