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
  type RepoFile,
  type Target,
} from "../../src/manifests/index.js";
import { loadTree, TESTDATA } from "./helpers.js";
import type { RenderTarget } from "./render-check.js";

export const CASES = join(TESTDATA, "cases");

export interface CaseSpec {
  description: string;
  /** A real repository under testdata/ the case starts from; original/ then adds or replaces files. */
  base?: string;
  /** The cluster the policy runs for (CLUSTER_NAME / --cluster). */
  cluster?: string;
  target: Target;
  source?: PolicySource;
  desired: Desired;
  /** The render check: the roots where the target object may change, and the fields that may. */
  render: Omit<RenderTarget, "object"> & { object?: RenderTarget["object"] };
  /** The case is a refusal: its reason contains this text and nothing is edited. */
  refused?: string;
}

export function caseNames(): string[] {
  return readdirSync(CASES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export function readCase(name: string): CaseSpec {
  return JSON.parse(readFileSync(join(CASES, name, "case.json"), "utf8")) as CaseSpec;
}

/** The repository before the edit: the real one named by `base`, with original/ laid over it. */
export function originalFiles(name: string): RepoFile[] {
  const spec = readCase(name);
  const files = new Map<string, string>();
  if (spec.base) for (const f of loadTree(join(TESTDATA, spec.base))) files.set(f.path, f.content);
  const own = join(CASES, name, "original");
  if (existsSync(own)) for (const f of loadTree(own)) files.set(f.path, f.content);
  return [...files].map(([path, content]) => ({ path, content }));
}

export function runCase(name: string): { spec: CaseSpec; result: FileEdit[] | Refused } {
  const spec = readCase(name);
  const index = indexRepository(originalFiles(name));
  const located = locateWorkload(
    index,
    spec.target,
    spec.source,
    spec.cluster ? { cluster: spec.cluster } : {},
  );
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
