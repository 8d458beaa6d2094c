// Test plumbing: load a testdata folder as the {path, content} list the module takes, and
// compare files line by line.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { RepoFile } from "../../src/manifests/index.js";

export const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));
export const REAL_WORLD = join(TESTDATA, "real-world/microservices-demo");

/** Every file below `dir`, with paths relative to it ("/"-separated). */
export function loadTree(dir: string, prefix = ""): RepoFile[] {
  const out: RepoFile[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else
        out.push({
          path: prefix + relative(dir, full).split("\\").join("/"),
          content: readFileSync(full, "utf8"),
        });
    }
  };
  walk(dir);
  return out;
}

/** 1-based numbers of the lines that differ; the texts must have the same number of lines. */
export function changedLines(before: string, after: string): number[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length !== b.length) throw new Error(`line count changed from ${a.length} to ${b.length}`);
  return a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]));
}

/** A minimal line diff: lines removed ("-") and added ("+"), in order, for readable assertions. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return [...a.slice(start, endA).map((l) => `-${l}`), ...b.slice(start, endB).map((l) => `+${l}`)];
}
