// A UsageSource that reads each Prometheus sample about once: per workload it keeps the
// statistics of the window's complete grid points as a checkpoint in the Store (checkpoint.ts),
// and a pass reads only what changed since: the points after the last committed one (from one
// step before it, for the rate) and the points that left the window, plus the rest of the hour
// the window now starts in (maxima cannot be subtracted, so that hour is counted again). Its
// counts must match the checkpoint exactly, or Prometheus no longer holds what the checkpoint
// was built from. The newest LATE_SECONDS of points are read every pass but never committed, so
// samples that arrive late are counted once they are there. The points that leave are read
// LEAVING_AHEAD_SECONDS ahead and kept in memory, so most passes ask Prometheus only for the new
// points; kept points are used only while Prometheus reports the start time it had when they were
// read (a restart may have lost or replaced its data).
//
// A full read, which also writes the checkpoints, happens on the first pass, for a window of
// another length or step, after a gap longer than the window, when the checkpoint is missing,
// damaged or disagrees with Prometheus; each such workload's usage carries a note saying why.
// Losing the Store therefore costs one full read, never a wrong answer.

import { createHash } from "node:crypto";
import { eventGridOf, fullView, rateSpanOf, type Slices, UsageAccumulator } from "./accumulator.js";
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointMeta,
  decodeCheckpoint,
  encodeCheckpoint,
} from "./checkpoint.js";
import { chooseStep, type Grid, gridEnd, LOOKBACK_SECONDS, makeGrid } from "./grid.js";
import { type PointRanges, PointRecorder } from "./point-cache.js";
import type { PrometheusUsageSource, ReadTarget } from "./prometheus-source.js";
import type { TimeWindow, UsageSource, WorkloadRef, WorkloadUsage } from "./types.js";
import { workloadKey } from "./types.js";
import {
  addParts,
  HOUR_SECONDS,
  type Parts,
  type PartView,
  replaceEdge,
  subtractParts,
  toUsage,
} from "./window-part.js";

/** Where checkpoints live (the Store's two methods for them). */
export interface CheckpointStore {
  usageCheckpoints(keys: string[]): Promise<(Buffer | undefined)[]>;
  putUsageCheckpoints(entries: [string, Buffer][], ttlSeconds: number): Promise<void>;
}

/** The points about to leave the window are read this far ahead, for the passes to come. */
// Longer reads fewer times (a read's cost grows more slowly than its length) and holds more: 12
// hours of 8,000 series (1,000 workloads) is about 11 MB.
export const LEAVING_AHEAD_SECONDS = 12 * 3600;
/** Points this close to the window's end may still get samples; they are read again next pass. */
export const LATE_SECONDS = 300;
/** Checkpoints outlive the window they were built for by this much, then are of no use. */
export const CHECKPOINT_TTL_EXTRA_SECONDS = 3600;

export interface PassReport {
  /** Workloads read in full, by reason. */
  full: Map<string, number>;
  incremental: number;
  /**
   * Where the points that left the window came from: read from Prometheus (with the next hours'),
   * taken from those read ahead on an earlier pass, or none left (or no incremental pass).
   */
  leaving: "read" | "held" | "none";
  /** Bytes of the checkpoints written. */
  checkpointBytes: number;
  checkpoints: number;
}

interface Loaded {
  workload: WorkloadRef;
  key: string;
  checkpoint?: Checkpoint;
  /** Why this workload needs a full read; undefined when its checkpoint can be used. */
  reason?: string;
}

export class IncrementalUsageSource implements UsageSource {
  readonly description: string;
  /** What the last pass did. */
  lastPass: PassReport = newReport();
  private readonly prefix: string;
  /**
   * The checkpoints this process last wrote, with their statistics as they are in memory: a pass
   * whose Store copy is still byte for byte what was written uses them instead of decoding it
   * (decoding was a large share of a steady-state pass). The Store stays the durable copy: a
   * checkpoint another process wrote, or one this process failed to write, differs and is decoded.
   * A pass takes its entries out (it changes their statistics) and puts back what it writes.
   */
  private readonly held = new Map<string, { bytes: Buffer; checkpoint: Checkpoint; expires: number }>();
  /**
   * The grid points of the next hours to leave the window, read once for the passes of those
   * hours (leavingPoints), with the owner series read with them, and the start time Prometheus
   * reported when they were read.
   */
  private ahead?: { points: PointRecorder; started: string | undefined };

  constructor(
    private readonly prometheus: PrometheusUsageSource,
    private readonly store: CheckpointStore,
    /** Names the Prometheus the checkpoints belong to; default its URL. Two never share checkpoints. */
    id = prometheus.description,
  ) {
    this.description = prometheus.description;
    this.prefix = createHash("sha256").update(id).digest("hex").slice(0, 12);
  }

  async usage(workloads: WorkloadRef[], window: TimeWindow): Promise<Map<string, WorkloadUsage>> {
    const report = newReport();
    this.lastPass = report;
    const seconds = window.end - window.start;
    // Workloads no longer asked about would stay held forever: drop what the Store has expired too.
    for (const [key, h] of this.held) if (h.expires < window.end) this.held.delete(key);
    const loaded = await this.load(workloads, seconds);
    const known = loaded.find((l) => l.checkpoint)?.checkpoint?.meta.resolution;
    const resolution = known ?? (await this.prometheus.resolution(workloads, window));
    const grid = makeGrid(window, chooseStep(window, resolution));
    const out = new Map<string, WorkloadUsage>();
    if (grid.count === 0) return out;
    const writes: [string, Buffer][] = [];
    for (const l of loaded) if (!l.reason) l.reason = unusable(l.checkpoint as Checkpoint, grid, seconds);
    // Those whose checkpoints agree on where they stop are read together; the rest in full.
    const groups = new Map<string, Loaded[]>();
    for (const l of loaded) {
      if (l.reason) continue;
      const m = (l.checkpoint as Checkpoint).meta;
      const k = `${m.first} ${m.committed} ${m.eventCommitted}`;
      const group = groups.get(k);
      if (group) group.push(l);
      else groups.set(k, [l]);
    }
    const largest = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    const inLargest = new Set(largest);
    for (const l of loaded)
      if (!l.reason && !inLargest.has(l)) l.reason = "its checkpoint stops elsewhere than the others'";
    if (largest.length > 0) {
      const meta = (largest[0] as Loaded).checkpoint?.meta as CheckpointMeta;
      const failed = await this.incremental(largest, meta, window, grid, resolution, out, writes);
      for (const l of failed)
        l.reason = "its checkpoint does not match Prometheus's data (reset or retention?)";
      report.incremental = largest.length - failed.length;
    }
    const full = loaded.filter((l) => l.reason);
    if (full.length > 0) await this.full(full, window, grid, resolution, out, writes);
    for (const l of full) report.full.set(l.reason as string, (report.full.get(l.reason as string) ?? 0) + 1);
    report.checkpoints = writes.length;
    report.checkpointBytes = writes.reduce((n, [, b]) => n + b.length, 0);
    await this.save(writes, seconds);
    return out;
  }

  private async load(workloads: WorkloadRef[], seconds: number): Promise<Loaded[]> {
    const keys = workloads.map((w) => `${this.prefix}:${seconds}:${workloadKey(w)}`);
    let values: (Buffer | undefined)[];
    let why = "no checkpoint for this window yet (first pass, or the window changed)";
    try {
      values = await this.store.usageCheckpoints(keys);
    } catch (e) {
      values = keys.map(() => undefined);
      why = `checkpoints unavailable: ${(e as Error).message}`;
    }
    return workloads.map((workload, i) => {
      const key = keys[i] as string;
      const b = values[i];
      const held = this.held.get(key);
      this.held.delete(key);
      if (!b) return { workload, key, reason: why };
      if (held?.bytes.equals(b)) return { workload, key, checkpoint: held.checkpoint };
      try {
        return { workload, key, checkpoint: decodeCheckpoint(b) };
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw e;
        return { workload, key, reason: `its checkpoint is unreadable (${e.message})` };
      }
    });
  }

  private async save(writes: [string, Buffer][], seconds: number): Promise<void> {
    // A checkpoint not written costs a full read next time, nothing else: this pass's answer stands.
    await this.store
      .putUsageCheckpoints(writes, seconds + CHECKPOINT_TTL_EXTRA_SECONDS)
      .catch(() => undefined);
  }

  /** Reads the whole window of these workloads and checkpoints all but its newest points. */
  private async full(
    list: Loaded[],
    window: TimeWindow,
    grid: Grid,
    resolution: number,
    out: Map<string, WorkloadUsage>,
    writes: [string, Buffer][],
  ): Promise<void> {
    const step = grid.step;
    const base = grid.start / step;
    const last = base + grid.count - 1;
    const committed = Math.max(base, last - Math.ceil(LATE_SECONDS / step));
    const eg = eventGridOf(grid);
    const eventBase = eg.start / eg.step;
    const eventCommitted = Math.max(eventBase, Math.floor((committed * step) / eg.step));
    const m = rateSpanOf(step);
    const slices: Slices = {
      cpu: [m, committed - base],
      memory: [0, committed - base],
      cpuTail: [committed - base + 1, grid.count - 1],
      memoryTail: [committed - base + 1, grid.count - 1],
      events: [1, eventCommitted - eventBase],
      eventsTail: [eventCommitted - eventBase + 1, eg.count - 1],
    };
    const acc = new UsageAccumulator(
      list.map((l) => l.workload),
      window,
      grid,
      { slices },
    );
    await this.prometheus.read(acc.namespaces, [
      { acc, from: grid.start - LOOKBACK_SECONDS, end: gridEnd(grid), events: true },
    ]);
    const state = acc.collect("main");
    const meta: CheckpointMeta = {
      windowSeconds: window.end - window.start,
      step,
      first: base,
      committed,
      eventCommitted,
      resolution,
    };
    this.finish(list, state, acc.collect("tail"), meta, window, grid, out, writes, (l) => l.reason);
  }

  /**
   * Slides the checkpoints of `list` (all stopping at the same point) to the new window. Returns
   * the workloads whose checkpoints turned out not to match; they need a full read.
   */
  private async incremental(
    list: Loaded[],
    meta: CheckpointMeta,
    window: TimeWindow,
    grid: Grid,
    resolution: number,
    out: Map<string, WorkloadUsage>,
    writes: [string, Buffer][],
  ): Promise<Loaded[]> {
    const step = grid.step;
    const m = rateSpanOf(step);
    const g1 = meta.first;
    const g2 = grid.start / step;
    const b2 = g2 + grid.count - 1;
    const c = meta.committed;
    const c2 = Math.max(c, b2 - Math.ceil(LATE_SECONDS / step));
    const workloads = list.map((l) => l.workload);
    const targets: ReadTarget[] = [];
    // The points after the last committed one; the newest are not committed.
    const eg0 = eventGridOf(grid);
    const eventCommitted = Math.max(meta.eventCommitted, Math.floor((c2 * step) / eg0.step));
    const enterStart = c + 1 - m;
    const ng: Grid = { start: enterStart * step, step, count: b2 - enterStart + 1 };
    const eventStart = meta.eventCommitted * eg0.step;
    const ec = eventGridOf(ng, eventStart).count;
    const enter = new UsageAccumulator(workloads, window, ng, {
      eventStart,
      // Events only: its CPU and memory points go to the recorder below.
      slices: {
        events: [1, eventCommitted - meta.eventCommitted],
        eventsTail: [eventCommitted - meta.eventCommitted + 1, ec - 1],
      },
    });
    // Its CPU and memory points go to a recorder, whose statistics need no per-pod records; the
    // accumulator takes the events and HPAs.
    const entering = new PointRecorder(new Set(enter.namespaces), ng, enter.owners);
    const from = ng.start - LOOKBACK_SECONDS;
    targets.push(
      { acc: enter, from, end: gridEnd(ng), events: true, samples: false },
      { acc: entering, from, end: gridEnd(ng), events: false },
    );
    const entered: PointRanges = {
      first: enterStart,
      last: b2,
      cpu: [enterStart + m, c2],
      memory: [enterStart + m, c2],
      cpuTail: [c2 + 1, b2],
      memoryTail: [c2 + 1, b2],
    };
    // The points that left, then the rest of the hour the window's first CPU rate falls in: from
    // the points read ahead on an earlier pass, or read now together with the next hours'.
    let leaving: PointRanges | undefined;
    let ownersFrom: number | undefined;
    const lastHour = Math.floor(((g2 + m) * step) / HOUR_SECONDS);
    if (g2 > g1) {
      const edgeEnd = Math.min(c, Math.floor(((lastHour + 1) * HOUR_SECONDS - 1) / step));
      leaving = {
        first: g1,
        last: edgeEnd,
        cpu: [g1 + m, g2 + m - 1],
        memory: [g1, g2 - 1],
        cpuTail: [g2 + m, edgeEnd],
        memoryTail: [g2, edgeEnd],
      };
      // Their pods are resolved with the owner series the read finds from their start on.
      ownersFrom = g1 * step - LOOKBACK_SECONDS;
      this.lastPass.leaving = await this.leavingPoints(enter, g1, edgeEnd, c, targets);
    }
    const reading = this.prometheus.read(enter.namespaces, targets, { together: true, ownersFrom });
    // Awaited below; meanwhile an early failure must not count as unhandled.
    reading.catch(() => undefined);
    const view = fullView(window, grid, eg0);
    // The recorder's owner index is the one the read filled with them: the pass's that read them
    // ahead (its owner series start where they do, so they cover them all), or this one's.
    const slide = () => {
      const gone = leaving && this.ahead?.points.parts(workloads, leaving);
      return slideState(list, gone, lastHour, view);
    };
    // Points held ahead need nothing new from Prometheus: their statistics are worked out while it
    // answers.
    let slid: ReturnType<typeof slideState> | undefined;
    if (this.lastPass.leaving === "held") {
      await new Promise((resolve) => setImmediate(resolve));
      slid = slide();
    }
    await reading;
    slid ??= slide();
    const { state, failed } = slid;
    const failedSet = new Set(failed);
    const ok = list.filter((l) => !failedSet.has(l));
    const okKeys = new Set(ok.map((l) => workloadKey(l.workload)));
    const newPoints = entering.parts(workloads, entered);
    const added = newPoints.main;
    addParts(added, enter.collect("main"));
    for (const k of added.keys()) if (!okKeys.has(k)) added.delete(k);
    addParts(state, added);
    const next: CheckpointMeta = { ...meta, first: g2, committed: c2, eventCommitted, resolution };
    const newest = newPoints.tail;
    addParts(newest, enter.collect("tail"));
    this.finish(ok, state, newest, next, window, grid, out, writes, () => undefined);
    return failed;
  }

  /**
   * Whether the points ahead still hold the leaving points g1..edgeEnd of enter's namespaces; if
   * not, adds a target that reads them again with LEAVING_AHEAD_SECONDS more (never beyond the
   * committed point c). They are trusted only while Prometheus reports the start time it had
   * when they were read: a restart may have lost or replaced its data, which the leaving points
   * read again then show (the checkpoint no longer matches them).
   */
  private async leavingPoints(
    enter: UsageAccumulator,
    g1: number,
    edgeEnd: number,
    c: number,
    targets: ReadTarget[],
  ): Promise<"held" | "read"> {
    const { namespaces } = enter;
    const step = enter.grid.step;
    const started = await this.prometheus.startTime();
    const a = this.ahead;
    if (a && started !== undefined && a.started === started && a.points.covers(namespaces, step, g1, edgeEnd))
      return "held";
    const last = Math.max(edgeEnd, Math.min(c, edgeEnd + Math.ceil(LEAVING_AHEAD_SECONDS / step)));
    const grid: Grid = { start: g1 * step, step, count: last - g1 + 1 };
    // This pass's owner series start with the points read ahead: later passes resolve them with it.
    const points = new PointRecorder(new Set(namespaces), grid, enter.owners);
    this.ahead = { points, started };
    targets.push({ acc: points, from: grid.start - LOOKBACK_SECONDS, end: gridEnd(grid), events: false });
    return "read";
  }

  /** Writes the checkpoints of `state`, then answers the window from it and the uncommitted points. */
  private finish(
    list: Loaded[],
    state: Parts,
    tail: Parts,
    meta: CheckpointMeta,
    window: TimeWindow,
    grid: Grid,
    out: Map<string, WorkloadUsage>,
    writes: [string, Buffer][],
    note: (l: Loaded) => string | undefined,
  ): void {
    const view = fullView(window, grid, eventGridOf(grid));
    for (const l of list) {
      const k = workloadKey(l.workload);
      const committed = state.get(k);
      const bytes = encodeCheckpoint({ meta, part: committed });
      writes.push([l.key, bytes]);
      const expires = window.end + meta.windowSeconds + CHECKPOINT_TTL_EXTRA_SECONDS;
      this.held.set(l.key, { bytes, checkpoint: { meta, part: committed }, expires });
      // The answer counts the uncommitted points too, leaving the held statistics committed.
      const newest = tail.get(k);
      const part = committed ?? newest;
      const usage = part && toUsage(part, view, committed ? newest : undefined);
      if (!usage) continue;
      const why = note(l);
      if (why) usage.notes = [...(usage.notes ?? []), `usage read in full from Prometheus: ${why}`];
      out.set(k, usage);
    }
  }
}

function newReport(): PassReport {
  return { full: new Map(), incremental: 0, leaving: "none", checkpointBytes: 0, checkpoints: 0 };
}

/**
 * Each checkpoint with the points that left taken out and the hour the window now starts in
 * replaced (subtractParts, replaceEdge), or the workload in `failed` when they do not match.
 */
function slideState(
  list: Loaded[],
  gone: { main: Parts; tail: Parts } | undefined,
  lastHour: number,
  view: PartView,
): { state: Parts; failed: Loaded[] } {
  const failed: Loaded[] = [];
  const state: Parts = new Map();
  for (const l of list) {
    const part = l.checkpoint?.part;
    const key = workloadKey(l.workload);
    const one: Parts = part ? new Map([[key, part]]) : new Map();
    const only = (p: Parts): Parts => {
      const x = p.get(key);
      return x ? new Map([[key, x]]) : new Map();
    };
    if (gone && !(subtractParts(one, only(gone.main)) && replaceEdge(one, only(gone.tail), lastHour, view))) {
      failed.push(l);
      continue;
    }
    for (const [k, v] of one) state.set(k, v);
  }
  return { state, failed };
}

/** Why a checkpoint cannot be slid to this window's grid, or undefined when it can. */
function unusable(c: Checkpoint, grid: Grid, seconds: number): string | undefined {
  const m = c.meta;
  if (m.windowSeconds !== seconds) return "the window changed";
  if (m.step !== grid.step) return "the step changed";
  const first = grid.start / grid.step;
  const last = first + grid.count - 1;
  if (first < m.first || last < m.committed) return "the window moved back in time";
  if (m.committed < first + rateSpanOf(grid.step) - 1)
    return "a gap since the last pass longer than the window";
  return undefined;
}
