// When an OpenMetrics file is evaluated: a file is a recording, so without --now a pass is
// evaluated as of its last sample (said on stderr), not as of today, when a week-old export would
// hold nothing in any window. When usage is still missing, the hint names the window, the file's
// time range and --now.

import { parseWindow } from "../api/duration.js";
import type { CostOptimization } from "../api/types.js";
import { readOpenMetrics } from "../metrics/openmetrics.js";
import type { Recommendation } from "../recommend/types.js";

export interface FileTimeRange {
  path: string;
  /** Unix seconds of the first and last sample. */
  first: number;
  last: number;
}

const isFile = (metrics: string) => !/^https?:\/\//i.test(metrics) && metrics.trim() !== "";
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The file's first and last sample times; undefined for a Prometheus URL or a file without samples. */
export async function metricsFileRange(metrics: string): Promise<FileTimeRange | undefined> {
  if (!isFile(metrics)) return undefined;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  await readOpenMetrics(metrics, (s) => {
    if (s.timestamp < first) first = s.timestamp;
    if (s.timestamp > last) last = s.timestamp;
    return undefined;
  });
  return Number.isFinite(first) ? { path: metrics, first, last } : undefined;
}

/**
 * The instant to evaluate at: --now when given; else the file's last sample (with a note saying
 * so); else the clock.
 */
export function evaluationInstant(
  now: string | undefined,
  range: FileTimeRange | undefined,
  clock: () => Date,
  note: (line: string) => void,
): Date {
  if (now) {
    const at = new Date(now);
    if (Number.isNaN(at.getTime())) throw new Error(`--now: ${now} is not a date`);
    return at;
  }
  if (!range) return clock();
  note(
    `evaluating as of ${iso(range.last)}, the last sample in ${range.path} (pass --now to choose another time)`,
  );
  return new Date(range.last * 1000);
}

/** Why a policy found no usage, for a file source: the window asked for, what the file holds, and --now. */
export function missingUsageHint(
  policy: string,
  windowSeconds: number,
  at: Date,
  range: FileTimeRange | undefined,
): string | undefined {
  if (!range) return undefined;
  const end = Math.floor(at.getTime() / 1000);
  return `${policy}: no usage in the window ${iso(end - windowSeconds)} .. ${iso(end)}; ${range.path} holds samples from ${iso(range.first)} to ${iso(range.last)} (pass --now with a time in that range, or check the workload's namespace and name in the file)`;
}

const NO_USAGE = "no usage for this workload in the window";

/** A hint per policy (zipped with its recommendation) that found no usage at all in a file. */
export function missingUsageHints(
  policies: readonly CostOptimization[],
  recommendations: readonly (Recommendation | undefined)[],
  at: Date,
  range: FileTimeRange | undefined,
): string[] {
  return policies.flatMap((p, i) => {
    const rec = recommendations[i];
    const seconds = parseWindow(p.spec.metricsWindow);
    if (!rec?.notEnoughData || !seconds || !rec.decision.reasons.some((r) => r.includes(NO_USAGE))) return [];
    const hint = missingUsageHint(
      `${p.metadata.namespace ?? "default"}/${p.metadata.name}`,
      seconds,
      at,
      range,
    );
    return hint ? [hint] : [];
  });
}
