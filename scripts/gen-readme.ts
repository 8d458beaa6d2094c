// Writes the configuration tables into README.md (environment, --pricing, .github/costopt.yml) (npm run gen:readme).
import { readFileSync, writeFileSync } from "node:fs";
import { withGeneratedTables } from "./readme.js";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withGeneratedTables(readFileSync(path, "utf8")));
