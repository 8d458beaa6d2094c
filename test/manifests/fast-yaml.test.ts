// The index's fast reader must agree with the yaml library on everything it accepts.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { fastParseDocuments } from "../../src/manifests/fast-yaml.js";
import { yamlDocument } from "./arbitraries.js";
import { loadTree, REAL_WORLD, TESTDATA } from "./helpers.js";

function library(src: string): unknown[] | "error" {
  const docs = parseAllDocuments(src);
  const list = Array.isArray(docs) ? docs : [];
  if (list.some((d) => d.errors.length || d.warnings.length)) return "error";
  return list.map((d) => d.toJS());
}

function agrees(src: string): boolean {
  const fast = fastParseDocuments(src);
  if (fast === undefined) return false;
  expect(fast, src).toEqual(library(src));
  return true;
}

describe("fastParseDocuments", () => {
  it("reads every real-world and testdata file exactly as the yaml library does (or declines)", () => {
    const files = loadTree(TESTDATA).filter((f) => /\.ya?ml$/.test(f.path));
    let accepted = 0;
    for (const f of files) if (agrees(f.content)) accepted++;
    // The real-world manifests are all inside the fast subset.
    for (const f of loadTree(REAL_WORLD).filter((f) => /\.ya?ml$/.test(f.path)))
      expect(fastParseDocuments(f.content), f.path).toBeDefined();
    expect(accepted).toBeGreaterThan(files.length * 0.8);
  });

  it.each([
    ["a: 1\n---\n", true],
    ["---\na: 1\n", true],
    ["# c\n---\na: 1\n---\nb: [1, 2]\n", true],
    ["", true],
    [
      "a:\n- 1\n-\n- x: y\n  z: |\n    t\n\n    u\n  w: |-\n    v\nb: 0o17\nc: 0x1F\nd: .5\ne: -.inf\nf: ~\n",
      true,
    ],
    ["s: 'it''s'\nt: \"q\" # c\nu: a#b\nv: x # y\n", true],
    ["a: &x 1\nb: *x\n", false],
    ["a: !!str 1\n", false],
    ["a: 1\na: 2\n", false],
    ["a: b\n  c\n", false],
    ["a: >\n  folded\n", false],
    ['a: "esc\\n"\n', false],
    ["a: {b: [1]}\n", false],
    ["1: a\n", false],
    ["a: 1\n--- # c\nb: 2\n", false],
    ["a: 1\r\nb: 2\r\n", false],
    ["a: [1, 2\nb: 3\n", false],
  ])("%j: fast path %s", (src, fast) => {
    expect(agrees(src)).toBe(fast);
  });

  it("agrees with the library on random documents in random styles", () => {
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(yamlDocument(), { minLength: 1, maxLength: 3 }),
        fc.record({ indent: fc.constantFrom(2, 4), indentSeq: fc.boolean(), flow: fc.boolean() }),
        (docs, s) => {
          const src = docs
            .map((d) =>
              stringify(d, {
                indent: s.indent,
                indentSeq: s.indentSeq,
                collectionStyle: s.flow ? "any" : "block",
              }),
            )
            .join("---\n");
          runs++;
          if (agrees(src)) accepted++;
        },
      ),
      { numRuns: 1500, seed: 42 },
    );
    // Plenty of random documents take the fast path, so the agreement means something.
    expect(accepted).toBeGreaterThan(runs / 8);
  });

  // What JS's trim() and \s call whitespace but YAML does not: YAML's whitespace is space and tab,
  // its line breaks line feed and carriage return. NBSP, form feed, BOM, VT, the Unicode spaces.
  const SPECIAL = ["\u00a0", "\f", "\ufeff", "\v", "\u2028", "\u2003", "\u3000", "\r"];

  it.each([
    ["NBSP as indentation", "a:\n\u00a0 b: 1\n"],
    ["NBSP as the separator after a colon", "a:\u00a0b\n"],
    ["NBSP ending a plain value", "a: b\u00a0\n"],
    ["a trailing form feed", "a: 1\n\f"],
    ["a mid-file BOM", "a: 1\n\ufeffb: 2\n"],
  ])("reads %s as the library does, or declines", (_, src) => {
    const fast = fastParseDocuments(src);
    if (fast !== undefined) expect(fast).toEqual(library(src));
  });

  it("agrees with the library, or declines, when the whitespace YAML treats specially appears anywhere", () => {
    fc.assert(
      fc.property(
        fc.array(yamlDocument(), { minLength: 1, maxLength: 2 }),
        fc.array(
          fc.record({
            char: fc.constantFrom(...SPECIAL),
            // Where: as (part of) an indent, after a key's colon, ending a line, at the end, anywhere.
            at: fc.constantFrom("indent", "after-colon", "line-end", "file-end", "anywhere"),
            pick: fc.nat(),
            replace: fc.boolean(),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        (docs, edits) => {
          let src = docs.map((d) => stringify(d, { collectionStyle: "block" })).join("---\n");
          for (const e of edits) src = insertAt(src, e);
          const fast = fastParseDocuments(src);
          if (fast !== undefined) expect(fast, JSON.stringify(src)).toEqual(library(src));
        },
      ),
      { numRuns: 1500, seed: 7 },
    );
  });
});

/** Puts `char` into `src` at a place of the kind `at` (the `pick`-th such place), replacing a space or adding. */
function insertAt(src: string, e: { char: string; at: string; pick: number; replace: boolean }): string {
  const places: number[] = [];
  const re =
    e.at === "indent"
      ? /^ +/gm
      : e.at === "after-colon"
        ? /: /g
        : e.at === "line-end"
          ? /\n/g
          : e.at === "file-end"
            ? /$/g
            : /[\s\S]/g;
  for (const m of src.matchAll(re)) places.push((m.index ?? 0) + (e.at === "after-colon" ? 1 : 0));
  if (places.length === 0) return src + e.char;
  const i = places[e.pick % places.length] as number;
  const replaces = e.replace && src[i] === " ";
  return src.slice(0, i) + e.char + src.slice(i + (replaces ? 1 : 0));
}
