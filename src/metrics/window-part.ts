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

/**
 * Per UTC hour (unix time / 3600) from `first` on, one entry per hour: counts, maxima and a
 * checksum of the values. Plain arrays of numbers rather than an object per hour: a checkpoint
 * holds about 170 hours per container, and thousands of small objects made every pass's
 * garbage collection slow. An hour without points has both counts 0 (and counts as absent).
 */
export interface Hours {
  first: number;
  cpuCount: number[];
  cpuMax: number[];
  memoryCount: number[];
  memoryMax: number[];
  /** Sum of the values' hashes mod 2^16 (accumulator.ts): equal sums, most likely equal values. */
  hash: number[];
}

/** n zeros in a plain array (a module function: a closure would be made on every call). */
export function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

export function emptyHours(first: number, length = 0): Hours {
  return {
    first,
    cpuCount: zeros(length),
    cpuMax: zeros(length),
    memoryCount: zeros(length),
    memoryMax: zeros(length),
    hash: zeros(length),
  };
}

/** Whether entry k holds points. */
export function hasPoints(t: Hours, k: number): boolean {
  return (t.cpuCount[k] as number) > 0 || (t.memoryCount[k] as number) > 0;
}

const columns = (t: Hours) => [t.cpuCount, t.cpuMax, t.memoryCount, t.memoryMax, t.hash];

/** Makes hours from..to addressable, adding empty entries at either end. */
export function coverHours(t: Hours, from: number, to: number): void {
  if (t.cpuCount.length === 0) t.first = from;
  if (from < t.first) {
    const zeros = new Array<number>(t.first - from).fill(0);
    for (const col of columns(t)) col.unshift(...zeros);
    t.first = from;
  }
  const last = t.first + t.cpuCount.length - 1;
  if (to > last) for (const col of columns(t)) for (let h = last + 1; h <= to; h++) col.push(0);
}

/** Drops the empty entries at both ends. */
function trimHours(t: Hours): void {
  let lead = 0;
  while (lead < t.cpuCount.length && !hasPoints(t, lead)) lead++;
  let end = t.cpuCount.length;
  while (end > lead && !hasPoints(t, end - 1)) end--;
  if (lead === 0 && end === t.cpuCount.length) return;
  for (const col of columns(t)) {
    col.length = end;
    col.splice(0, lead);
  }
  t.first = lead < end ? t.first + lead : t.first;
}

export interface EventCell {
  restarts: number;
  ooms: number;
}

export interface ContainerPart {
  cpu: Sketch;
  memory: Sketch;
  hours: Hours;
  /** Sum of the CPU rates by UTC day (dayOf). */
  daySums: Map<number, number>;
  /** Global grid indices with a CPU rate of some pod: sorted, disjoint [from, to] runs, flattened. */
  runs: number[];
  /** Restart counter increases (and those that were OOM kills) by global event index. */
  events: Map<number, EventCell>;
}

/** Per hour of week: sum of the workload's CPU rates, grid points with a pod, pods summed over them. */
export interface ProfileSums {
  /**
   * Hour of week of entry 0; entry k is hour (first + k) % 168. A window's statistics have all
   * 168; the few hours a pass reads have only theirs (a pass makes several per workload).
   */
  first: number;
  cpu: number[];
  points: number[];
  pods: number[];
}

export const HOURS_PER_WEEK = 168;

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

/** All zeros, from hour of week `first` on for `hours` hours (all 168 by default). */
export function emptyProfile(first = 0, hours = HOURS_PER_WEEK): ProfileSums {
  // Plain arrays: typed arrays cost several objects each, and off the heap when this size.
  return { first, cpu: zeros(hours), points: zeros(hours), pods: zeros(hours) };
}

/** Entry of hour of week h in column col of profile p; 0 for an hour p does not hold. */
export function profileAt(p: ProfileSums, col: number[], h: number): number {
  const k = (h - p.first + HOURS_PER_WEEK) % HOURS_PER_WEEK;
  return k < col.length ? (col[k] as number) : 0;
}

const counted = (x?: ContainerPart) => (x ? x.cpu.count + x.memory.count : 0);

/** a and b added, with all 168 hours (leaving both unchanged). */
function addedProfiles(a: ProfileSums, b: ProfileSums): ProfileSums {
  const full = fullProfile(a);
  const sum: ProfileSums = {
    first: 0,
    cpu: full.cpu.slice(),
    points: full.points.slice(),
    pods: full.pods.slice(),
  };
  for (let k = 0; k < b.cpu.length; k++) {
    const h = (b.first + k) % HOURS_PER_WEEK;
    (sum.cpu[h] as number) += b.cpu[k] as number;
    (sum.points[h] as number) += b.points[k] as number;
    (sum.pods[h] as number) += b.pods[k] as number;
  }
  return sum;
}

/** p with all 168 hours, entry h being hour of week h (p itself when it has them). */
function fullProfile(p: ProfileSums): ProfileSums {
  if (p.first === 0 && p.cpu.length === HOURS_PER_WEEK) return p;
  const full = emptyProfile();
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    full.cpu[h] = profileAt(p, p.cpu, h);
    full.points[h] = profileAt(p, p.points, h);
    full.pods[h] = profileAt(p, p.pods, h);
  }
  return full;
}

/** Sorted, merged union of flattened [from, to] index ranges. */
export function unionRuns(runs: number[]): number[] {
  let sorted = true;
  for (let k = 2; k + 1 < runs.length && sorted; k += 2)
    sorted = (runs[k] as number) >= (runs[k - 2] as number);
  // Usually already in order (one or two runs per pod): no pairs to make and sort.
  const flat = sorted ? runs : [...pairs(runs)].sort((a, b) => a[0] - b[0]).flat();
  const out: number[] = [];
  for (let k = 0; k + 1 < flat.length; k += 2) {
    const from = flat[k] as number;
    const to = flat[k + 1] as number;
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
  }
  return out;
}

/** Adds grid index i, the newest so far, to sorted flattened runs. */
export function extendRuns(runs: number[], i: number): void {
  if (runs.length > 0 && runs[runs.length - 1] === i - 1) runs[runs.length - 1] = i;
  else runs.push(i, i);
}

export function* pairs(flat: number[]): Generator<[number, number]> {
  for (let k = 0; k + 1 < flat.length; k += 2) yield [flat[k] as number, flat[k + 1] as number];
}

/** The runs clipped to [lo, hi]. */
function clipRuns(runs: number[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = 0; k + 1 < runs.length; k += 2) {
    const a = Math.max(runs[k] as number, lo);
    const b = Math.min(runs[k + 1] as number, hi);
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
    if (counted(c) + counted(n) === 0) continue;
    containers.push(c ? containerUsage(name, c, view, n) : containerUsage(name, n as ContainerPart, view));
  }
  if (containers.length === 0) return undefined;
  const p = newest ? addedProfiles(part.profile, newest.profile) : fullProfile(part.profile);
  const cpu = new Array<number | null>(HOURS_PER_WEEK);
  const replicas = new Array<number | null>(HOURS_PER_WEEK);
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const points = p.points[h] as number;
    cpu[h] = points > 0 ? (p.cpu[h] as number) / points : null;
    replicas[h] = points > 0 ? (p.pods[h] as number) / points : null;
  }
  const named = newest?.ownership === "name-pattern" ? newest : part;
  const usage: WorkloadUsage = {
    workload: part.workload,
    window: { ...view.window },
    stepSeconds: view.grid.step,
    containers,
    profile: { cpu, replicas },
    ownership: named.ownership,
  };
  if (named.notes) usage.notes = [...named.notes];
  const hpa = newest?.hpa ?? part.hpa;
  if (hpa) usage.hpa = { ...hpa };
  return usage;
}

/**
 * Adds every hour of a table to its day and to the maxima (objects: no boxing of captured
 * doubles). Hours ascend, so the day is looked up only when it changes.
 */
function countHours(
  days: Map<number, DayStats>,
  max: { cpu: number; memory: number },
  t: Hours,
  /** The CPU sums of each day, in the two parts answered together. */
  sums: Map<number, number>,
  moreSums: Map<number, number> | undefined,
): void {
  let d: DayStats | undefined;
  for (let k = 0; k < t.cpuCount.length; k++) {
    const cpuCount = t.cpuCount[k] as number;
    const memoryCount = t.memoryCount[k] as number;
    if (cpuCount === 0 && memoryCount === 0) continue;
    const cpuMax = t.cpuMax[k] as number;
    const memoryMax = t.memoryMax[k] as number;
    if (cpuCount > 0 && cpuMax > max.cpu) max.cpu = cpuMax;
    if (memoryCount > 0 && memoryMax > max.memory) max.memory = memoryMax;
    const day = Math.floor(((t.first + k) * HOUR_SECONDS) / SECONDS_PER_DAY);
    if (d?.day !== day) {
      d = days.get(day);
      if (!d) {
        const cpuSum = (sums.get(day) ?? 0) + (moreSums?.get(day) ?? 0);
        d = { day, cpuSum, cpuCount: 0, cpuMax: 0, memoryMax: 0, memoryCount: 0 };
        days.set(day, d);
      }
    }
    d.cpuCount += cpuCount;
    d.memoryCount += memoryCount;
    if (cpuCount > 0 && cpuMax > d.cpuMax) d.cpuMax = cpuMax;
    if (memoryCount > 0 && memoryMax > d.memoryMax) d.memoryMax = memoryMax;
  }
}

const CPU_QUANTILES = [0.5, 0.9, 0.95, 0.99];

function containerUsage(
  container: string,
  part: ContainerPart,
  view: PartView,
  n?: ContainerPart,
): ContainerUsage {
  const max = { cpu: 0, memory: 0 };
  const days = new Map<number, DayStats>();
  // Sums and maxima: an hour in both tables counts as the two entries one after the other.
  countHours(days, max, part.hours, part.daySums, n?.daySums);
  if (n) countHours(days, max, n.hours, part.daySums, n.daySums);
  const cpuMax = max.cpu;
  const memoryMax = max.memory;
  const c = {
    runs: n ? unionRuns([...part.runs, ...n.runs]) : part.runs,
    events: n ? [...part.events, ...n.events] : part.events,
  };
  const [p50, p90, p95, p99] = Sketch.quantilesOf(part.cpu, n?.cpu, CPU_QUANTILES, cpuMax) as [
    number,
    number,
    number,
    number,
  ];
  const samples = part.cpu.count + (n?.cpu.count ?? 0);
  const memorySamples = part.memory.count + (n?.memory.count ?? 0);
  const runs = clipRuns(c.runs, view.cpu[0], view.cpu[1]);
  let covered = 0;
  for (let k = 0; k + 1 < runs.length; k += 2) covered += (runs[k + 1] as number) - (runs[k] as number) + 1;
  let restarts = 0;
  let oomKills = 0;
  for (const [e, cell] of c.events) {
    if (e < view.events[0] || e > view.events[1]) continue;
    restarts += cell.restarts;
    oomKills += cell.ooms;
  }
  const usage: ContainerUsage = {
    container,
    cpu: { p50, p90, p95, p99, max: samples > 0 ? cpuMax : 0 },
    memory: {
      p95: Sketch.quantilesOf(part.memory, n?.memory, [0.95], memoryMax)[0] as number,
      max: memorySamples > 0 ? memoryMax : 0,
    },
    samples,
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

/** Adds (or takes away) b's hours into a part's profile, which then has all 168 hours. */
function addProfile(part: WorkloadPart, b: ProfileSums, sign: 1 | -1): void {
  const a = fullProfile(part.profile);
  part.profile = a;
  for (let k = 0; k < b.cpu.length; k++) {
    const h = (b.first + k) % HOURS_PER_WEEK;
    (a.cpu[h] as number) += sign * (b.cpu[k] as number);
    (a.points[h] as number) += sign * (b.points[k] as number);
    (a.pods[h] as number) += sign * (b.pods[k] as number);
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
    // A part of events alone (no CPU rates) adds nothing to the profile.
    if (b.profile.points.some((n) => n > 0)) addProfile(a, b.profile, 1);
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
      addHours(ca.hours, cb.hours);
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
    addProfile(a, b.profile, -1);
    for (const [name, cb] of b.containers) {
      const ca = a.containers.get(name);
      if (!ca?.cpu.subtract(cb.cpu) || !ca.memory.subtract(cb.memory)) return false;
      if (!subtractHours(ca.hours, cb.hours)) return false;
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
      if (!replaceHours(ca.hours, e?.containers.get(name)?.hours, lastHour)) return false;
      for (const d of ca.daySums.keys()) if (d < firstDay) ca.daySums.delete(d);
      ca.runs = clipRuns(ca.runs, view.cpu[0], Number.POSITIVE_INFINITY);
      for (const ev of ca.events.keys()) if (ev < view.events[0]) ca.events.delete(ev);
      if (ca.cpu.count === 0 && ca.memory.count === 0) a.containers.delete(name);
    }
    if (a.containers.size === 0) state.delete(key);
  }
  return true;
}

// ---- hour tables ----

/** Adds the entries of b (newer, disjoint points) into a. */
function addHours(a: Hours, b: Hours): void {
  let from = 0;
  while (from < b.cpuCount.length && !hasPoints(b, from)) from++;
  let to = b.cpuCount.length - 1;
  while (to >= from && !hasPoints(b, to)) to--;
  if (from > to) return;
  coverHours(a, b.first + from, b.first + to);
  for (let k = from; k <= to; k++) {
    if (!hasPoints(b, k)) continue;
    const j = b.first + k - a.first;
    (a.cpuCount[j] as number) += b.cpuCount[k] as number;
    a.cpuMax[j] = Math.max(a.cpuMax[j] as number, b.cpuMax[k] as number);
    (a.memoryCount[j] as number) += b.memoryCount[k] as number;
    a.memoryMax[j] = Math.max(a.memoryMax[j] as number, b.memoryMax[k] as number);
    a.hash[j] = ((a.hash[j] as number) + (b.hash[k] as number)) & 0xffff;
  }
}

/** Takes b's counts and checksums out of a; false when a lacks an hour of b or would go negative. */
function subtractHours(a: Hours, b: Hours): boolean {
  for (let k = 0; k < b.cpuCount.length; k++) {
    if (!hasPoints(b, k)) continue;
    const j = b.first + k - a.first;
    if (j < 0 || j >= a.cpuCount.length || !hasPoints(a, j)) return false;
    a.cpuCount[j] = (a.cpuCount[j] as number) - (b.cpuCount[k] as number);
    a.memoryCount[j] = (a.memoryCount[j] as number) - (b.memoryCount[k] as number);
    a.hash[j] = ((a.hash[j] as number) - (b.hash[k] as number)) & 0xffff;
    if ((a.cpuCount[j] as number) < 0 || (a.memoryCount[j] as number) < 0) return false;
  }
  return true;
}

/**
 * The hours of a up to lastHour, once the points that left are out, must hold exactly what the
 * edge read saw again (counts and checksums); they take the edge's maxima. False on a mismatch.
 */
function replaceHours(a: Hours, edge: Hours | undefined, lastHour: number): boolean {
  if (edge)
    for (let k = 0; k < edge.cpuCount.length; k++) {
      if (!hasPoints(edge, k)) continue;
      const j = edge.first + k - a.first;
      if (edge.first + k > lastHour || j < 0 || j >= a.cpuCount.length || !hasPoints(a, j)) return false;
    }
  for (let j = 0; j < a.cpuCount.length && a.first + j <= lastHour; j++) {
    const k = edge ? a.first + j - edge.first : -1;
    const seen = edge !== undefined && k >= 0 && k < edge.cpuCount.length;
    const at = (col: number[]) => (seen ? (col[k] as number) : 0);
    if (
      a.cpuCount[j] !== at(edge?.cpuCount ?? []) ||
      a.memoryCount[j] !== at(edge?.memoryCount ?? []) ||
      a.hash[j] !== at(edge?.hash ?? [])
    )
      return false;
    a.cpuMax[j] = at(edge?.cpuMax ?? []);
    a.memoryMax[j] = at(edge?.memoryMax ?? []);
  }
  trimHours(a);
  return true;
}
