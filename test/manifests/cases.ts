// Golden cases: testdata/cases/<case>/{original/, expected/, case.json}. A case is a folder:
// the repository before, the files after (only those that change or are created), and the
// policy target, source and desired values that lead from one to the other.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicySource } from "../../src/api/types.js";
import {
  type Desired,
  type FileEdit,
  indexRepository,
  locateWorkload,
  planChanges,
  type Refused,
  type Target,
} from "../../src/manifests/index.js";
import { loadTree, TESTDATA } from "./helpers.js";

export const CASES = join(TESTDATA, "cases");

export interface CaseSpec {
  description: string;
  target: Target;
  source?: PolicySource;
  desired: Desired;
}

export function caseNames(): string[] {
  return readdirSync(CASES).sort();
}

export function runCase(name: string): { spec: CaseSpec; result: FileEdit[] | Refused } {
  const dir = join(CASES, name);
  const spec = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseSpec;
  const index = indexRepository(loadTree(join(dir, "original")));
  const located = locateWorkload(index, spec.target, spec.source);
  const plan = planChanges(index, located, spec.desired);
  return { spec, result: plan.ok ? plan.edits : plan };
}

export function expectedFiles(name: string): Map<string, string> {
  const dir = join(CASES, name, "expected");
  return new Map(existsSync(dir) ? loadTree(dir).map((f) => [f.path, f.content]) : []);
}
