// Small hand-written OpenMetrics files for tests: each series' samples at a fixed interval.

import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Monday 2026-01-05 00:00 UTC. */
export const T0 = 1767571200;

/** Sample lines of one series: value i at t0 + i * step; null skips a sample. */
export function series(
  selector: string,
  t0: number,
  step: number,
  values: (number | string | null)[],
): string[] {
  return values.flatMap((v, i) => (v === null ? [] : [`${selector} ${v} ${t0 + i * step}`]));
}

/** A counter growing by perStep each step, n samples. */
export function counter(perStep: number, n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + perStep * i);
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "costopt-metrics-"));
}

/** Writes the lines plus `# EOF` to a new file and returns its path. */
export async function omFile(lines: string[], name = "data.om", dir?: string): Promise<string> {
  const path = join(dir ?? (await tempDir()), name);
  await writeFile(path, `${[...lines, "# EOF"].join("\n")}\n`);
  return path;
}
