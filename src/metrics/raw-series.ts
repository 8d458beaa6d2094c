// Raw samples of one series -> the accumulator: the part the file source and the Prometheus
// source's remote-read path share, so both see exactly the same grid points.

import type { PointSink } from "./accumulator.js";
import { type Grid, Resampler } from "./grid.js";
import * as S from "./series.js";

export interface Handler {
  /** Time of the last sample pushed, to reject samples out of order. */
  lastT: number;
  push(t: number, v: number): void;
  end(): void;
}

export const ignored: Handler = { lastT: Number.NEGATIVE_INFINITY, push() {}, end() {} };

export function resampled(grid: Grid, emit: (i: number, v: number) => void): Handler {
  const r = new Resampler(grid, emit);
  return { lastT: Number.NEGATIVE_INFINITY, push: (t, v) => r.push(t, v), end: () => r.end() };
}

/** The handler for a container-level series (CPU, memory, restarts, OOM reason), or ignored. */
export function containerSeries(acc: PointSink, name: string, l: S.Labels): Handler {
  const ns = l.namespace ?? "";
  if (!acc.wants(ns)) return ignored;
  const pod = l.pod ?? "";
  const c = l.container ?? "";
  switch (name) {
    case S.CPU:
      return S.isContainerSeries(l) ? resampled(acc.grid, acc.cpuSeries(ns, pod, c).point) : ignored;
    case S.MEMORY:
      return S.isContainerSeries(l) ? resampled(acc.grid, acc.memorySeries(ns, pod, c).point) : ignored;
    case S.RESTARTS:
      return resampled(acc.eventGrid, acc.restartSeries(ns, pod, c).point);
    case S.TERMINATED:
      return l.reason === "OOMKilled" ? resampled(acc.eventGrid, acc.oomSeries(ns, pod, c).point) : ignored;
    default:
      return ignored;
  }
}
