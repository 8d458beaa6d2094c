// Parsing a file into its YAML documents with the same options everywhere, so that what the
// index reads, what the patcher edits and what the invariant re-reads agree.

import { type Document, isPair, isScalar, isSeq, parseAllDocuments, visit } from "yaml";

export interface YamlProblem {
  message: string;
  code: string;
  docIndex: number;
  line?: number;
  column?: number;
}

export function parseStream(src: string): { docs: Document.Parsed[]; problem?: YamlProblem } {
  const parsed = parseAllDocuments(src);
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const [docIndex, doc] of docs.entries()) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      // The library's message repeats the position and a source excerpt; keep the first line.
      const message = err.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? err.message;
      return {
        docs,
        problem: { message, code: err.code, docIndex, ...(pos ? { line: pos.line, column: pos.col } : {}) },
      };
    }
  }
  return { docs };
}

/**
 * JSON pointers of the plain integers written with a leading zero (010): YAML 1.2 (this
 * library) reads 10, kubectl's YAML 1.1 reads octal 8. Values read from such a field are refused.
 */
export function leadingZeroPointers(doc: Document.Parsed, pattern: RegExp): string[] {
  const out: string[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (
        key === "key" ||
        node.type !== "PLAIN" ||
        typeof node.source !== "string" ||
        !pattern.test(node.source)
      )
        return;
      const parts: string[] = [];
      let child: unknown = node;
      for (let i = path.length - 1; i >= 0; i--) {
        const parent = path[i];
        if (isPair(parent)) {
          const k = isScalar(parent.key) ? parent.key.value : parent.key;
          parts.unshift(String(k).replaceAll("~", "~0").replaceAll("/", "~1"));
        } else if (isSeq(parent)) parts.unshift(String(parent.items.indexOf(child as never)));
        child = parent;
      }
      out.push(parts.length ? `/${parts.join("/")}` : "");
    },
  });
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual((a as Record<string, unknown>)[k], rb[k]));
}
