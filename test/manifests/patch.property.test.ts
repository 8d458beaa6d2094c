// Random operations on random documents: patchDocument either returns a file that re-parses to
// exactly the intended change (checked here independently of the module), or throws a
// PatchError. It never returns a corrupt file and never throws anything else.

import fc from "fast-check";
import jsonpatch, { type Operation } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { PatchError, patchDocument } from "../../src/manifests/index.js";
import { KEYS as BASE_KEYS, scalar, yamlDocument, yamlValue } from "./arbitraries.js";
import { changedLines } from "./helpers.js";

const KEYS = [...BASE_KEYS, "2"];
const value = yamlValue(KEYS);
const documentValue = yamlDocument(KEYS);

const style = fc.record({
  indent: fc.constantFrom(2, 4),
  indentSeq: fc.boolean(),
  flow: fc.boolean(),
  comments: fc.boolean(),
});

type Doc = Record<string, unknown>;

function render(
  doc: Doc,
  s: { indent: number; indentSeq: boolean; flow: boolean; comments: boolean },
): string {
  const body = stringify(doc, {
    indent: s.indent,
    indentSeq: s.indentSeq,
    collectionStyle: s.flow ? "any" : "block",
  });
  // Comments and a neighbouring document that must survive untouched.
  const commented = s.comments ? body.replace(/\n(?=\S)/g, "\n# note\n") : body;
  return `# head\n${commented}---\nother: [1, 2]\n`;
}

function escapeKey(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function pointers(v: unknown, base = ""): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [`${base}/${i}`, ...pointers(x, `${base}/${i}`)]);
  if (typeof v === "object" && v !== null)
    return Object.entries(v).flatMap(([k, x]) => {
      const p = `${base}/${escapeKey(k)}`;
      return [p, ...pointers(x, p)];
    });
  return [];
}

function containers(v: unknown, base = ""): string[] {
  if (typeof v !== "object" || v === null) return [];
  const here = [base];
  const children = Array.isArray(v)
    ? v.map((x, i) => containers(x, `${base}/${i}`))
    : Object.entries(v).map(([k, x]) => containers(x, `${base}/${escapeKey(k)}`));
  return [...here, ...children.flat()];
}

const opSpec = fc.record({
  kind: fc.constantFrom("replace", "remove", "add-key", "add-item"),
  pick: fc.nat(),
  key: fc.constantFrom(...KEYS, "new", "z"),
  value,
});

function toOp(
  doc: unknown,
  spec: { kind: string; pick: number; key: string; value: unknown },
): Operation | undefined {
  if (spec.kind === "replace" || spec.kind === "remove") {
    const all = pointers(doc);
    const path = all[spec.pick % all.length];
    if (path === undefined) return undefined;
    return spec.kind === "replace"
      ? { op: "replace", path, value: structuredClone(spec.value) }
      : { op: "remove", path };
  }
  const parents = containers(doc);
  const path = parents[spec.pick % parents.length] as string;
  const parent = jsonpatch.getValueByPointer(doc, path);
  if (Array.isArray(parent))
    return {
      op: "add",
      path: `${path}/${spec.kind === "add-item" ? "-" : spec.pick % (parent.length + 1)}`,
      value: structuredClone(spec.value),
    };
  return { op: "add", path: `${path}/${escapeKey(spec.key)}`, value: structuredClone(spec.value) };
}

function expectExactly(before: string, after: string, ops: Operation[]): void {
  const was = parseAllDocuments(before).map((d) => d.toJS());
  const docs = parseAllDocuments(after);
  expect(docs.map((d) => d.errors.length)).toEqual([0, 0]);
  const want = jsonpatch.applyPatch(structuredClone(was[0]), ops, true, false).newDocument;
  expect(docs.map((d) => d.toJS())).toEqual([want, was[1]]);
  // The neighbouring document and the header comment are byte-identical.
  expect(after.startsWith("# head\n")).toBe(true);
  expect(after.endsWith("---\nother: [1, 2]\n")).toBe(true);
}

describe("patchDocument property", () => {
  it("random operations on random documents: exact result or a PatchError, never a corrupt file", () => {
    let returned = 0;
    let refused = 0;
    fc.assert(
      fc.property(documentValue, style, fc.array(opSpec, { minLength: 1, maxLength: 4 }), (doc, s, specs) => {
        const src = render(doc, s);
        const ops: Operation[] = [];
        let model: unknown = parseAllDocuments(src)[0]?.toJS();
        for (const spec of specs) {
          const op = toOp(model, spec);
          if (!op) continue;
          // The model gets its own copy, so later operations cannot reach back into this one.
          model = jsonpatch.applyOperation(
            structuredClone(model),
            structuredClone(op),
            true,
            false,
          ).newDocument;
          ops.push(op);
        }
        let out: string;
        try {
          out = patchDocument(src, 0, ops);
        } catch (err) {
          expect(err).toBeInstanceOf(PatchError);
          refused++;
          return;
        }
        returned++;
        expectExactly(src, out, ops);
      }),
      { numRuns: 400, seed: 20261126 },
    );
    // The property is not satisfied by refusing everything.
    expect(returned).toBeGreaterThan(refused * 3);
  });

  it("replacing one block-style scalar with another changes exactly one line", () => {
    fc.assert(
      fc.property(documentValue, fc.nat(), scalar, fc.boolean(), (doc, pick, next, indentSeq) => {
        const src = render(doc, { indent: 2, indentSeq, flow: false, comments: true });
        const js = parseAllDocuments(src)[0]?.toJS();
        const leaves = pointers(js).filter((p) => {
          const v = jsonpatch.getValueByPointer(js, p);
          // Template strings are refused by design; multi-line strings span several lines.
          return (typeof v !== "object" || v === null) && !/\n|\{\{/.test(String(v));
        });
        const path = leaves[pick % Math.max(1, leaves.length)];
        fc.pre(path !== undefined && !String(next).includes("\n"));
        if (path === undefined) return;
        const out = patchDocument(src, 0, [{ op: "replace", path, value: next }]);
        expect(changedLines(src, out).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
