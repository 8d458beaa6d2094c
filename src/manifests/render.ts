// Rendering of the few pieces of YAML an edit writes: one scalar in the author's quoting
// style, or one pair / sequence item / flow collection in the document's indentation style.

import { type Document, isMap, isScalar, isSeq, parseDocument, type Scalar, stringify, visit } from "yaml";
import type { SourceText } from "./text.js";

export interface BlockStyle {
  /** Spaces per nesting level. */
  indent: number;
  /** false when the author writes sequences flush with their key ("key:\n- a"). */
  indentSeq: boolean;
}

/** The offset of the "-" that introduces a block sequence item, or -1. */
export function dashOffset(text: SourceText, itemStart: number): number {
  let i = itemStart - 1;
  while (i >= 0 && text.src[i] === " ") i--;
  return text.src[i] === "-" ? i : -1;
}

/** Reads the indentation habits of one document, so inserted blocks look like their neighbours. */
export function detectStyle(doc: Document.Parsed, text: SourceText): BlockStyle {
  const indents = new Map<number, number>();
  let flush = 0;
  let indented = 0;
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (!isScalar(key) || !key.range) return;
      const keyCol = text.column(key.range[0]);
      const value = pair.value;
      if (isMap(value) && !value.flow) {
        const first = value.items[0]?.key;
        if (isScalar(first) && first.range && text.lineOf(first.range[0]) > text.lineOf(key.range[0])) {
          const step = text.column(first.range[0]) - keyCol;
          if (step > 0) indents.set(step, (indents.get(step) ?? 0) + 1);
        }
      } else if (isSeq(value) && !value.flow) {
        const first = value.items[0] as { range?: [number, number, number] } | null;
        if (!first?.range) return;
        const dash = dashOffset(text, first.range[0]);
        if (dash < 0) return;
        if (text.column(dash) === keyCol) flush++;
        else indented++;
      }
    },
  });
  let indent = 2;
  let best = 0;
  for (const [step, count] of indents)
    if (count > best) {
      best = count;
      indent = step;
    }
  return { indent, indentSeq: flush <= indented };
}

function stringifyOptions(style: BlockStyle) {
  return { indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0, minContentWidth: 0 };
}

function prefixLines(block: string, column: number): string {
  const pad = " ".repeat(column);
  return block
    .split("\n")
    .map((line) => (line === "" ? line : pad + line))
    .join("\n");
}

/** "key: value" (or "key:" and a nested block) starting at `column`, ending with a newline. */
export function renderPair(key: string, value: unknown, column: number, style: BlockStyle): string {
  return prefixLines(stringify({ [key]: value }, stringifyOptions(style)), column);
}

/** "- value" with its dash at `column`, ending with a newline. */
export function renderItem(value: unknown, column: number, style: BlockStyle): string {
  return prefixLines(stringify([value], stringifyOptions(style)), column);
}

/** A collection written inline, e.g. "{ cpu: 100m }", for edits inside flow collections. */
export function renderFlow(value: unknown, padded = true): string {
  return stringify(value, { collectionStyle: "flow", flowCollectionPadding: padded, lineWidth: 0 }).trimEnd();
}

function reparsesAsString(s: string, inFlow: boolean): boolean {
  if (s === "" || s !== s.trim() || /[\n\r]/.test(s)) return false;
  if (inFlow && /[,[\]{}]/.test(s)) return false;
  // Read it back the way the invariant will; warnings (unknown tags) count as "not plain".
  try {
    const probe = parseDocument(`k: ${s}`);
    if (probe.errors.length || probe.warnings.length) return false;
    return (probe.toJS() as { k?: unknown } | null)?.k === s;
  } catch {
    // e.g. "*x" reads as an alias to nothing.
    return false;
  }
}

/**
 * A scalar written in the style of the one it replaces: a quoted "2" becomes a quoted "750m",
 * a plain value stays plain unless plain would read back as something else (then it is quoted).
 */
export function renderScalar(value: unknown, old: Scalar | undefined, inFlow: boolean): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write the number ${value} in YAML`);
    return String(value);
  }
  if (typeof value !== "string") throw new Error("renderScalar takes a scalar");
  const type = old?.type;
  if (type === "QUOTE_SINGLE" && !hasControlChars(value)) return `'${value.replace(/'/g, "''")}'`;
  if (type === "QUOTE_DOUBLE") return JSON.stringify(value);
  return reparsesAsString(value, inFlow) ? value : JSON.stringify(value);
}

function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}
