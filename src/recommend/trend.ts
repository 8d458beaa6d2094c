// Is the usage stationary? From the per-day statistics (src/metrics/daily.ts): sustained growth
// or decline (a least-squares line through one figure a day, trusted only when it fits well),
// and a step change (the level moved once and stayed). Sizing projects growth to the horizon
// the recommendation must last; confidence falls for either.

import { type DayStats, meanCpu } from "../metrics/daily.js";

export interface TrendSettings {
  /** Fewest complete days before a line is fitted. Default 5 (fewer cannot tell growth from a busy week). */
  minDays: number;
  /** Smallest R^2 of the fitted line for the trend to count. Default 0.8: a sawtooth or a weekly pattern fits badly and is left to the peak. */
  minR2: number;
  /** Growth over the horizon, as a share of today's level, below which the trend does not lower confidence (it is still projected). Default 0.05. */
  minShare: number;
  /** A day counts as complete with at least this share of the median day's samples. Default 0.5 (drops the cut first and last days). */
  completeDay: number;
  /** Relative move of the level between two halves, each flat, that counts as a step change. Default 0.3. */
  stepShare: number;
}

export const DEFAULT_TREND_SETTINGS: TrendSettings = {
  minDays: 5,
  minR2: 0.8,
  minShare: 0.05,
  completeDay: 0.5,
  stepShare: 0.3,
};

export interface Trend {
  /** Units of the figure per day (bytes/day for memory, millicores/day for CPU); > 0 is growth. */
  slopePerDay: number;
  r2: number;
  /** The fitted level on the last complete day. */
  level: number;
  days: number;
  /** slopePerDay x horizon / level: the share the figure moves until the next recommendation can land. */
  shareOverHorizon: number;
  /** |shareOverHorizon| >= minShare: enough to count against confidence. */
  significant: boolean;
}

export interface StepChange {
  /** Index (into the complete days) of the first day at the new level. */
  at: number;
  before: number;
  after: number;
}

export type DailyFigure = "memoryMax" | "cpuMean";

function figure(d: DayStats, which: DailyFigure): number | undefined {
  if (which === "cpuMean") return meanCpu(d);
  return d.memoryCount > 0 ? d.memoryMax : undefined;
}

/** The figure on each complete day, in day order (partial first/last days are dropped). */
export function completeDays(daily: readonly DayStats[], which: DailyFigure, s: TrendSettings): number[] {
  const counts = daily.map((d) => (which === "cpuMean" ? d.cpuCount : d.memoryCount));
  const sorted = [...counts].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1] ?? 0;
  const out: number[] = [];
  daily.forEach((d, i) => {
    const v = figure(d, which);
    if (v !== undefined && (counts[i] as number) >= median * s.completeDay) out.push(v);
  });
  return out;
}

/** Least squares through (i, values[i]). */
export function fitLine(values: readonly number[]): { slope: number; intercept: number; r2: number } {
  const n = values.length;
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  values.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  const slope = sxx > 0 ? sxy / sxx : 0;
  const r2 = syy > 0 && sxx > 0 ? (sxy * sxy) / (sxx * syy) : 0;
  return { slope, intercept: my - slope * mx, r2 };
}

/** A trend that fits well (R^2 >= minR2) over at least minDays complete days; else undefined. */
export function detectTrend(
  daily: readonly DayStats[] | undefined,
  which: DailyFigure,
  horizonDays: number,
  s: TrendSettings,
): Trend | undefined {
  if (!daily) return undefined;
  const values = completeDays(daily, which, s);
  if (values.length < s.minDays) return undefined;
  const { slope, intercept, r2 } = fitLine(values);
  const level = intercept + slope * (values.length - 1);
  if (r2 < s.minR2 || level <= 0) return undefined;
  const shareOverHorizon = (slope * horizonDays) / level;
  const significant = Math.abs(shareOverHorizon) >= s.minShare;
  return { slopePerDay: slope, r2, level, days: values.length, shareOverHorizon, significant };
}

/**
 * The split into two flat stretches (each at least two days) whose levels differ most, when
 * they differ by stepShare or more and each stretch varies less than half the step. A steady
 * trend is not a step: detectTrend is asked first.
 */
export function detectStep(
  daily: readonly DayStats[] | undefined,
  which: DailyFigure,
  s: TrendSettings,
): StepChange | undefined {
  if (!daily) return undefined;
  const v = completeDays(daily, which, s);
  if (v.length < s.minDays) return undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  let best: StepChange | undefined;
  for (let at = 2; at <= v.length - 2; at++) {
    const a = v.slice(0, at);
    const b = v.slice(at);
    const before = mean(a);
    const after = mean(b);
    const jump = Math.abs(after - before);
    if (jump < s.stepShare * Math.max(before, after)) continue;
    if (spread(a) > jump / 2 || spread(b) > jump / 2) continue;
    if (!best || jump > Math.abs(best.after - best.before)) best = { at, before, after };
  }
  return best;
}
