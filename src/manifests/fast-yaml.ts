// A fast reader for the plain block YAML most manifests are written in, used only to index
// (the yaml library's composer costs about 0.5 ms per document, which alone would exceed the
// index budget at 10,000 documents). It returns exactly what yaml's parseAllDocuments(...).toJS()
// returns, or undefined as soon as it meets anything outside its subset (anchors, tags, folded or
// indented block scalars, escapes, multi-line scalars, nested flow collections, duplicate or
// non-string keys, odd document markers...), in which case the caller uses the yaml library.
// test/manifests/fast-yaml.test.ts checks the agreement on random and real-world documents, and
// on random documents seeded with the whitespace YAML treats differently from JS.

class Unsupported extends Error {}

function bail(): never {
  throw new Unsupported();
}

// YAML 1.2 core schema, as the yaml library resolves plain scalars by default.
function resolvePlain(s: string): unknown {
  // 010 is 10 in YAML 1.2 and 8 in kubectl's YAML 1.1: the full parser records such numbers.
  if (LEADING_ZERO.test(s)) bail();
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(s)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(s)) return false;
  if (/^[-+]?[0-9]+$/.test(s)) return Number.parseInt(s, 10);
  if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16);
  if (
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) ||
    /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)
  )
    return Number.parseFloat(s);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s))
    return s.slice(-3).toLowerCase() === "nan"
      ? Number.NaN
      : s[0] === "-"
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  return s;
}

/** Characters JS counts as whitespace and YAML does not treat as space, tab or line feed. */
const NOT_YAML_WHITESPACE = /[^\S \t\n]/;

/** A plain integer with a leading zero: read differently by YAML 1.1 and 1.2 readers. */
export const LEADING_ZERO = /^[-+]?0[0-9]+$/;

const PLAIN_START = /^[^-?:,[\]{}#&*!|>'"%@`\s]/;

/** A plain scalar on one line (comment already removed); anything doubtful is unsupported. */
function plain(s: string, inFlow: boolean): unknown {
  if (s === "") return null;
  if (!PLAIN_START.test(s) && !/^[-?:][^\s,[\]{}]/.test(s)) bail();
  if (/:(\s|$)|\s#|\t/.test(s) || (inFlow && /[,[\]{}]/.test(s))) bail();
  return resolvePlain(s);
}

/** Removes a trailing " # comment" from a plain value; a value with quotes or flow is handled elsewhere. */
function stripComment(s: string): string {
  const i = s.search(/\s#/);
  return (i < 0 ? s : s.slice(0, i)).trimEnd();
}

function quoted(s: string): { value: string; rest: string } {
  if (s[0] === '"') {
    const end = s.indexOf('"', 1);
    if (end < 0) bail();
    const inner = s.slice(1, end);
    if (inner.includes("\\")) bail();
    return { value: inner, rest: s.slice(end + 1) };
  }
  let i = 1;
  let value = "";
  for (;;) {
    const end = s.indexOf("'", i);
    if (end < 0) bail();
    value += s.slice(i, end);
    if (s[end + 1] === "'") {
      value += "'";
      i = end + 2;
    } else return { value, rest: s.slice(end + 1) };
  }
}

function afterValue(rest: string): void {
  if (rest.trim() !== "" && !/^\s+#/.test(rest)) bail();
}

function flowItems(inner: string): string[] {
  if (/[[\]{}"'&*!#|>]/.test(inner)) bail();
  if (inner.trim() === "") return [];
  const items = inner.split(",").map((x) => x.trim());
  // A trailing comma is allowed in flow collections; an empty item elsewhere is not.
  if (items[items.length - 1] === "") items.pop();
  if (items.some((x) => x === "")) bail();
  return items;
}

/** A value written on the same line as its key or dash. */
function inlineValue(text: string): unknown {
  const c = text[0];
  if (c === '"' || c === "'") {
    const { value, rest } = quoted(text);
    afterValue(rest);
    return value;
  }
  if (c === "{" || c === "[") {
    const close = c === "{" ? "}" : "]";
    const end = text.indexOf(close);
    if (end < 0) bail();
    afterValue(text.slice(end + 1));
    const items = flowItems(text.slice(1, end));
    if (c === "[") return items.map((x) => plain(x, true));
    const map: Record<string, unknown> = {};
    for (const item of items) {
      const m = /^([^:\s][^:]*?):\s+(.+)$/.exec(item);
      if (!m) bail();
      const key = keyOf(m[1] as string);
      if (Object.hasOwn(map, key)) bail();
      map[key] = plain(m[2] as string, true);
    }
    return map;
  }
  return plain(stripComment(text), false);
}

function keyOf(raw: string): string {
  if (!PLAIN_START.test(raw) || /\s#|\t|\s$/.test(raw) || raw === "__proto__" || raw === "<<") bail();
  // Keys that the core schema reads as numbers, booleans or null come back stringified differently.
  if (typeof resolvePlain(raw) !== "string") bail();
  return raw;
}

interface Line {
  indent: number;
  text: string;
}

class Reader {
  i = 0;
  constructor(private readonly lines: Line[]) {}

  /** Index of the next line with content (skipping blanks and comments), or lines.length. */
  peek(): number {
    let j = this.i;
    while (j < this.lines.length) {
      const t = (this.lines[j] as Line).text;
      if (t !== "" && t[0] !== "#") break;
      j++;
    }
    return j;
  }

  line(j: number): Line | undefined {
    return this.lines[j];
  }

  node(minIndent: number, seqAtSameIndent: number | undefined): unknown {
    const j = this.peek();
    const l = this.line(j);
    if (!l) return null;
    const isSeq = l.text === "-" || l.text.startsWith("- ");
    if (isSeq && l.indent === seqAtSameIndent) return this.seq(l.indent);
    if (l.indent < minIndent) return null;
    return isSeq ? this.seq(l.indent) : this.map(l.indent);
  }

  /** The value after "key:" or "-" when nothing follows on the line. */
  nested(indent: number, allowFlushSeq: boolean): unknown {
    return this.node(indent + 1, allowFlushSeq ? indent : undefined);
  }

  /** After a scalar, a more indented line would continue it (multi-line plain scalar). */
  noContinuation(indent: number): void {
    const l = this.line(this.peek());
    if (l && l.indent > indent) bail();
  }

  blockScalar(header: string, indent: number): string {
    if (header !== "|" && header !== "|-") bail();
    const lines: string[] = [];
    let blockIndent = -1;
    while (this.i < this.lines.length) {
      const l = this.lines[this.i] as Line & { raw: string };
      if (l.raw.trim() === "") {
        // Spaces beyond the indentation on an empty line are content; leave that to the library.
        if (l.raw.length > Math.max(0, blockIndent)) bail();
        lines.push("");
        this.i++;
        continue;
      }
      if (l.indent <= indent) break;
      if (blockIndent < 0) blockIndent = l.indent;
      if (l.indent < blockIndent) bail();
      lines.push(l.raw.slice(blockIndent));
      this.i++;
    }
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    if (!lines.length) return "";
    return lines.join("\n") + (header === "|" ? "\n" : "");
  }

  map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (;;) {
      const j = this.peek();
      const l = this.line(j);
      if (!l || l.indent < indent) return out;
      if (l.indent > indent || l.text === "-" || l.text.startsWith("- ")) {
        if (l.indent === indent) return out;
        bail();
      }
      if (l.text.includes("\t")) bail();
      const m = /^([^\s"'].*?):(?:\s+(.*))?$/.exec(l.text);
      if (!m) bail();
      const key = keyOf(m[1] as string);
      if (Object.hasOwn(out, key)) bail();
      this.i = j + 1;
      const rest = (m[2] ?? "").trim();
      if (rest === "" || rest[0] === "#") out[key] = this.nested(indent, true);
      else if (rest[0] === "|" || rest[0] === ">") out[key] = this.blockScalar(stripComment(rest), indent);
      else {
        out[key] = inlineValue(rest);
        this.noContinuation(indent);
      }
    }
  }

  seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const j = this.peek();
      const l = this.line(j);
      if (!l || l.indent < indent) return out;
      if (l.indent > indent) bail();
      if (l.text !== "-" && !l.text.startsWith("- ")) return out;
      const after = l.text.slice(1);
      const rest = after.trimStart();
      if (rest === "" || rest[0] === "#") {
        this.i = j + 1;
        out.push(this.nested(indent, false));
      } else if (rest[0] === "|" || rest[0] === ">") {
        this.i = j + 1;
        out.push(this.blockScalar(stripComment(rest), indent));
      } else if (rest === "-" || rest.startsWith("- ")) bail();
      else if (/^[^\s"'{[].*?:(\s|$)/.test(rest)) {
        // "- key: value" opens a map whose keys align with "key".
        const column = indent + 1 + (after.length - rest.length);
        this.lines[j] = { ...l, indent: column, text: rest };
        this.i = j;
        out.push(this.map(column));
      } else {
        this.i = j + 1;
        out.push(inlineValue(rest));
        this.noContinuation(indent);
      }
    }
  }
}

function toLines(text: string): (Line & { raw: string })[] {
  return text.split("\n").map((raw) => {
    const indent = raw.length - raw.trimStart().length;
    if (raw.slice(0, indent).includes("\t")) bail();
    return { indent, text: raw.trim(), raw };
  });
}

/** The documents of a file as plain data, or undefined when the file needs the full parser. */
export function fastParseDocuments(src: string): unknown[] | undefined {
  // The reader splits and trims with JS string functions, whose whitespace (\s, trim()) is wider
  // than YAML's (space and tab; line feed and carriage return): NBSP, form feed, a BOM, VT, the
  // Unicode spaces and line separators mean something else to YAML. Any of them (and \r) sends
  // the file to the yaml library, so what this reader accepts it reads exactly.
  if (NOT_YAML_WHITESPACE.test(src)) return undefined;
  try {
    const chunks: string[][] = [[]];
    const all = src.split("\n");
    let sawMarker = false;
    for (const line of all) {
      if (line.startsWith("---")) {
        if (!/^---\s*$/.test(line)) return undefined;
        const current = chunks[chunks.length - 1] as string[];
        // Content before the first marker is a document; comments alone before it are not.
        if (sawMarker || current.some((l) => l.trim() !== "" && !l.trimStart().startsWith("#")))
          chunks.push([]);
        else current.length = 0;
        sawMarker = true;
        continue;
      }
      if (line.startsWith("...") || line.startsWith("%")) return undefined;
      (chunks[chunks.length - 1] as string[]).push(line);
    }
    const docs: unknown[] = [];
    for (const [n, chunk] of chunks.entries()) {
      const hasContent = chunk.some((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
      if (!hasContent) {
        // An empty document between markers is null; a trailing comment-only stream is nothing.
        if (n === 0 && !sawMarker) continue;
        if (chunk.some((l) => l.trim() !== "")) return undefined;
        docs.push(null);
        continue;
      }
      const reader = new Reader(toLines(chunk.join("\n")));
      const value = reader.node(0, 0);
      if ((reader.line(reader.peek()) as Line | undefined) !== undefined) return undefined;
      docs.push(value);
    }
    return docs;
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
