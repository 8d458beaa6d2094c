// The evaluation grid both sources share. Prometheus evaluates a range query at
// start, start+step, ..., and an instant selector there answers the newest sample no older than
// the lookback delta; the file source resamples raw samples onto the same grid with the same
// rule, so everything downstream (rates, percentiles, profile) sees identical numbers.

import type { TimeWindow } from "./types.js";

/** Prometheus refuses range queries with more than 11,000 points per series. */
export const MAX_POINTS = 11_000;
/** Prometheus's default lookback delta (--query.lookback-delta). */
export const LOOKBACK_SECONDS = 300;
/** CPU statistics are of the rate over this span. */
export const RATE_SECONDS = 300;
/** Restart counters and termination reasons change rarely; an hourly grid finds every restart. */
export const EVENT_STEP_SECONDS = 3600;

export interface Grid {
  /** Time of point 0, Unix seconds, a multiple of step. */
  start: number;
  step: number;
  /** Number of points; point i is at start + i * step. */
  count: number;
}

/** The data's resolution or coarser, a multiple of it, such that the window fits MAX_POINTS. */
export function chooseStep(window: TimeWindow, resolutionSeconds: number, minStep = 0): number {
  const res = Math.max(1, Math.round(resolutionSeconds));
  const needed = Math.max(res, minStep, Math.ceil((window.end - window.start) / (MAX_POINTS - 1)));
  return Math.ceil(needed / res) * res;
}

export function makeGrid(window: TimeWindow, step: number): Grid {
  if (!(window.end > window.start)) throw new Error(`empty time window ${window.start}..${window.end}`);
  const start = Math.ceil(window.start / step) * step;
  const end = Math.floor(window.end / step) * step;
  return { start, step, count: end >= start ? (end - start) / step + 1 : 0 };
}

export function gridTime(g: Grid, i: number): number {
  return g.start + i * g.step;
}

export function gridEnd(g: Grid): number {
  return g.start + (g.count - 1) * g.step;
}

/** Hour of week, 0 = Sunday 00:00-01:00 UTC (1970-01-01 was a Thursday). */
export function hourOfWeek(t: number): number {
  const day = Math.floor(t / 86_400);
  return ((day + 4) % 7) * 24 + Math.floor((t - day * 86_400) / 3600);
}

/**
 * Turns one series' raw samples (pushed in time order) into grid points, as an instant
 * selector in a Prometheus range query would see them: at grid time g the newest sample with
 * g - LOOKBACK <= t <= g (Prometheus 2.x includes both ends).
 */
export class Resampler {
  private next = 0;
  private lastT = Number.NaN;
  private lastV = Number.NaN;

  constructor(
    private readonly grid: Grid,
    private readonly emit: (i: number, v: number) => void,
  ) {}

  push(t: number, v: number): void {
    this.flushBefore(t);
    this.lastT = t;
    this.lastV = v;
  }

  /** Emits the points the last sample still covers; call once after the series' last sample. */
  end(): void {
    this.flushBefore(Number.POSITIVE_INFINITY);
  }

  /** Emits every grid point strictly before t that the current last sample covers. */
  private flushBefore(t: number): void {
    const g = this.grid;
    if (Number.isNaN(this.lastT)) {
      this.next = Math.max(this.next, Math.ceil((Math.min(t, gridEnd(g) + g.step) - g.start) / g.step));
      return;
    }
    // Grid points older than the last sample's reach get nothing.
    const first = Math.ceil((this.lastT - g.start) / g.step);
    if (first > this.next) this.next = first;
    const reach = this.lastT + LOOKBACK_SECONDS;
    while (this.next < g.count) {
      const gt = g.start + this.next * g.step;
      if (gt >= t || gt > reach) break;
      this.emit(this.next, this.lastV);
      this.next++;
    }
    if (t !== Number.POSITIVE_INFINITY) {
      // Points between the reach and t have no sample; skip them.
      const upTo = Math.ceil((t - g.start) / g.step);
      if (upTo > this.next && g.start + this.next * g.step > reach) this.next = upTo;
    }
  }
}
