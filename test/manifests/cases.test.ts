import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type FileEdit, indexRepository, locateWorkload } from "../../src/manifests/index.js";
import { CASES, caseNames, expectedFiles, runCase, writeExpected } from "./cases.js";
import { loadTree } from "./helpers.js";

function applied(name: string, edits: FileEdit[]) {
  const files = new Map(loadTree(join(CASES, name, "original")).map((f) => [f.path, f.content]));
  for (const e of edits) files.set(e.path, e.after);
  return [...files].map(([path, content]) => ({ path, content }));
}

describe("golden cases (testdata/cases/<case>/{original,expected})", () => {
  for (const name of caseNames()) {
    it(name, () => {
      const { spec, result } = runCase(name);
      if (!Array.isArray(result)) throw new Error(`refused: ${result.reason}`);
      // UPDATE_GOLDEN=1 rewrites expected/ from the current output; review the diff before committing.
      if (process.env.UPDATE_GOLDEN === "1") writeExpected(name, result);
      const expected = expectedFiles(name);
      // Exactly the expected files change, each to exactly the expected bytes.
      expect(result.map((e) => e.path).sort()).toEqual([...expected.keys()].sort());
      for (const e of result) expect(e.after, e.path).toBe(expected.get(e.path));
      // Read back, the repository now says what was asked for.
      const again = locateWorkload(indexRepository(applied(name, result)), spec.target, spec.source);
      if (!again.ok) throw new Error(`after the edit: ${again.reason}`);
      for (const want of spec.desired.containers ?? []) {
        const got = again.containers.find((c) => c.name === want.name) ?? again.containers[0];
        for (const field of ["cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit"] as const)
          if (want[field] !== undefined) expect(got?.[field], `${want.name} ${field}`).toBe(want[field]);
      }
      if (spec.desired.replicas !== undefined) expect(again.replicas.current).toBe(spec.desired.replicas);
      if (spec.desired.hpaMinReplicas !== undefined)
        expect(again.replicas.hpa?.minReplicas).toBe(spec.desired.hpaMinReplicas);
    });
  }
});
