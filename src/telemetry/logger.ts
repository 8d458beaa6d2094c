// One JSON object per line on stderr, the format log collectors in a cluster parse without
// configuration. Tests pass a silent logger or collect lines.

import { redactText } from "./redact.js";

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  level: Level = "info",
  base: Record<string, unknown> = {},
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const log =
    (l: Level) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[l] < ORDER[level]) return;
      const err = fields.err instanceof Error ? { err: fields.err.message } : {};
      // Whatever a message or field carries, no URL leaves the process with its credentials.
      const line = JSON.stringify({
        time: new Date().toISOString(),
        level: l,
        msg,
        ...base,
        ...fields,
        ...err,
      });
      write(`${redactText(line)}\n`);
    };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

export const silentLogger: Logger = createLogger("error", {}, () => {});
