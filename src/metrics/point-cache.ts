// The grid points of CPU and memory series over a short range, kept to make the statistics of
// points in it, exactly as an accumulator fed a read of the range would, without an
// accumulator's per-pod records (a steady pass would make them for thousands of series). The
// incremental source (incremental.ts) records the points that will leave its window over the
// next hours once and takes each pass's departing points from them; and records each pass's new
// points the same way. The definitions are accumulator.ts's; the test that compares incremental
// passes with full reads holds the two to the same answers.

import {
  cpuHash,
  type IndexRange,
  increase,
  memoryHash,
  nameMatchNote,
  type PointSink,
  rateSpanOf,
  type SeriesSink,
} from "./accumulator.js";
import { dayOf } from "./daily.js";
import { type Grid, hourOfWeek } from "./grid.js";
import { byNamespace, type OwnerIndex } from "./ownership.js";
import { Sketch } from "./sketch.js";
import { type WorkloadRef, workloadKey } from "./types.js";
import {
  type ContainerPart,
  coverHours,
  emptyHours,
  emptyProfile,
  extendRuns,
  HOUR_SECONDS,
  HOURS_PER_WEEK,
  type Parts,
  type ProfileSums,
  type WorkloadPart,
  zeros,
} from "./window-part.js";

/** Which points count, into main and tail statistics (global grid indices, inclusive). */
export interface PointRanges {
  /** All points read for them: a series with none here is not mentioned. */
  first: number;
  last: number;
  cpu: IndexRange;
  memory: IndexRange;
  cpuTail: IndexRange;
  memoryTail: IndexRange;
}

/** A series' CPU rates (or working sets) by the recorder's grid index; NaN where there is none. */
interface PodSeries {
  metric: "cpu" | "memory";
  namespace: string;
  pod: string;
  container: string;
  seen: Uint8Array;
  values: Float64Array;
}

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
  readonly eventGrid: Grid;
  /** As recorded; given up once prepared (the CPU rates hold what is needed of them). */
  private series: Recorded[] = [];
  private prepared?: PodSeries[];

  constructor(
    readonly namespaces: ReadonlySet<string>,
    readonly grid: Grid,
    /** Where the read puts the owner series of these points: the accumulator's of the same pass. */
    readonly owners: OwnerIndex,
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
   * What collect("main") and collect("tail") of a UsageAccumulator over the grid
   * range.first..range.last (global indices) with these slices would answer: `main` counts CPU
   * rates at cpu[0]..cpu[1] and memory at memory[0]..memory[1], `tail` those at the tail ranges.
   * Pods are resolved with the recorder's owner index among `workloads`. No events or HPAs: the
   * recorder has none.
   */
  parts(workloads: readonly WorkloadRef[], range: PointRanges): { main: Parts; tail: Parts } {
    const main: Parts = new Map();
    const tail: Parts = new Map();
    const owners = this.owners;
    for (const [key, w] of this.byWorkload(workloads, range)) {
      const containers = new Map<string, PodSeries[]>();
      for (const s of w.series) {
        const list = containers.get(s.container) ?? [];
        list.push(s);
        containers.set(s.container, list);
      }
      const parts = [
        { into: main, cpu: range.cpu, memory: range.memory },
        { into: tail, cpu: range.cpuTail, memory: range.memoryTail },
      ];
      for (const { into, cpu, memory } of parts) {
        const part: WorkloadPart = {
          workload: w.workload,
          ownership: w.byName ? "name-pattern" : "owner-series",
          profile: this.profile(w.series, cpu),
          containers: new Map(),
        };
        if (w.byName) part.notes = [nameMatchNote(owners, w.workload.namespace)];
        for (const [name, list] of containers) part.containers.set(name, this.container(list, cpu, memory));
        into.set(key, part);
      }
    }
    return { main, tail };
  }

  /** The series with a point in the range, by the workload their pod belongs to. */
  private byWorkload(
    workloads: readonly WorkloadRef[],
    range: PointRanges,
  ): Map<string, { workload: WorkloadRef; byName: boolean; series: PodSeries[] }> {
    const candidates = byNamespace(workloads);
    const resolve = this.owners.resolver(candidates);
    const out = new Map<string, { workload: WorkloadRef; byName: boolean; series: PodSeries[] }>();
    const from = range.first - this.first;
    const to = range.last - this.first;
    for (const s of this.podSeries()) {
      if (!candidates.has(s.namespace)) continue;
      let seen = false;
      for (let k = from; k <= to && !seen; k++) seen = s.seen[k] === 1;
      if (!seen) continue;
      const r = resolve(s.namespace, s.pod);
      if (!r) continue;
      const key = workloadKey(r.workload);
      let w = out.get(key);
      if (!w) {
        w = { workload: r.workload, byName: false, series: [] };
        out.set(key, w);
      }
      if (r.via === "name-pattern") w.byName = true;
      w.series.push(s);
    }
    return out;
  }

  /** The series with their CPU rates worked out once (as the accumulator works them out). */
  private podSeries(): PodSeries[] {
    if (this.prepared) return this.prepared;
    const g = this.grid;
    const m = rateSpanOf(g.step);
    const seconds = m * g.step;
    this.prepared = this.series.map((s) => {
      const values = new Float64Array(g.count).fill(Number.NaN);
      for (let k = 0; k < g.count; k++) {
        if (s.seen[k] !== 1) continue;
        const v = s.values[k] as number;
        if (!Number.isFinite(v)) continue;
        if (s.metric === "memory") {
          values[k] = v;
          continue;
        }
        if (k < m) continue;
        let inc = 0;
        let complete = true;
        for (let j = k - m + 1; j <= k && complete; j++) {
          const va = s.values[j] as number;
          const vb = s.values[j - 1] as number;
          complete = s.seen[j] === 1 && s.seen[j - 1] === 1 && Number.isFinite(va) && Number.isFinite(vb);
          if (complete) inc += increase(va, vb);
        }
        if (complete) values[k] = (inc / seconds) * 1000;
      }
      return {
        metric: s.metric,
        namespace: s.namespace,
        pod: s.pod,
        container: s.container,
        seen: s.seen,
        values,
      };
    });
    this.series = [];
    return this.prepared;
  }

  /** The hour-of-week profile of a workload's CPU rates at global indices cpu[0]..cpu[1]. */
  private profile(series: PodSeries[], cpu: IndexRange): ProfileSums {
    const step = this.grid.step;
    const n = Math.max(0, cpu[1] - cpu[0] + 1);
    const firstHour = Math.floor((cpu[0] * step) / HOUR_SECONDS);
    const hours = n > 0 ? Math.floor((cpu[1] * step) / HOUR_SECONDS) - firstHour + 1 : 0;
    const profile = emptyProfile(hourOfWeek(firstHour * HOUR_SECONDS), Math.min(hours, HOURS_PER_WEEK));
    const slot = (g: number) => (Math.floor((g * step) / HOUR_SECONDS) - firstHour) % HOURS_PER_WEEK;
    // Per pod, the points at which any of its containers has a rate.
    const byPod = new Map<string, number[]>();
    for (const s of series) {
      if (s.metric !== "cpu") continue;
      let has = byPod.get(s.pod);
      if (!has) {
        has = zeros(n);
        byPod.set(s.pod, has);
      }
      for (let k = 0; k < n; k++) {
        const rate = s.values[cpu[0] + k - this.first] as number;
        if (Number.isNaN(rate)) continue;
        (profile.cpu[slot(cpu[0] + k)] as number) += rate;
        has[k] = 1;
      }
    }
    // A point counts once for the workload, with the number of its pods that have a rate there.
    for (let k = 0; k < n; k++) {
      let pods = 0;
      for (const has of byPod.values()) pods += has[k] as number;
      if (pods === 0) continue;
      const h = slot(cpu[0] + k);
      (profile.points[h] as number)++;
      (profile.pods[h] as number) += pods;
    }
    return profile;
  }

  /** One container's statistics over the ranges (global indices), from all its pods' series. */
  private container(series: PodSeries[], cpu: IndexRange, memory: IndexRange): ContainerPart {
    const step = this.grid.step;
    const part: ContainerPart = {
      cpu: new Sketch(),
      memory: new Sketch(),
      hours: emptyHours(0),
      daySums: new Map(),
      runs: [],
      events: new Map(),
    };
    const t = part.hours;
    // The points at which some pod has a CPU rate, from cpu[0] on.
    const covered = zeros(Math.max(0, cpu[1] - cpu[0] + 1));
    for (const s of series) {
      const cpuSeries = s.metric === "cpu";
      const [from, to] = cpuSeries ? cpu : memory;
      for (let g = from; g <= to; g++) {
        const v = s.values[g - this.first] as number;
        if (Number.isNaN(v)) continue;
        const hour = Math.floor((g * step) / HOUR_SECONDS);
        coverHours(t, hour, hour);
        const j = hour - t.first;
        if (cpuSeries) {
          part.cpu.add(v);
          (t.cpuCount[j] as number)++;
          if (v > (t.cpuMax[j] as number)) t.cpuMax[j] = v;
          t.hash[j] = ((t.hash[j] as number) + cpuHash(v)) & 0xffff;
          const day = dayOf(g * step);
          part.daySums.set(day, (part.daySums.get(day) ?? 0) + v);
          covered[g - cpu[0]] = 1;
        } else {
          part.memory.add(v);
          (t.memoryCount[j] as number)++;
          if (v > (t.memoryMax[j] as number)) t.memoryMax[j] = v;
          t.hash[j] = ((t.hash[j] as number) + memoryHash(v)) & 0xffff;
        }
      }
    }
    for (let k = 0; k < covered.length; k++) if (covered[k] === 1) extendRuns(part.runs, cpu[0] + k);
    return part;
  }

  private record(metric: "cpu" | "memory", namespace: string, pod: string, container: string): SeriesSink {
    if (this.prepared) throw new Error("points recorded after their statistics were made");
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
