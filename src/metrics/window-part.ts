// The statistics of a set of grid points per workload ("parts"), in global indices (grid index =
// unix time / step, event index = unix time / event step), and the few operations a sliding
// window needs: add the points entering it, subtract those leaving it, and replace the hour it
// now starts in. Every field is a count, a sum, a maximum per UTC hour, covered index ranges or
// restart events by index, so parts of disjoint point sets combine exactly; the one thing a
// subtraction cannot take back, a maximum, is kept per hour and the window's first (partial) hour
// is recomputed from a re-read. toUsage() turns a part into the WorkloadUsage the strategies see,
// for a full read and an incremental one alike.

import type { DayStats } from "./daily.js";
import { SECONDS_PER_DAY } from "./daily.js";
import type { Grid } from "./grid.js";
import { Sketch } from "./sketch.js";
import type { ContainerUsage, HpaInfo, TimeWindow, WorkloadRef, WorkloadUsage } from "./types.js";

export const HOUR_SECONDS = 3600;

export interface HourCell {
  cpuCount: number;
  cpuMax: number;
  memoryCount: number;
  memoryMax: number;
  /** Sum of the values' hashes mod 2^16 (accumulator.ts): equal sums, most likely equal values. */
  hash: number;
}

/**
 * Every cell is made here, so all have one shape (V8 then keeps their fields unboxed and the
 * loops over thousands of them fast).
 */
export function hourCell(
  cpuCount: number,
  cpuMax: number,
  memoryCount: number,
  memoryMax: number,
  hash: number,
): HourCell {
  return { cpuCount, cpuMax, memoryCount, memoryMax, hash };
}

const copyCell = (c: HourCell): HourCell =>
  hourCell(c.cpuCount, c.cpuMax, c.memoryCount, c.memoryMax, c.hash);

export interface EventCell {
  restarts: number;
  ooms: number;
}

export interface ContainerPart {
  cpu: Sketch;
  memory: Sketch;
  /** By UTC hour (unix time / 3600). */
  hours: Map<number, HourCell>;
  /** Sum of the CPU rates by UTC day (dayOf). */
  daySums: Map<number, number>;
  /** Global grid indices with a CPU rate of some pod: sorted, disjoint [from, to] runs, flattened. */
  runs: number[];
  /** Restart counter increases (and those that were OOM kills) by global event index. */
  events: Map<number, EventCell>;
}

/** Per hour of week: sum of the workload's CPU rates, grid points with a pod, pods summed over them. */
export interface ProfileSums {
  cpu: number[];
  points: number[];
  pods: number[];
}

export interface WorkloadPart {
  workload: WorkloadRef;
  ownership: "owner-series" | "name-pattern";
  notes?: string[];
  hpa?: HpaInfo;
  profile: ProfileSums;
  containers: Map<string, ContainerPart>;
}

/** Keyed by workloadKey. */
export type Parts = Map<string, WorkloadPart>;

/** What a window counts: its grid, and the CPU-rate and event index ranges (global, inclusive). */
export interface PartView {
  window: TimeWindow;
  grid: Grid;
  cpu: readonly [number, number];
  events: readonly [number, number];
}

export function emptyProfile(): ProfileSums {
  // Plain arrays: a pass makes several per workload, and typed arrays this size live off the heap.
  const zeros = () => new Array<number>(168).fill(0);
  return { cpu: zeros(), points: zeros(), pods: zeros() };
}

/** Sorted, merged union of flattened [from, to] index ranges. */
export function unionRuns(runs: number[]): number[] {
  const list = [...pairs(runs)].sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [from, to] of list) {
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
  }
  return out;
}

export function* pairs(flat: number[]): Generator<[number, number]> {
  for (let k = 0; k + 1 < flat.length; k += 2) yield [flat[k] as number, flat[k + 1] as number];
}

/** The runs clipped to [lo, hi]. */
function clipRuns(runs: number[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (const [from, to] of pairs(runs)) {
    const a = Math.max(from, lo);
    const b = Math.min(to, hi);
    if (a <= b) out.push(a, b);
  }
  return out;
}

/**
 * The usage of a part; with `newest`, of the part and newer, disjoint points together (as if
 * added with addParts), leaving both unchanged: a pass answers with its uncommitted points
 * without copying the statistics it keeps.
 */
export function toUsage(
  part: WorkloadPart,
  view: PartView,
  newest?: WorkloadPart,
): WorkloadUsage | undefined {
  const containers: ContainerUsage[] = [];
  const names = new Set([...part.containers.keys(), ...(newest?.containers.keys() ?? [])]);
  for (const name of [...names].sort((a, b) => a.localeCompare(b))) {
    const c = part.containers.get(name);
    const n = newest?.containers.get(name);
    const counted = (x?: ContainerPart) => (x ? x.cpu.count + x.memory.count : 0);
    if (counted(c) + counted(n) === 0) continue;
    containers.push(c ? containerUsage(name, c, view, n) : containerUsage(name, n as ContainerPart, view));
  }
  if (containers.length === 0) return undefined;
  const p = newest ? sumProfiles(part.profile, newest.profile) : part.profile;
  const perHour = (sums: number[]) =>
    sums.map((s, h) => ((p.points[h] as number) > 0 ? s / (p.points[h] as number) : null));
  const named = newest?.ownership === "name-pattern" ? newest : part;
  const usage: WorkloadUsage = {
    workload: part.workload,
    window: { ...view.window },
    stepSeconds: view.grid.step,
    containers,
    profile: { cpu: perHour(p.cpu), replicas: perHour(p.pods) },
    ownership: named.ownership,
  };
  if (named.notes) usage.notes = [...named.notes];
  const hpa = newest?.hpa ?? part.hpa;
  if (hpa) usage.hpa = { ...hpa };
  return usage;
}

function sumProfiles(a: ProfileSums, b: ProfileSums): ProfileSums {
  const sum = (x: number[], y: number[]) => x.map((v, h) => v + (y[h] as number));
  return { cpu: sum(a.cpu, b.cpu), points: sum(a.points, b.points), pods: sum(a.pods, b.pods) };
}

function sumSketches(a: Sketch, b?: Sketch): Sketch {
  if (!b) return a;
  const s = new Sketch();
  s.merge(a);
  s.merge(b);
  return s;
}

/** Adds an hour's cell to its day and to the maxima (an object: no boxing of captured doubles). */
function countHour(
  days: Map<number, DayStats>,
  max: { cpu: number; memory: number },
  hour: number,
  cell: HourCell,
  daySum: (day: number) => number,
): void {
  if (cell.cpuCount > 0) max.cpu = Math.max(max.cpu, cell.cpuMax);
  if (cell.memoryCount > 0) max.memory = Math.max(max.memory, cell.memoryMax);
  const day = Math.floor((hour * HOUR_SECONDS) / SECONDS_PER_DAY);
  let d = days.get(day);
  if (!d) {
    d = { day, cpuSum: daySum(day), cpuCount: 0, cpuMax: 0, memoryMax: 0, memoryCount: 0 };
    days.set(day, d);
  }
  d.cpuCount += cell.cpuCount;
  d.memoryCount += cell.memoryCount;
  if (cell.cpuCount > 0) d.cpuMax = Math.max(d.cpuMax, cell.cpuMax);
  if (cell.memoryCount > 0) d.memoryMax = Math.max(d.memoryMax, cell.memoryMax);
}

function containerUsage(
  container: string,
  part: ContainerPart,
  view: PartView,
  n?: ContainerPart,
): ContainerUsage {
  const max = { cpu: 0, memory: 0 };
  const days = new Map<number, DayStats>();
  const daySum = (day: number) => (part.daySums.get(day) ?? 0) + (n?.daySums.get(day) ?? 0);
  // Keys, not entries: no [key, value] array for each of the many hours a pass answers from.
  for (const hour of part.hours.keys()) {
    const cell = part.hours.get(hour) as HourCell;
    const more = n?.hours.get(hour);
    countHour(days, max, hour, more ? addCell(cell, more) : cell, daySum);
  }
  if (n)
    for (const hour of n.hours.keys())
      if (!part.hours.has(hour)) countHour(days, max, hour, n.hours.get(hour) as HourCell, daySum);
  const cpuMax = max.cpu;
  const memoryMax = max.memory;
  const c = {
    cpu: sumSketches(part.cpu, n?.cpu),
    memory: sumSketches(part.memory, n?.memory),
    runs: n ? unionRuns([...part.runs, ...n.runs]) : part.runs,
    events: n ? [...part.events, ...n.events] : part.events,
  };
  c.cpu.setMax(cpuMax);
  c.memory.setMax(memoryMax);
  const runs = clipRuns(c.runs, view.cpu[0], view.cpu[1]);
  let covered = 0;
  for (const [from, to] of pairs(runs)) covered += to - from + 1;
  let restarts = 0;
  let oomKills = 0;
  for (const [e, cell] of c.events) {
    if (e < view.events[0] || e > view.events[1]) continue;
    restarts += cell.restarts;
    oomKills += cell.ooms;
  }
  const usage: ContainerUsage = {
    container,
    cpu: {
      p50: c.cpu.quantile(0.5),
      p90: c.cpu.quantile(0.9),
      p95: c.cpu.quantile(0.95),
      p99: c.cpu.quantile(0.99),
      max: c.cpu.count > 0 ? cpuMax : 0,
    },
    memory: { p95: c.memory.quantile(0.95), max: c.memory.count > 0 ? memoryMax : 0 },
    samples: c.cpu.count,
    daily: [...days.values()].sort((a, b) => a.day - b.day),
    coverage: view.grid.count > 0 ? covered / view.grid.count : 0,
    oomKills,
    restarts,
  };
  if (runs.length > 0) {
    usage.firstSample = (runs[0] as number) * view.grid.step;
    usage.lastSample = (runs[runs.length - 1] as number) * view.grid.step;
  }
  return usage;
}

// ---- sliding a window ----

/** A new cell: toUsage adds cells it must leave unchanged. */
function addCell(a: HourCell, b: HourCell): HourCell {
  return hourCell(
    a.cpuCount + b.cpuCount,
    Math.max(a.cpuMax, b.cpuMax),
    a.memoryCount + b.memoryCount,
    Math.max(a.memoryMax, b.memoryMax),
    (a.hash + b.hash) & 0xffff,
  );
}

function addProfile(a: ProfileSums, b: ProfileSums, sign: 1 | -1): void {
  for (let h = 0; h < 168; h++) {
    (a.cpu[h] as number) += sign * (b.cpu[h] as number);
    (a.points[h] as number) += sign * (b.points[h] as number);
    (a.pods[h] as number) += sign * (b.pods[h] as number);
  }
}

/** Adds the parts of newer, disjoint points into `into` (which takes ownership of them). */
export function addParts(into: Parts, add: Parts): void {
  for (const [key, b] of add) {
    const a = into.get(key);
    if (!a) {
      into.set(key, b);
      continue;
    }
    addProfile(a.profile, b.profile, 1);
    if (b.ownership === "name-pattern") {
      a.ownership = "name-pattern";
      a.notes = b.notes;
    }
    if (b.hpa) a.hpa = b.hpa;
    for (const [name, cb] of b.containers) {
      const ca = a.containers.get(name);
      if (!ca) {
        a.containers.set(name, cb);
        continue;
      }
      ca.cpu.merge(cb.cpu);
      ca.memory.merge(cb.memory);
      for (const [h, cell] of cb.hours) {
        const have = ca.hours.get(h);
        ca.hours.set(h, have ? addCell(have, cell) : copyCell(cell));
      }
      for (const [d, sum] of cb.daySums) ca.daySums.set(d, (ca.daySums.get(d) ?? 0) + sum);
      ca.runs = unionRuns([...ca.runs, ...cb.runs]);
      for (const [e, cell] of cb.events) {
        const have = ca.events.get(e);
        ca.events.set(
          e,
          have ? { restarts: have.restarts + cell.restarts, ooms: have.ooms + cell.ooms } : { ...cell },
        );
      }
    }
  }
}

/**
 * Takes the points that left the window out of `from`: counts, sums and sketches. False when the
 * leaving points hold data `from` never had (Prometheus no longer holds what the checkpoint was
 * built from): the checkpoint is then unusable.
 */
export function subtractParts(from: Parts, leave: Parts): boolean {
  for (const [key, b] of leave) {
    const a = from.get(key);
    if (!a) return false;
    addProfile(a.profile, b.profile, -1);
    for (const [name, cb] of b.containers) {
      const ca = a.containers.get(name);
      if (!ca?.cpu.subtract(cb.cpu) || !ca.memory.subtract(cb.memory)) return false;
      for (const [h, cell] of cb.hours) {
        const have = ca.hours.get(h);
        if (!have) return false;
        have.cpuCount -= cell.cpuCount;
        have.memoryCount -= cell.memoryCount;
        have.hash = (have.hash - cell.hash) & 0xffff;
        if (have.cpuCount < 0 || have.memoryCount < 0) return false;
      }
      for (const [d, sum] of cb.daySums) ca.daySums.set(d, (ca.daySums.get(d) ?? 0) - sum);
    }
  }
  return true;
}

/**
 * After subtracting the points that left, the hours up to and including `lastHour` hold only
 * the points the edge read saw again (the rest of the hour the window now starts in): their counts
 * and value checksums must match exactly, and their maxima become the edge's. Then everything before the window's
 * first CPU rate and event goes. False on a mismatch.
 */
export function replaceEdge(state: Parts, edge: Parts, lastHour: number, view: PartView): boolean {
  const firstDay = Math.floor(view.grid.start / SECONDS_PER_DAY);
  for (const [key, a] of state) {
    const e = edge.get(key);
    if (e) for (const name of e.containers.keys()) if (!a.containers.has(name)) return false;
    for (const [name, ca] of a.containers) {
      const ce = e?.containers.get(name);
      let same = true;
      ca.hours.forEach((cell, h) => {
        if (h > lastHour || !same) return;
        const want = ce?.hours.get(h);
        if (
          cell.cpuCount !== (want?.cpuCount ?? 0) ||
          cell.memoryCount !== (want?.memoryCount ?? 0) ||
          cell.hash !== (want?.hash ?? 0)
        )
          same = false;
        else if (want) ca.hours.set(h, copyCell(want));
        else ca.hours.delete(h);
      });
      if (!same) return false;
      for (const h of ce?.hours.keys() ?? []) if (!ca.hours.has(h)) return false;
      for (const d of ca.daySums.keys()) if (d < firstDay) ca.daySums.delete(d);
      ca.runs = clipRuns(ca.runs, view.cpu[0], Number.POSITIVE_INFINITY);
      for (const ev of ca.events.keys()) if (ev < view.events[0]) ca.events.delete(ev);
      if (ca.cpu.count === 0 && ca.memory.count === 0) a.containers.delete(name);
    }
    if (a.containers.size === 0) state.delete(key);
  }
  return true;
}
