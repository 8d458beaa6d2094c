// Periodic peaks: hours of the day at which the workload is much busier than usual on most
// days (a nightly batch, a morning report). Read from the hourly profile (168 hours of the
// week, UTC). A peak the request does not cover is throttled every day, however good the
// percentile looks: it is named in the notes and weighs on confidence and risk.

import type { HourlyProfile } from "../metrics/types.js";

export interface PeakSettings {
  /** An hour is a peak hour on a day when its total CPU is at least this multiple of the median hour. Default 2. */
  ratio: number;
  /** ...on at least this share of the days with data at that hour. Default 0.7 (a daily job may skip weekends). */
  dayShare: number;
  /** Longest peak, hours. Default 6: longer busy stretches are a working day (diurnal load), not a job. */
  maxHours: number;
}

export const DEFAULT_PEAK_SETTINGS: PeakSettings = { ratio: 2, dayShare: 0.7, maxHours: 6 };

export interface PeriodicPeak {
  /** UTC hour of day the peak starts, and how many hours it lasts. */
  startHour: number;
  hours: number;
  /** Mean total CPU in the peak hours on the days it happened, millicores. */
  totalCpu: number;
  /** The same per pod (divided by the pods running then). */
  perPodCpu: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? 0;
}

/** Daily peaks, in hour-of-day order; runs that wrap past midnight are joined. */
export function dailyPeaks(profile: HourlyProfile, s: PeakSettings): PeriodicPeak[] {
  const values = profile.cpu.filter((v): v is number => v !== null && Number.isFinite(v));
  const base = median(values);
  if (values.length === 0 || base <= 0) return [];
  const hourly: { peak: boolean; total: number; perPod: number }[] = [];
  for (let hour = 0; hour < 24; hour++) {
    let seen = 0;
    let high = 0;
    let total = 0;
    let perPod = 0;
    for (let day = 0; day < 7; day++) {
      const v = profile.cpu[day * 24 + hour];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      seen++;
      if (v < s.ratio * base) continue;
      high++;
      total += v;
      perPod += v / Math.max(1, profile.replicas[day * 24 + hour] ?? 1);
    }
    const peak = seen >= 2 && high / seen >= s.dayShare;
    hourly.push({ peak, total: high ? total / high : 0, perPod: high ? perPod / high : 0 });
  }
  // Every hour a peak is a flat (busy) load, not a peak.
  if (hourly.every((h) => h.peak) || !hourly.some((h) => h.peak)) return [];
  const first = hourly.findIndex((h) => !h.peak);
  const peaks: PeriodicPeak[] = [];
  let run: { start: number; totals: number[]; perPod: number[] } | undefined;
  for (let i = 1; i <= 24; i++) {
    const hour = (first + i) % 24;
    const h = hourly[hour] as (typeof hourly)[number];
    if (h.peak) {
      run ??= { start: hour, totals: [], perPod: [] };
      run.totals.push(h.total);
      run.perPod.push(h.perPod);
    } else if (run) {
      peaks.push({
        startHour: run.start,
        hours: run.totals.length,
        totalCpu: Math.max(...run.totals),
        perPodCpu: Math.max(...run.perPod),
      });
      run = undefined;
    }
  }
  return peaks.filter((k) => k.hours <= s.maxHours).sort((a, b) => a.startHour - b.startHour);
}

export function describePeak(p: PeriodicPeak): string {
  const hh = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  return `daily peak ${hh(p.startHour)}-${hh(p.startHour + p.hours)} UTC`;
}
