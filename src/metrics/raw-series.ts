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

/** A class, not closures: there is one per series read. */
class Resampled implements Handler {
  lastT = Number.NEGATIVE_INFINITY;
  private readonly r: Resampler;

  constructor(grid: Grid, emit: (i: number, v: number) => void) {
    this.r = new Resampler(grid, emit);
  }

  push(t: number, v: number): void {
    this.r.push(t, v);
  }

  end(): void {
    this.r.end();
  }
}

export function resampled(grid: Grid, emit: (i: number, v: number) => void): Handler {
  return new Resampled(grid, emit);
}

/**
 * Passes a series' samples to its handler, dropping any not after the last one passed (remote
 * read may return overlapping chunks). One for a whole read, pointed at each series in turn,
 * rather than a closure per chunk.
 */
export class InOrder {
  handler: Handler = ignored;

  push(t: number, v: number): void {
    const h = this.handler;
    if (t > h.lastT) {
      h.lastT = t;
      h.push(t, v);
    }
  }
}

/** The labels containerSeries reads (with S.isContainerSeries): a caller may decode only these. */
export const CONTAINER_LABELS = ["__name__", "namespace", "pod", "container", "reason"] as const;

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
