// Golden cases: testdata/cases/<case>/{original/, expected/, case.json}. A case is a folder:
// the repository before, the files after (only those that change or are created), and the
// policy target, source and desired values that lead from one to the other.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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
  return readdirSync(CASES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
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

export function writeExpected(name: string, edits: FileEdit[]): void {
  const dir = join(CASES, name, "expected");
  rmSync(dir, { recursive: true, force: true });
  for (const e of edits) {
    mkdirSync(dirname(join(dir, e.path)), { recursive: true });
    writeFileSync(join(dir, e.path), e.after);
  }
}
