import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type FileEdit, indexRepository, locateWorkload } from "../../src/manifests/index.js";
import { type CaseSpec, caseNames, expectedFiles, originalFiles, runCase, writeExpected } from "./cases.js";
import { renderCheck } from "./render-check.js";

function applied(name: string, edits: FileEdit[]) {
  const files = new Map(originalFiles(name).map((f) => [f.path, f.content]));
  for (const e of edits) files.set(e.path, e.after);
  return [...files].map(([path, content]) => ({ path, content }));
}

/** kind/namespace/name of the objects the case's new files hold. */
function addedObjects(spec: CaseSpec): string[] {
  return (spec.desired.files ?? []).flatMap((f) =>
    parseAllDocuments(f.content).map((d) => {
      const v = d.toJS() as { kind?: string; metadata?: { namespace?: string; name?: string } };
      return `${v.kind}/${v.metadata?.namespace ?? ""}/${v.metadata?.name}`;
    }),
  );
}

describe("golden cases (testdata/cases/<case>/{original,expected})", () => {
  for (const name of caseNames()) {
    it(name, () => {
      const { spec, result } = runCase(name);
      if (spec.refused !== undefined) {
        // A refusal names what was found and why it cannot be edited; nothing is written.
        if (Array.isArray(result))
          throw new Error(`expected a refusal, got edits of ${result.map((e) => e.path)}`);
        expect(result.reason).toContain(spec.refused);
        expect(expectedFiles(name).size).toBe(0);
        return;
      }
      if (!Array.isArray(result)) throw new Error(`refused: ${result.reason}`);
      // UPDATE_GOLDEN=1 rewrites expected/ from the current output; review the diff before committing.
      if (process.env.UPDATE_GOLDEN === "1") writeExpected(name, result);
      const expected = expectedFiles(name);
      // Exactly the expected files change, each to exactly the expected bytes.
      expect(result.map((e) => e.path).sort()).toEqual([...expected.keys()].sort());
      for (const e of result) expect(e.after, e.path).toBe(expected.get(e.path));
      // Rendered with the real kustomize, only the target changes, only in the targeted roots.
      const after = applied(name, result);
      renderCheck(originalFiles(name), after, {
        ...spec.render,
        object: spec.render.object ?? spec.target,
        added: addedObjects(spec),
      });
      // Read back, the repository now says what was asked for.
      const again = locateWorkload(
        indexRepository(after),
        spec.target,
        spec.source,
        spec.cluster ? { cluster: spec.cluster } : {},
      );
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
