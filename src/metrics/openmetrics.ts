// A streaming reader for OpenMetrics text as `promtool tsdb create-blocks-from openmetrics`
// takes it: one sample per line with a timestamp in seconds, `# EOF` last. Lines are read
// chunk by chunk, so memory does not grow with the file; errors name the file and line.

import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Labels } from "./series.js";

export class OpenMetricsError extends Error {
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
 * Throws a plain Error with the reason; the caller adds file and line. When the line continues
 * the series of `prev` (the usual case: a series' samples are written together), only the value
 * and timestamp are parsed.
 */
export function parseLine(line: string, prev?: RawSample): RawSample | "eof" | undefined {
  if (line.charCodeAt(0) === 35 /* # */) {
    if (line === "# EOF") return "eof";
    return undefined;
  }
  if (prev && line.charCodeAt(prev.seriesKey.length) === 32 && line.startsWith(prev.seriesKey)) {
    return {
      ...valueAndTime(line, prev.seriesKey.length + 1),
      name: prev.name,
      seriesKey: prev.seriesKey,
      labelText: prev.labelText,
    };
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
  return { ...valueAndTime(line, rest + 1), name, seriesKey: line.slice(0, rest), labelText };
}

function valueAndTime(line: string, from: number): { value: number; timestamp: number } {
  const space = line.indexOf(" ", from);
  if (space < 0 || space === line.length - 1)
    throw new Error("sample has no timestamp (the file source needs one)");
  if (line.indexOf(" ", space + 1) >= 0) {
    throw new Error("unexpected text after the timestamp (exemplars are not supported)");
  }
  const value = parseValue(line.slice(from, space));
  const ts = line.slice(space + 1);
  const timestamp = Number(ts);
  if (!Number.isFinite(timestamp)) throw new Error(`invalid timestamp ${JSON.stringify(ts)}`);
  if (timestamp > MAX_SECONDS) {
    throw new Error(`timestamp ${ts} looks like milliseconds; OpenMetrics timestamps are seconds`);
  }
  return { value, timestamp };
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
 * returning false stops early. Checks the framing (`# EOF` last, nothing after it) and wraps
 * every error with file:line.
 */
export async function readOpenMetrics(
  file: string,
  onSample: (s: RawSample, line: number) => boolean | undefined,
): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let lineNo = 0;
  let eofLine = 0;
  let prev: RawSample | undefined;
  const handle = (line: string) => {
    lineNo++;
    if (eofLine) throw new OpenMetricsError(file, lineNo, "text after # EOF");
    let parsed: RawSample | "eof" | undefined;
    try {
      parsed = parseLine(line, prev);
    } catch (e) {
      throw new OpenMetricsError(file, lineNo, (e as Error).message);
    }
    if (parsed === "eof") eofLine = lineNo;
    else if (parsed) {
      prev = parsed;
      let more: boolean | undefined;
      try {
        more = onSample(parsed, lineNo);
      } catch (e) {
        if (e instanceof OpenMetricsError) throw e;
        throw new OpenMetricsError(file, lineNo, (e as Error).message);
      }
      if (more === false) throw new Stop();
    }
  };
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const text = carry + decoder.write(chunk as Buffer);
      let pos = 0;
      for (let nl = text.indexOf("\n", pos); nl >= 0; nl = text.indexOf("\n", pos)) {
        handle(text.slice(pos, nl));
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
  if (carry !== "") handle(carry);
  if (!eofLine) throw new OpenMetricsError(file, lineNo, "the file does not end with # EOF");
}
