// The statistics, defined once for both sources. A source turns its data into grid points
// (see grid.ts) and feeds them, series by series, to the sinks handed out here; finish() pools
// them per workload and container. Definitions:
//
// - CPU: per pod and container, the rate of container_cpu_usage_seconds_total over the last
//   RATE_SECONDS (or one step when the step is coarser) at every grid point where the counter
//   has a finite value there and at every point in between; a counter that goes down restarted
//   from 0 (as Prometheus's rate() assumes). Rates of all pods of a container are pooled, and
//   p50..p99 are nearest-rank quantiles of the pool (sketch.ts), max is exact.
// - Memory: container_memory_working_set_bytes at every grid point, pooled the same way.
// - samples: the number of CPU rates; coverage: the share of grid points at which some pod of the
//   container has a CPU rate; first/last sample: the first and last such grid time.
// - restarts: increases of kube_pod_container_status_restarts_total between consecutive points
//   of an hourly grid (a decrease counts as a restart from 0); oomKills: those increases seen
//   while kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} is 1 — or, for a
//   container without a restart counter, the times that flag turns on inside the window.
// - daily: per UTC day, the sum, count and max of the CPU rates and the max of the working set
//   (daily.ts), pooled over the container's pods; kept per UTC hour (counts, maxima) and per day
//   (sums) in the parts (window-part.ts) so a sliding window can drop what leaves it.
// - profile: per hour of week, the mean over the grid points at which the workload had any CPU
//   rate of (total CPU rate of all its pods and containers) and (number of pods with a rate).
// Non-finite values (NaN, +-Inf) count as no data.

import { dayOf } from "./daily.js";
import { EVENT_STEP_SECONDS, type Grid, gridTime, hourOfWeek, RATE_SECONDS } from "./grid.js";
import { byNamespace, OwnerIndex } from "./ownership.js";
import { Sketch } from "./sketch.js";
import type { HpaInfo, TimeWindow, WorkloadRef, WorkloadUsage } from "./types.js";
import { workloadKey } from "./types.js";
import {
  type ContainerPart,
  coverHours,
  emptyHours,
  emptyProfile,
  extendRuns,
  HOUR_SECONDS,
  HOURS_PER_WEEK,
  type Parts,
  type PartView,
  toUsage,
  unionRuns,
  type WorkloadPart,
  zeros,
} from "./window-part.js";

export interface SeriesSink {
  /** Value at grid point i; points arrive in increasing i. */
  point(i: number, v: number): void;
}

/**
 * What a source feeds the grid points of its series into: the UsageAccumulator, or a recorder
 * that keeps them to feed an accumulator later (point-cache.ts).
 */
export interface PointSink {
  readonly grid: Grid;
  readonly eventGrid: Grid;
  readonly owners: OwnerIndex;
  wants(namespace: string): boolean;
  cpuSeries(namespace: string, pod: string, container: string): SeriesSink;
  memorySeries(namespace: string, pod: string, container: string): SeriesSink;
  restartSeries(namespace: string, pod: string, container: string): SeriesSink;
  oomSeries(namespace: string, pod: string, container: string): SeriesSink;
  addHpa(namespace: string, name: string, targetKind: string, targetName: string): void;
  setHpaReplicas(namespace: string, name: string, field: "minReplicas" | "maxReplicas", value: number): void;
}

/** Inclusive range of grid indices. */
export type IndexRange = readonly [number, number];

/**
 * Which grid points count, and into which of two sets of statistics: "main" and "tail". A full
 * read counts CPU rates from point RATE span on and everything else from point 0, all into main;
 * an incremental read counts a slice (the samples entering or leaving a window) and splits off
 * the newest points, whose late samples may still arrive, or the part of the hour the window now
 * starts in. Points outside both ranges only feed the rates of later points.
 */
export interface Slices {
  cpu: IndexRange;
  memory: IndexRange;
  /** On the event grid; an increase at point j needs j - 1, so j >= 1. */
  events: IndexRange;
  cpuTail?: IndexRange;
  memoryTail?: IndexRange;
  eventsTail?: IndexRange;
}

const NONE: IndexRange = [1, 0];
const NO_FLAGS: ReadonlySet<number> = new Set();
const within = (r: IndexRange, i: number) => i >= r[0] && i <= r[1];

/** The counters of one pod's container for one set of points (main or tail). */
class Stats {
  readonly cpu = new Sketch();
  readonly memory = new Sketch();
  // Per hour since the grid's first hour, as plain arrays: a steady-state pass makes thousands
  // of these with a few hours each, and a typed array costs several objects (and, over 64 bytes,
  // memory off the V8 heap) where a plain one costs two. The sums of the CPU rates (for the
  // hour-of-week profile):
  readonly hourCpu: number[];
  readonly cpuCount: number[];
  readonly cpuMax: number[];
  readonly memoryCount: number[];
  readonly memoryMax: number[];
  /** A checksum of the hour's values (valueHash, summed mod 2^16): shows a re-read saw the same data. */
  readonly hash: number[];
  /** Per day since the grid's first day: the sum of the CPU rates. */
  readonly daySums: number[];
  /** Grid index ranges [from, to] with a CPU rate, flattened. */
  readonly runs: number[] = [];

  constructor(hours: number, days: number) {
    this.hourCpu = zeros(hours);
    this.cpuCount = zeros(hours);
    this.cpuMax = zeros(hours);
    this.memoryCount = zeros(hours);
    this.memoryMax = zeros(hours);
    this.hash = zeros(hours);
    this.daySums = zeros(days);
  }
}

interface PodContainer {
  namespace: string;
  pod: string;
  container: string;
  /** Made on the first point counted (a record of restart counters alone needs none). */
  main?: Stats;
  tail?: Stats;
  restartIncreases: { i: number; inc: number }[];
  hasRestartCounter: boolean;
  oomFlagged: number[];
}

interface Group {
  workload: WorkloadRef;
  pods: Map<string, PodContainer[]>;
  via: Set<string>;
}

interface HpaRecord extends HpaInfo {
  namespace: string;
  targetKind: string;
  targetName: string;
}

export class UsageAccumulator implements PointSink {
  readonly owners = new OwnerIndex();
  readonly eventGrid: Grid;
  readonly slices: Slices;
  private readonly records = new Map<string, PodContainer>();
  private groups?: Map<string, Group>;
  private readonly hpas = new Map<string, HpaRecord>();
  private readonly byNamespace: Map<string, WorkloadRef[]>;
  private readonly rateSpan: number;
  /** Hour (since firstHour) and day (since firstDay) of each grid point. */
  private readonly hourIndex: Int32Array;
  private readonly dayIndex: Int32Array;
  private readonly firstHour: number;
  private readonly firstDay: number;

  constructor(
    workloads: readonly WorkloadRef[],
    readonly window: TimeWindow,
    readonly grid: Grid,
    options: { slices?: Partial<Slices>; eventStart?: number } = {},
  ) {
    this.byNamespace = byNamespace(workloads);
    // Align the hourly grid with the main one so both sources pick the same points.
    this.eventGrid = eventGridOf(grid, options.eventStart);
    this.rateSpan = rateSpanOf(grid.step);
    const last = grid.count - 1;
    const given = options.slices ?? {};
    this.slices = {
      cpu: given.cpu ?? [this.rateSpan, last],
      memory: given.memory ?? [0, last],
      events: given.events ?? [1, this.eventGrid.count - 1],
      cpuTail: given.cpuTail ?? NONE,
      memoryTail: given.memoryTail ?? NONE,
      eventsTail: given.eventsTail ?? NONE,
    };
    this.firstHour = Math.floor(grid.start / HOUR_SECONDS);
    this.firstDay = dayOf(grid.start);
    this.hourIndex = Int32Array.from(
      { length: grid.count },
      (_, i) => Math.floor(gridTime(grid, i) / HOUR_SECONDS) - this.firstHour,
    );
    this.dayIndex = Int32Array.from(
      { length: grid.count },
      (_, i) => dayOf(gridTime(grid, i)) - this.firstDay,
    );
  }

  get namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  wants(namespace: string): boolean {
    return this.byNamespace.has(namespace);
  }

  cpuSeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    const m = this.rateSpan;
    const seconds = m * this.grid.step;
    const values = new Array<number>(m + 1).fill(Number.NaN);
    const at = new Array<number>(m + 1).fill(-1);
    const { hourIndex, dayIndex } = this;
    const main = this.slices.cpu;
    const tail = this.slices.cpuTail ?? NONE;
    return {
      point: (i, v) => {
        const slot = i % (m + 1);
        values[slot] = v;
        at[slot] = i;
        if (!Number.isFinite(v) || i < m) return;
        const st = within(main, i) ? this.mainOf(rec) : within(tail, i) ? this.tailOf(rec) : undefined;
        if (!st) return;
        let inc = 0;
        for (let j = i - m + 1; j <= i; j++) {
          const a = j % (m + 1);
          const b = (j - 1) % (m + 1);
          if (at[a] !== j || at[b] !== j - 1) return;
          const va = values[a] as number;
          const vb = values[b] as number;
          if (!Number.isFinite(va) || !Number.isFinite(vb)) return;
          inc += increase(va, vb);
        }
        const rate = (inc / seconds) * 1000;
        st.cpu.add(rate);
        const h = hourIndex[i] as number;
        (st.hourCpu[h] as number) += rate;
        (st.cpuCount[h] as number)++;
        if (rate > (st.cpuMax[h] as number)) st.cpuMax[h] = rate;
        st.hash[h] = ((st.hash[h] as number) + cpuHash(rate)) & 0xffff;
        (st.daySums[dayIndex[i] as number] as number) += rate;
        extendRuns(st.runs, i);
      },
    };
  }

  memorySeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    const { hourIndex } = this;
    const main = this.slices.memory;
    const tail = this.slices.memoryTail ?? NONE;
    return {
      point: (i, v) => {
        if (!Number.isFinite(v)) return;
        const st = within(main, i) ? this.mainOf(rec) : within(tail, i) ? this.tailOf(rec) : undefined;
        if (!st) return;
        st.memory.add(v);
        const h = hourIndex[i] as number;
        (st.memoryCount[h] as number)++;
        if (v > (st.memoryMax[h] as number)) st.memoryMax[h] = v;
        st.hash[h] = ((st.hash[h] as number) + memoryHash(v)) & 0xffff;
      },
    };
  }
  /** Points on eventGrid. */
  restartSeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    rec.hasRestartCounter = true;
    let prev = Number.NaN;
    return {
      point(i, v) {
        if (!Number.isFinite(v)) return;
        if (!Number.isNaN(prev)) {
          const inc = v >= prev ? v - prev : v;
          if (inc > 0) rec.restartIncreases.push({ i, inc });
        }
        prev = v;
      },
    };
  }

  /** Points on eventGrid, of the reason="OOMKilled" series. */
  oomSeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    return {
      point(i, v) {
        if (Number.isFinite(v) && v >= 1) rec.oomFlagged.push(i);
      },
    };
  }

  addHpa(namespace: string, name: string, targetKind: string, targetName: string): void {
    const key = `${namespace}/${name}`;
    if (!this.hpas.has(key)) this.hpas.set(key, { namespace, name, targetKind, targetName });
  }

  setHpaReplicas(namespace: string, name: string, field: "minReplicas" | "maxReplicas", value: number): void {
    const hpa = this.hpas.get(`${namespace}/${name}`);
    if (hpa && Number.isFinite(value)) hpa[field] = value;
  }

  /** The usage of every workload with data, from the main statistics. */
  finish(): Map<string, WorkloadUsage> {
    const view = fullView(this.window, this.grid, this.eventGrid);
    const out = new Map<string, WorkloadUsage>();
    for (const [key, part] of this.collect("main")) {
      const usage = toUsage(part, view);
      if (usage) out.set(key, usage);
    }
    return out;
  }

  /** The statistics of one set of points per workload, in global indices, to merge or subtract. */
  collect(which: "main" | "tail"): Parts {
    const out: Parts = new Map();
    for (const [key, group] of this.grouped()) {
      const part = this.workloadPart(group.workload, group.pods, which);
      if (group.via.has("name-pattern")) {
        part.ownership = "name-pattern";
        part.notes = [nameMatchNote(this.owners, group.workload.namespace)];
      }
      out.set(key, part);
    }
    return out;
  }

  /**
   * The records by workload (pods resolved to their owners): worked out once, when the read is
   * over, for the main and the tail statistics alike.
   */
  private grouped(): Map<string, Group> {
    if (this.groups) return this.groups;
    const resolve = this.owners.resolver(this.byNamespace);
    const groups = new Map<string, Group>();
    this.groups = groups;
    for (const rec of this.records.values()) {
      const r = resolve(rec.namespace, rec.pod);
      if (!r) continue;
      const key = workloadKey(r.workload);
      let group = groups.get(key);
      if (!group) {
        group = { workload: r.workload, pods: new Map(), via: new Set() };
        groups.set(key, group);
      }
      group.via.add(r.via);
      const list = group.pods.get(rec.pod) ?? [];
      list.push(rec);
      group.pods.set(rec.pod, list);
    }
    return groups;
  }

  private workloadPart(
    workload: WorkloadRef,
    pods: Map<string, PodContainer[]>,
    which: "main" | "tail",
  ): WorkloadPart {
    const g = this.grid;
    const base = g.start / g.step;
    const byContainer = new Map<string, PodContainer[]>();
    // Hours of week from the grid's first on; all 168 once the grid spans a week.
    const spanned = (this.hourIndex[g.count - 1] ?? 0) + 1;
    const first = hourOfWeek(this.firstHour * HOUR_SECONDS);
    const profile = emptyProfile(first, Math.min(spanned, HOURS_PER_WEEK));
    const podCount = new Array<number>(g.count).fill(0);
    for (const recs of pods.values()) {
      let runs: number[] = [];
      for (const r of recs) {
        const st = which === "main" ? r.main : r.tail;
        if (st) {
          runs = runs.length === 0 ? st.runs : runs.concat(st.runs);
          for (let h = 0; h < st.hourCpu.length; h++)
            (profile.cpu[h % HOURS_PER_WEEK] as number) += st.hourCpu[h] as number;
        }
        const list = byContainer.get(r.container) ?? [];
        list.push(r);
        byContainer.set(r.container, list);
      }
      const pod = unionRuns(runs);
      for (let k = 0; k + 1 < pod.length; k += 2)
        for (let i = pod[k] as number; i <= (pod[k + 1] as number); i++) (podCount[i] as number)++;
    }
    for (let i = 0; i < g.count; i++) {
      const n = podCount[i] as number;
      if (n === 0) continue;
      const h = (this.hourIndex[i] as number) % HOURS_PER_WEEK;
      (profile.points[h] as number)++;
      (profile.pods[h] as number) += n;
    }
    const containers = new Map<string, ContainerPart>();
    for (const [name, recs] of byContainer) containers.set(name, this.containerPart(recs, which, base));
    const part: WorkloadPart = { workload, ownership: "owner-series", profile, containers };
    for (const hpa of this.hpas.values()) {
      if (
        hpa.namespace === workload.namespace &&
        hpa.targetKind === workload.kind &&
        hpa.targetName === workload.name
      ) {
        part.hpa = { name: hpa.name, minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas };
      }
    }
    return part;
  }

  private containerPart(recs: PodContainer[], which: "main" | "tail", base: number): ContainerPart {
    const part: ContainerPart = {
      cpu: new Sketch(),
      memory: new Sketch(),
      hours: emptyHours(this.firstHour),
      daySums: new Map(),
      runs: [],
      events: new Map(),
    };
    const events = which === "main" ? this.slices.events : (this.slices.eventsTail ?? NONE);
    const eventBase = this.eventGrid.start / this.eventGrid.step;
    const addEvent = (i: number, restarts: number, ooms: number) => {
      const e = part.events.get(i + eventBase) ?? { restarts: 0, ooms: 0 };
      e.restarts += restarts;
      e.ooms += ooms;
      part.events.set(i + eventBase, e);
    };
    for (const r of recs) {
      const flagged = r.oomFlagged.length > 0 ? new Set(r.oomFlagged) : NO_FLAGS;
      for (const { i, inc } of r.restartIncreases) {
        if (within(events, i)) addEvent(i, inc, flagged.has(i) ? inc : 0);
      }
      if (!r.hasRestartCounter) {
        for (const i of r.oomFlagged)
          if (i > 0 && !flagged.has(i - 1) && within(events, i)) addEvent(i, 0, 1);
      }
      const st = which === "main" ? r.main : r.tail;
      if (!st) continue;
      const t = part.hours;
      for (let h = 0; h < st.cpuCount.length; h++) {
        if (st.cpuCount[h] === 0 && st.memoryCount[h] === 0) continue;
        coverHours(t, h + this.firstHour, h + this.firstHour);
        const j = h + this.firstHour - t.first;
        (t.cpuCount[j] as number) += st.cpuCount[h] as number;
        t.cpuMax[j] = Math.max(t.cpuMax[j] as number, st.cpuMax[h] as number);
        (t.memoryCount[j] as number) += st.memoryCount[h] as number;
        t.memoryMax[j] = Math.max(t.memoryMax[j] as number, st.memoryMax[h] as number);
        t.hash[j] = ((t.hash[j] as number) + (st.hash[h] as number)) & 0xffff;
      }
      for (let d = 0; d < st.daySums.length; d++) {
        const sum = st.daySums[d] as number;
        if (sum !== 0) part.daySums.set(d + this.firstDay, (part.daySums.get(d + this.firstDay) ?? 0) + sum);
      }
    }
    const stats = recs.flatMap((r) => (which === "main" ? r.main : r.tail) ?? []);
    part.cpu = Sketch.pooled(stats.map((st) => st.cpu));
    part.memory = Sketch.pooled(stats.map((st) => st.memory));
    const runs = unionRuns(stats.length === 1 ? (stats[0] as Stats).runs : stats.flatMap((st) => st.runs));
    part.runs = runs.map((i) => i + base);
    return part;
  }

  private mainOf(rec: PodContainer): Stats {
    rec.main ??= this.stats();
    return rec.main;
  }

  private tailOf(rec: PodContainer): Stats {
    rec.tail ??= this.stats();
    return rec.tail;
  }

  /** Counters for every hour and day of the grid. */
  private stats(): Stats {
    const hours = (this.hourIndex[this.grid.count - 1] ?? 0) + 1;
    const days = (this.dayIndex[this.grid.count - 1] ?? 0) + 1;
    return new Stats(hours, days);
  }

  private record(namespace: string, pod: string, container: string): PodContainer {
    const key = `${namespace}\u0000${pod}\u0000${container}`;
    let rec = this.records.get(key);
    if (!rec) {
      rec = {
        namespace,
        pod,
        container,
        restartIncreases: [],
        hasRestartCounter: false,
        oomFlagged: [],
      };
      this.records.set(key, rec);
      this.groups = undefined;
    }
    return rec;
  }
}

/** What a workload's usage says when some of its pods were matched to it by name. */
export function nameMatchNote(owners: OwnerIndex, namespace: string): string {
  return owners.hasOwnerSeries(namespace)
    ? "some pods have no kube_pod_owner series; they were matched to the workload by name"
    : `kube-state-metrics' kube_pod_owner has no series in namespace ${namespace}; pods were matched to the workload by name`;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** 16 bits of a value's exact bits, well mixed. */
function valueHash(v: number): number {
  f64[0] = v;
  return (
    (Math.imul((u32[0] as number) ^ Math.imul(u32[1] as number, 0x85ebca77), 0x9e3779b1) >>> 16) & 0xffff
  );
}

/** The checksum terms of a CPU rate and of a working set (apart, so a swap shows). */
export const cpuHash = (rate: number): number => valueHash(rate);
export const memoryHash = (v: number): number => valueHash(v) ^ 0x5555;

/** A counter's increase between two samples; one that went down restarted from 0 (as rate() has it). */
export const increase = (now: number, before: number): number => (now >= before ? now - before : now);

/** Points a CPU rate spans (at least one step). */
export function rateSpanOf(step: number): number {
  return Math.max(1, Math.round(RATE_SECONDS / step));
}

/** The hourly grid of restart counters and OOM reasons inside grid, from eventStart when given. */
export function eventGridOf(grid: Grid, eventStart?: number): Grid {
  const step = Math.ceil(EVENT_STEP_SECONDS / grid.step) * grid.step;
  const start = eventStart ?? Math.ceil(grid.start / step) * step;
  const end = grid.start + (grid.count - 1) * grid.step;
  return { start, step, count: end >= start ? Math.floor((end - start) / step) + 1 : 0 };
}

/** What a full read of the window counts, in global indices (grid index = time / step). */
export function fullView(window: TimeWindow, grid: Grid, eventGrid: Grid): PartView {
  const base = grid.start / grid.step;
  const eventBase = eventGrid.start / eventGrid.step;
  return {
    window,
    grid,
    cpu: [base + rateSpanOf(grid.step), base + grid.count - 1],
    events: [eventBase + 1, eventBase + eventGrid.count - 1],
  };
}
