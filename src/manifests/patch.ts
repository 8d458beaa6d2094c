// patchDocument: RFC 6902 operations applied to one document of a YAML file by splicing its
// source text, so comments, blank lines, "---" markers, key order, indentation and quoting
// outside the edited lines stay byte-identical. Every result is re-parsed and compared with
// the intended change before it is returned (see verify.ts).

import jsonpatch, { type Operation } from "fast-json-patch";
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { PatchError, type Place } from "./errors.js";
import { formatPointer, getAt, parsePointer } from "./pointer.js";
import {
  type BlockStyle,
  dashOffset,
  detectStyle,
  renderFlow,
  renderItem,
  renderPair,
  renderScalar,
} from "./render.js";
import { SourceText } from "./text.js";
import { checkInvariant } from "./verify.js";
import { parseStream } from "./yaml-stream.js";

export type { Operation } from "fast-json-patch";

type Entry = { kind: "pair"; map: YAMLMap; pair: Pair } | { kind: "item"; seq: YAMLSeq; index: number };
type Ranged = { range?: [number, number, number] | null };

interface Step {
  node: unknown;
  /** How this node hangs off its parent (absent for the document root). */
  entry?: Entry;
  segments: string[];
}

interface Ctx {
  text: SourceText;
  doc: Document.Parsed;
  /** The whole document as it must read after this operation. */
  after: unknown;
  place: Place;
  style: () => BlockStyle;
}

function fail(message: string, place: Place, segments: string[]): never {
  throw new PatchError(message, { ...place, field: formatPointer(segments) });
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  return (node as Ranged | null)?.range ?? undefined;
}

// Anchors, aliases and merge keys share one node between several places; an edit there would
// change more than the field it names.
function guard(node: unknown, segments: string[], place: Place): void {
  if (isAlias(node))
    fail(`alias *${node.source} at the edit site; edit the anchored value by hand`, place, segments);
  const anchor = (node as { anchor?: string } | null)?.anchor;
  if (anchor) fail(`anchor &${anchor} at the edit site; its aliases would change too`, place, segments);
  if (isMap(node) && node.items.some((p) => isScalar(p.key) && p.key.value === "<<"))
    fail("merge key (<<) at the edit site; the change could alter merged values", place, segments);
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
}

function resolve(doc: Document.Parsed, segments: string[], place: Place): { chain: Step[]; found: boolean } {
  const chain: Step[] = [{ node: doc.contents, segments: [] }];
  let node: unknown = doc.contents;
  for (const [depth, seg] of segments.entries()) {
    const here = segments.slice(0, depth + 1);
    guard(node, segments.slice(0, depth), place);
    if (isMap(node)) {
      const map = node;
      const pair = findPair(map, seg);
      if (!pair) return { chain, found: false };
      node = pair.value;
      chain.push({ node, entry: { kind: "pair", map, pair }, segments: here });
    } else if (isSeq(node)) {
      const index = Number(seg);
      if (!/^\d+$/.test(seg) || index >= node.items.length) return { chain, found: false };
      const seq = node;
      node = seq.items[index];
      chain.push({ node, entry: { kind: "item", seq, index }, segments: here });
    } else return { chain, found: false };
  }
  guard(node, segments, place);
  return { chain, found: true };
}

function isFlow(node: unknown): boolean {
  return isCollection(node) && node.flow === true;
}

function isObjectValue(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

function isEmptyValue(value: unknown): boolean {
  return Array.isArray(value)
    ? value.length === 0
    : isObjectValue(value) && Object.keys(value as object).length === 0;
}

function entryStart(text: SourceText, entry: Entry): number | undefined {
  if (entry.kind === "pair") {
    if (entry.map.flow) return undefined;
    const start = rangeOf(entry.pair.key)?.[0];
    return start !== undefined && text.startsLine(start) ? start : undefined;
  }
  if (entry.seq.flow) return undefined;
  const start = rangeOf(entry.seq.items[entry.index])?.[0];
  if (start === undefined) return undefined;
  const dash = dashOffset(text, start);
  return dash >= 0 && text.startsLine(dash) ? dash : undefined;
}

function entryLastLine(text: SourceText, entry: Entry): number {
  if (entry.kind === "pair") {
    const key = rangeOf(entry.pair.key) as [number, number, number];
    const value = rangeOf(entry.pair.value);
    return value && value[1] > key[1] ? text.lastContentLine(key[0], value[1]) : text.lineOf(key[1]);
  }
  const node = rangeOf(entry.seq.items[entry.index]) as [number, number, number];
  return text.lastContentLine(node[0], node[1]);
}

// A comment at the end of a pair's first line ("resources: {} # tuned by hand") survives a rewrite.
function trailingComment(text: SourceText, entry: Entry): string {
  if (entry.kind !== "pair") return "";
  const key = rangeOf(entry.pair.key) as [number, number, number];
  const line = text.lineOf(key[0]);
  const lineEnd = text.lineEnd(line);
  const value = rangeOf(entry.pair.value);
  let from = key[1];
  if (value && text.lineOf(value[0]) === line) {
    if (text.lineOf(Math.max(value[0], value[1] - 1)) !== line) return "";
    from = value[1];
  }
  const m = /\s(#.*?)\s*$/.exec(text.src.slice(from, lineEnd));
  return m ? ` ${m[1]}` : "";
}

/** Rewrites the smallest whole-line entry holding chain[depth] with its value after the operation. */
function rewriteEntry(ctx: Ctx, chain: Step[], depth: number): string {
  const { text } = ctx;
  for (let d = depth; d >= 1; d--) {
    const step = chain[d] as Step;
    const entry = step.entry as Entry;
    const start = entryStart(text, entry);
    if (start === undefined) continue;
    const value = getAt(ctx.after, step.segments);
    const first = text.lineOf(start);
    const last = entryLastLine(text, entry);
    const column = text.column(start);
    let rendered =
      entry.kind === "pair"
        ? renderPair(String((entry.pair.key as { value: unknown }).value), value, column, ctx.style())
        : renderItem(value, column, ctx.style());
    const comment = trailingComment(text, entry);
    if (comment) rendered = rendered.replace("\n", `${comment}\n`);
    const end = text.lineEnd(last);
    if (end === text.src.length && !text.src.endsWith("\n")) rendered = rendered.replace(/\n$/, "");
    return text.splice(text.lineStart(first), end, rendered);
  }
  return fail(
    "cannot rewrite this value without reformatting its neighbours",
    ctx.place,
    chain[depth]?.segments ?? [],
  );
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * A literal block ("|" or "|-") given new text: its header stays, its lines are replaced at the
 * same indentation. This is how an inline patch or a values string inside YAML is edited.
 */
function literalSplice(src: string, range: [number, number, number], value: string): Splice | undefined {
  const text = new SourceText(src);
  const headerLine = text.lineOf(range[0]);
  const contentStart = text.lineEnd(headerLine);
  const header = /^\|([-+]?)(\s+#.*)?$/.exec(src.slice(range[0], contentStart).trim());
  if (!header || header[1] === "+" || range[1] <= contentStart) return undefined;
  const lastLine = text.lastContentLine(contentStart, range[1]);
  const contentEnd = text.lineEnd(lastLine);
  const first = src
    .slice(contentStart, contentEnd)
    .split("\n")
    .find((l) => l.trim() !== "");
  if (first === undefined) return undefined;
  const strip = header[1] === "-";
  // The new text must fit the header's chomping, and a leading space would need an indentation indicator.
  if (strip ? value.endsWith("\n") : !value.endsWith("\n") || value.endsWith("\n\n")) return undefined;
  const body = strip ? value : value.slice(0, -1);
  if (body === "" || /^\s/.test(body)) return undefined;
  const pad = " ".repeat(first.length - first.trimStart().length);
  const lines = body.split("\n").map((l) => (l === "" ? "" : pad + l));
  const newline = src[contentEnd - 1] === "\n" ? "\n" : "";
  return { start: contentStart, end: contentEnd, text: lines.join("\n") + newline };
}

/** A scalar replaced by a scalar: one splice over the value's own characters, or undefined. */
function scalarSplice(src: string, chain: Step[], after: unknown, place: Place): Splice | undefined {
  const step = chain[chain.length - 1] as Step;
  const node = step.node;
  const value = getAt(after, step.segments);
  if (isScalar(node) && typeof node.value === "string" && node.value.includes("{{"))
    fail("Helm template ({{ }}) at the edit site", place, step.segments);
  const range = rangeOf(node);
  if (isScalar(node) && node.type === "BLOCK_LITERAL" && range && typeof value === "string")
    return literalSplice(src, range, value);
  const blockScalar = isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED");
  if (!isScalar(node) || isObjectValue(value) || !range || range[1] <= range[0] || blockScalar)
    return undefined;
  const inFlow = chain.some((s) => isFlow(s.node));
  return keepCommentColumn(src, { start: range[0], end: range[1], text: renderScalar(value, node, inFlow) });
}

// Authors line up trailing comments ("cpu: 1100m        # sized for launch"); a value of another
// length takes its difference out of (or adds it to) the spaces before the comment, keeping at
// least one, so the comment stays in its column when there is room.
function keepCommentColumn(src: string, splice: Splice): Splice {
  const lineEnd = src.indexOf("\n", splice.end);
  const gap = /^ +(?=#)/.exec(src.slice(splice.end, lineEnd < 0 ? src.length : lineEnd));
  if (!gap) return splice;
  const spaces = gap[0].length - (splice.text.length - (splice.end - splice.start));
  return {
    start: splice.start,
    end: splice.end + gap[0].length,
    text: splice.text + " ".repeat(Math.max(1, spaces)),
  };
}

function replaceValue(ctx: Ctx, chain: Step[]): string {
  const node = chain[chain.length - 1]?.node;
  const value = getAt(ctx.after, chain[chain.length - 1]?.segments ?? []);
  const splice = scalarSplice(ctx.text.src, chain, ctx.after, ctx.place);
  if (splice) return ctx.text.splice(splice.start, splice.end, splice.text);
  const range = rangeOf(node);
  // A non-empty flow collection stays inline; an empty one ("{}") becomes a block.
  if (isFlow(node) && range && (node as YAMLMap | YAMLSeq).items.length > 0 && isObjectValue(value))
    return ctx.text.splice(range[0], range[1], renderFlow(value, flowPadded(ctx.text, range)));
  return rewriteEntry(ctx, chain, chain.length - 1);
}

/** Whether the author writes "{ a: 1 }" rather than "{a: 1}". */
function flowPadded(text: SourceText, range: [number, number, number]): boolean {
  return text.src[range[0] + 1] === " ";
}

// Inside a flow collection ("{ cpu: 1 }") lines cannot be added; the outermost flow collection
// is written again inline, or in block style when it was empty ("resources: {}").
function editInFlow(ctx: Ctx, chain: Step[], flowDepth: number): string {
  const step = chain[flowDepth] as Step;
  const node = step.node as YAMLMap | YAMLSeq;
  const value = getAt(ctx.after, step.segments);
  if (flowDepth >= 1 && node.items.length === 0 && !isEmptyValue(value))
    return rewriteEntry(ctx, chain, flowDepth);
  const range = rangeOf(node) as [number, number, number];
  return ctx.text.splice(range[0], range[1], renderFlow(value, flowPadded(ctx.text, range)));
}

function insertPair(ctx: Ctx, chain: Step[], map: YAMLMap, key: string, segments: string[]): string {
  const first = rangeOf(map.items[0]?.key);
  const last = map.items[map.items.length - 1];
  if (!first || !last) return rewriteEntry(ctx, chain, chain.length - 1);
  const lastLine = entryLastLine(ctx.text, { kind: "pair", map, pair: last });
  const rendered = renderPair(key, getAt(ctx.after, segments), ctx.text.column(first[0]), ctx.style());
  return ctx.text.insertAfterLine(lastLine, rendered);
}

function insertItem(ctx: Ctx, chain: Step[], seq: YAMLSeq, index: number, segments: string[]): string {
  const { text } = ctx;
  const dashes = seq.items.map((_, i) => entryStart(text, { kind: "item", seq, index: i }));
  const firstDash = dashes[0];
  if (firstDash === undefined || dashes.some((d) => d === undefined))
    return rewriteEntry(ctx, chain, chain.length - 1);
  const rendered = renderItem(getAt(ctx.after, segments), text.column(firstDash), ctx.style());
  if (index >= seq.items.length)
    return text.insertAfterLine(
      entryLastLine(text, { kind: "item", seq, index: seq.items.length - 1 }),
      rendered,
    );
  return text.insertBeforeLine(text.lineOf(dashes[index] as number), rendered);
}

function removeEntry(ctx: Ctx, chain: Step[], entry: Entry): string {
  const size = entry.kind === "pair" ? entry.map.items.length : entry.seq.items.length;
  const start = entryStart(ctx.text, entry);
  // Removing the last entry leaves an empty collection, which only flow style can write.
  if (size === 1 || start === undefined) return rewriteEntry(ctx, chain, chain.length - 1);
  return ctx.text.deleteLines(ctx.text.lineOf(start), entryLastLine(ctx.text, entry));
}

function applyOne(src: string, docIndex: number, op: Operation, after: unknown, place: Place): string {
  const text = new SourceText(src);
  const doc = parseStream(src).docs[docIndex] as Document.Parsed;
  let style: BlockStyle | undefined;
  const ctx: Ctx = { text, doc, after, place, style: () => (style ??= detectStyle(doc, text)) };
  const segments = parsePointer(op.path);
  if (op.op === "test") return src;
  if (op.op !== "add" && op.op !== "replace" && op.op !== "remove")
    fail(`the "${op.op}" operation is not supported; use add, replace or remove`, place, segments);
  if (segments.length === 0) fail("replacing a whole document is not supported", place, segments);
  const key = segments[segments.length - 1] as string;
  const { chain, found } = resolve(doc, segments.slice(0, -1), place);
  if (!found) fail("the parent of this path does not exist", place, segments);
  const flowDepth = chain.findIndex((s) => isFlow(s.node));
  if (flowDepth >= 0) return editInFlow(ctx, chain, flowDepth);
  const parent = chain[chain.length - 1]?.node;
  if (isMap(parent)) {
    const pair = findPair(parent, key);
    if (!pair) {
      if (op.op !== "add") fail("no such key", place, segments);
      return insertPair(ctx, chain, parent, key, segments);
    }
    const full = resolve(doc, segments, place).chain;
    if (op.op === "remove") {
      const target = full[full.length - 1]?.node;
      if (isScalar(target) && typeof target.value === "string" && target.value.includes("{{"))
        fail("Helm template ({{ }}) at the edit site", place, segments);
      return removeEntry(ctx, chain, { kind: "pair", map: parent, pair });
    }
    return replaceValue(ctx, full);
  }
  if (isSeq(parent)) {
    const index = key === "-" ? parent.items.length : Number(key);
    if (op.op === "add")
      return insertItem(ctx, chain, parent, index, [...segments.slice(0, -1), String(index)]);
    if (op.op === "remove") return removeEntry(ctx, chain, { kind: "item", seq: parent, index });
    return replaceValue(ctx, resolve(doc, segments, place).chain);
  }
  return fail("the parent of this path is not a map or a sequence", place, segments);
}

// The contract is "the intended file or a PatchError": anything unexpected on the way (a value
// the library cannot read back, say) is a refusal too, never a half-made file.
function guarded<T>(step: () => T, place: Place, field?: string): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof PatchError) throw err;
    throw new PatchError(`the edit could not be made safely: ${(err as Error).message}`, {
      ...place,
      ...(field !== undefined ? { field } : {}),
    });
  }
}

/**
 * Applies RFC 6902 operations to document `docIndex` of a YAML file and returns the new file.
 * Throws PatchError when an operation is invalid, when the edit site is unsafe (anchor, alias,
 * merge key, Helm template) or when the result would not re-parse to exactly the intended change.
 */
export function patchDocument(
  content: string,
  docIndex: number,
  ops: readonly Operation[],
  file?: string,
): string {
  // A file written with CRLF line ends throughout is edited as LF and given its CRLF back, so
  // added lines match their neighbours.
  if (content.includes("\r\n") && !content.replace(/\r\n/g, "").includes("\n")) {
    const lf = patchLf(content.replace(/\r\n/g, "\n"), docIndex, ops, file);
    return lf.replace(/\n/g, "\r\n");
  }
  return patchLf(content, docIndex, ops, file);
}

function patchLf(content: string, docIndex: number, ops: readonly Operation[], file?: string): string {
  const place: Place = { ...(file !== undefined ? { file } : {}), docIndex };
  const { docs, problem } = parseStream(content);
  if (problem)
    throw new PatchError(`the file does not parse: ${problem.message}`, {
      ...place,
      docIndex: problem.docIndex,
    });
  if (!Number.isInteger(docIndex) || docIndex < 0 || docIndex >= docs.length)
    throw new PatchError(`the file has ${docs.length} document(s)`, place);
  const original = docs.map((d) => d.toJS() as unknown);
  let expected = original[docIndex];
  let src = content;
  // Scalar-for-scalar replacements (the usual CPU and memory change) are collected as splices on
  // one parse and applied together; any other operation first applies them and parses again.
  let parsed: Document.Parsed | undefined = docs[docIndex];
  let pending: Splice[] = [];
  const flush = () => {
    for (const s of pending.sort((a, b) => b.start - a.start))
      src = src.slice(0, s.start) + s.text + src.slice(s.end);
    if (pending.length) parsed = undefined;
    pending = [];
  };
  for (const op of ops) {
    try {
      expected = jsonpatch.applyOperation(expected, op, true, false).newDocument;
    } catch (err) {
      throw new PatchError(`invalid ${op.op} operation: ${(err as Error).message.split("\n")[0]}`, {
        ...place,
        field: op.path,
      });
    }
    const after = expected;
    if (op.op === "replace") {
      parsed ??= parseStream(src).docs[docIndex] as Document.Parsed;
      const doc = parsed;
      const splice = guarded(
        () => {
          const { chain, found } = resolve(doc, parsePointer(op.path), place);
          return found ? scalarSplice(src, chain, after, place) : undefined;
        },
        place,
        op.path,
      );
      if (splice && !pending.some((p) => p.start < splice.end && splice.start < p.end)) {
        pending.push(splice);
        continue;
      }
    }
    flush();
    src = guarded(() => applyOne(src, docIndex, op, after, place), place, op.path);
    parsed = undefined;
  }
  flush();
  const result = src;
  guarded(() => checkInvariant(result, docIndex, original, expected, place), place);
  return result;
}
