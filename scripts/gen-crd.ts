// Writes crds/costoptimization-crd.yaml from src/api/schema.ts (npm run gen:crd).
import { writeFileSync } from "node:fs";
import { renderCrdYaml } from "../src/api/crd-file.js";

writeFileSync(new URL("../crds/costoptimization-crd.yaml", import.meta.url), renderCrdYaml());
