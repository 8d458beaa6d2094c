// Reading the hourly profile (168 buckets by hour of week, 0 = Sunday 00:00 UTC).

import type { HourlyProfile } from "../metrics/types.js";

export const HOURS_PER_WEEK = 168;

export function present(values: (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
}

/** The busiest hour's mean total CPU, millicores; undefined without data. */
export function peakCpu(profile: HourlyProfile): number | undefined {
  const v = present(profile.cpu);
  return v.length ? Math.max(...v) : undefined;
}

/** The quietest hour's mean total CPU, millicores; undefined without data. */
export function troughCpu(profile: HourlyProfile): number | undefined {
  const v = present(profile.cpu);
  return v.length ? Math.min(...v) : undefined;
}

export function meanReplicas(profile: HourlyProfile): number | undefined {
  const v = present(profile.replicas);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
}

export interface DailyStability {
  /** Weekdays with data that were compared. */
  days: number;
  /** Mean over hours of the day of the coefficient of variation across those days. */
  meanCv: number;
}

/**
 * How much the same hour differs from one weekday to the next. Only Monday..Friday are
 * compared: a quiet weekend is a pattern, not instability, and should not lower confidence.
 * Undefined with fewer than two weekdays of data.
 */
export function dailyStability(profile: HourlyProfile): DailyStability | undefined {
  const daysWithData = new Set<number>();
  let cvSum = 0;
  let hours = 0;
  for (let hour = 0; hour < 24; hour++) {
    const values: number[] = [];
    for (let day = 1; day <= 5; day++) {
      const v = profile.cpu[day * 24 + hour];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      values.push(v);
      daysWithData.add(day);
    }
    if (values.length < 2) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    if (mean <= 0) continue;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    cvSum += Math.sqrt(variance) / mean;
    hours++;
  }
  if (daysWithData.size < 2 || hours === 0) return undefined;
  return { days: daysWithData.size, meanCv: cvSum / hours };
}
