// The grid points of a few hours of CPU and memory series, kept to feed accumulators later
// exactly as a read of their range would: the incremental source reads the points that will
// leave its window over the next hours once, then takes each pass's departing points from here
// instead of asking Prometheus for them again (incremental.ts).

import type { PointSink, SeriesSink, UsageAccumulator } from "./accumulator.js";
import type { Grid } from "./grid.js";
import { OwnerIndex } from "./ownership.js";

interface Recorded {
  metric: "cpu" | "memory";
  namespace: string;
  pod: string;
  container: string;
  /** Value at each point of the recorder's grid; NaN is a value too (a stale marker). */
  values: Float64Array;
  /** 1 where the source emitted a point. */
  seen: Uint8Array;
}

const NO_POINTS: SeriesSink = { point() {} };

export class PointRecorder implements PointSink {
  /** Filled by the read and not used: accumulators fed from here share another's owner index. */
  readonly owners = new OwnerIndex();
  readonly eventGrid: Grid;
  private readonly series: Recorded[] = [];

  constructor(
    readonly namespaces: ReadonlySet<string>,
    readonly grid: Grid,
  ) {
    this.eventGrid = { start: grid.start, step: grid.step, count: 0 };
  }

  /** Global grid indices (unix time / step) of the first and last point held. */
  get first(): number {
    return this.grid.start / this.grid.step;
  }

  get last(): number {
    return this.first + this.grid.count - 1;
  }

  /** Whether it holds every point of these namespaces from global index `from` to `to` at this step. */
  covers(namespaces: Iterable<string>, step: number, from: number, to: number): boolean {
    if (step !== this.grid.step || from < this.first || to > this.last) return false;
    for (const ns of namespaces) if (!this.namespaces.has(ns)) return false;
    return true;
  }

  wants(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  cpuSeries(namespace: string, pod: string, container: string): SeriesSink {
    return this.record("cpu", namespace, pod, container);
  }

  memorySeries(namespace: string, pod: string, container: string): SeriesSink {
    return this.record("memory", namespace, pod, container);
  }

  restartSeries(): SeriesSink {
    return NO_POINTS;
  }

  oomSeries(): SeriesSink {
    return NO_POINTS;
  }

  addHpa(): void {}

  setHpaReplicas(): void {}

  /**
   * Feeds acc (same step, its grid inside this one) the points of its grid that a read of its
   * range would feed it, series by series; a series without a point there is not mentioned.
   */
  replay(acc: UsageAccumulator): void {
    const g = acc.grid;
    const offset = (g.start - this.grid.start) / g.step;
    if (g.step !== this.grid.step || offset < 0 || offset + g.count > this.grid.count)
      throw new Error("replay: the accumulator's grid is not inside the recorded one");
    for (const s of this.series) {
      if (!acc.wants(s.namespace)) continue;
      let sink: SeriesSink | undefined;
      for (let i = 0; i < g.count; i++) {
        if (s.seen[i + offset] !== 1) continue;
        sink ??=
          s.metric === "cpu"
            ? acc.cpuSeries(s.namespace, s.pod, s.container)
            : acc.memorySeries(s.namespace, s.pod, s.container);
        sink.point(i, s.values[i + offset] as number);
      }
    }
  }

  private record(metric: "cpu" | "memory", namespace: string, pod: string, container: string): SeriesSink {
    const values = new Float64Array(this.grid.count);
    const seen = new Uint8Array(this.grid.count);
    this.series.push({ metric, namespace, pod, container, values, seen });
    return {
      point(i, v) {
        values[i] = v;
        seen[i] = 1;
      },
    };
  }
}
