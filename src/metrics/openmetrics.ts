// A streaming reader for OpenMetrics text as `promtool tsdb create-blocks-from openmetrics`
// takes it: one sample per line with a timestamp in seconds, `# EOF` last. Lines are read
// chunk by chunk, so memory does not grow with the file; errors name the file and line.

import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Labels } from "./series.js";

export class OpenMetricsError extends Error {
  /** The failure reason costopt_optimizations_failed_total counts it under. */
  readonly reason = "MetricsUnreadable";
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = "OpenMetricsError";
  }
}

export interface RawSample {
  name: string;
  /** The series identity as written: name and label set, e.g. `up{job="x"}`. */
  seriesKey: string;
  /** The text between the braces, parsed lazily with parseLabels(). */
  labelText: string;
  value: number;
  timestamp: number;
}

/** Timestamps above this are milliseconds written where seconds belong (year 5138 and later). */
const MAX_SECONDS = 1e11;

/**
 * Parses one sample line. Returns undefined for comment lines; "eof" for `# EOF`.
 * Throws a plain Error with the reason; the caller adds file and line.
 */
export function parseLine(line: string): RawSample | "eof" | undefined {
  if (line.charCodeAt(0) === 35 /* # */) {
    if (line === "# EOF") return "eof";
    return undefined;
  }
  if (line.length === 0) throw new Error("empty line (OpenMetrics has none; the file must end with # EOF)");
  const brace = line.indexOf("{");
  const firstSpace = line.indexOf(" ");
  let name: string;
  let labelText = "";
  let rest: number;
  if (brace >= 0 && (firstSpace < 0 || brace < firstSpace)) {
    name = line.slice(0, brace);
    const close = line.lastIndexOf("}");
    if (close < brace) throw new Error("label set is not closed with }");
    labelText = line.slice(brace + 1, close);
    rest = close + 1;
  } else {
    if (firstSpace < 0) throw new Error("expected `name{labels} value timestamp`");
    name = line.slice(0, firstSpace);
    rest = firstSpace;
  }
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name))
    throw new Error(`invalid metric name ${JSON.stringify(name)}`);
  if (line.charCodeAt(rest) !== 32) throw new Error("expected a space after the series");
  const sample: RawSample = { name, seriesKey: line.slice(0, rest), labelText, value: 0, timestamp: 0 };
  readValueAndTime(line, rest + 1, line.length, sample);
  return sample;
}

/** Reads `value timestamp` from text[from, end) into the sample. */
function readValueAndTime(text: string, from: number, end: number, into: RawSample): void {
  const space = text.indexOf(" ", from);
  if (space < 0 || space >= end - 1) throw new Error("sample has no timestamp (the file source needs one)");
  const extra = text.indexOf(" ", space + 1);
  if (extra >= 0 && extra < end)
    throw new Error("unexpected text after the timestamp (exemplars are not supported)");
  into.value = parseValue(text.slice(from, space));
  const ts = text.slice(space + 1, end);
  const timestamp = Number(ts);
  if (!Number.isFinite(timestamp) || ts.charCodeAt(0) === 32)
    throw new Error(`invalid timestamp ${JSON.stringify(ts)}`);
  if (timestamp > MAX_SECONDS) {
    throw new Error(`timestamp ${ts} looks like milliseconds; OpenMetrics timestamps are seconds`);
  }
  into.timestamp = timestamp;
}

export function parseValue(s: string): number {
  switch (s) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
  }
  const v = Number(s);
  if (s === "" || Number.isNaN(v) || !/^[-+]?[0-9.]/.test(s))
    throw new Error(`invalid value ${JSON.stringify(s)}`);
  return v;
}

/** Parses `a="x",b="y\"z"` into labels; throws on malformed text. */
export function parseLabels(text: string): Labels {
  const labels: Labels = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`malformed label set {${text}}`);
    const key = text.slice(i, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new Error(`invalid label name ${JSON.stringify(key)}`);
    if (text[eq + 1] !== '"') throw new Error(`label ${key} has no quoted value`);
    let j = eq + 2;
    let value = "";
    for (;;) {
      if (j >= text.length) throw new Error(`label ${key} has an unterminated value`);
      const c = text[j] as string;
      if (c === '"') break;
      if (c === "\\") {
        const n = text[j + 1];
        value += n === "n" ? "\n" : (n ?? "");
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    labels[key] = value;
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ",") throw new Error(`expected , after label ${key}`);
      i++;
    }
  }
  return labels;
}

class Stop {}

/**
 * Calls onSample for every sample line of the file, in order, reading it in chunks; onSample
 * returning false stops early. The sample object is reused from line to line: copy what you
 * keep. A line that continues the previous line's series (the usual case: a series' samples
 * are written together) has only its value and timestamp parsed. Checks the framing (`# EOF`
 * last, nothing after it) and wraps every error with file:line.
 */
export async function readOpenMetrics(
  file: string,
  onSample: (s: RawSample, line: number) => boolean | undefined,
): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let lineNo = 0;
  let eofLine = 0;
  let cur: RawSample | undefined;
  const handle = (text: string, pos: number, end: number) => {
    lineNo++;
    if (eofLine) throw new OpenMetricsError(file, lineNo, "text after # EOF");
    try {
      const k = cur ? cur.seriesKey.length : 0;
      if (cur && pos + k < end && text.charCodeAt(pos + k) === 32 && text.startsWith(cur.seriesKey, pos)) {
        readValueAndTime(text, pos + k + 1, end, cur);
      } else {
        const parsed = parseLine(text.slice(pos, end));
        if (parsed === "eof") eofLine = lineNo;
        if (parsed === "eof" || parsed === undefined) return;
        cur = parsed;
      }
    } catch (e) {
      throw new OpenMetricsError(file, lineNo, (e as Error).message);
    }
    let more: boolean | undefined;
    try {
      more = onSample(cur, lineNo);
    } catch (e) {
      if (e instanceof OpenMetricsError) throw e;
      throw new OpenMetricsError(file, lineNo, (e as Error).message);
    }
    if (more === false) throw new Stop();
  };
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const text = carry + decoder.write(chunk as Buffer);
      let pos = 0;
      for (let nl = text.indexOf("\n", pos); nl >= 0; nl = text.indexOf("\n", pos)) {
        handle(text, pos, nl);
        pos = nl + 1;
      }
      carry = text.slice(pos);
    }
  } catch (e) {
    if (e instanceof Stop) return;
    if (e instanceof OpenMetricsError) throw e;
    throw new Error(`cannot read OpenMetrics file ${file}: ${(e as Error).message}`);
  } finally {
    stream.destroy();
  }
  carry += decoder.end();
  if (carry !== "") {
    try {
      handle(carry, 0, carry.length);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }
  if (!eofLine) throw new OpenMetricsError(file, lineNo, "the file does not end with # EOF");
}
