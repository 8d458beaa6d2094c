// Writes the configuration table into README.md from src/config.ts (npm run gen:readme).
import { readFileSync, writeFileSync } from "node:fs";
import { withEnvTable } from "./readme.js";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withEnvTable(readFileSync(path, "utf8")));
