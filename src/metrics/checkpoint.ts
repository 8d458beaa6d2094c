// A workload's part (window-part.ts) as bytes for the Store: varints and float32/float64 fields
// and a CRC-32 at the end, so a damaged checkpoint is refused instead of decoded to nonsense.
// Sketch buckets are delta-coded; hours, days, runs and events are delta-coded from the first; an
// hour repeating the previous hour's counts (the usual case) costs a flag; of the hourly maxima
// only those that can still be a day's remaining maximum are kept. (Deflating saved a few per
// cent more and cost more CPU than the rest of a steady-state pass.)
// Maxima and profile sums are float32 (relative error 6e-8, far inside the sketch's 0.5%); the
// day sums, which are subtracted from again and again, stay float64.

import { crc32 } from "node:zlib";
import type { WorkloadKind } from "../api/types.js";
import { Sketch } from "./sketch.js";
import {
  type ContainerPart,
  coverHours,
  emptyHours,
  emptyProfile,
  HOURS_PER_WEEK,
  type Hours,
  hasPoints,
  profileAt,
  type WorkloadPart,
} from "./window-part.js";

const VERSION = 1;
/** Hours one checkpoint may span: a year is far beyond any window. */
const MAX_HOURS = 366 * 24;

/** Where a checkpoint's statistics stop, and what window they were built for. */
export interface CheckpointMeta {
  windowSeconds: number;
  step: number;
  /** First grid index (global) of the window the statistics are of. */
  first: number;
  /** Last grid index (global) whose points are in the statistics. */
  committed: number;
  /** Last event index (global) whose increases are in the statistics. */
  eventCommitted: number;
  /** The scrape interval the step was chosen from. */
  resolution: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  /** Undefined for a workload that had no data in the window. */
  part?: WorkloadPart;
}

export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
}

const f32 = new Float32Array(1);
/** Little-endian on every Node target, as writeFloatLE writes. */
const f32Bytes = new Uint8Array(f32.buffer);

/** Scratch space all Writers start in (encoding is synchronous), so a checkpoint allocates once. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** Appends to a buffer that doubles when full (a checkpoint is a few KiB). */
class Writer {
  private b = scratch;
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.b.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.b.length * 2, this.pos + n));
    this.b.copy(next, 0, 0, this.pos);
    this.b = next;
    scratch = next;
  }

  uint(v: number): void {
    this.room(10);
    // Most are small: one byte, no further checks.
    if (v >= 0 && v < 0x80 && (v | 0) === v) {
      this.b[this.pos++] = v;
      return;
    }
    if (!Number.isInteger(v) || v < 0) throw new CheckpointError(`not a count: ${v}`);
    let n = v;
    while (n >= 0x80) {
      this.b[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.b[this.pos++] = n;
  }

  int(v: number): void {
    this.uint(v >= 0 ? 2 * v : -2 * v - 1);
  }

  u16(v: number): void {
    this.room(2);
    this.b[this.pos++] = v & 0xff;
    this.b[this.pos++] = (v >>> 8) & 0xff;
  }

  f32(v: number): void {
    this.room(4);
    // Through a shared view rather than Buffer#writeFloatLE (its checks cost more than the copy).
    f32[0] = v;
    this.b[this.pos++] = f32Bytes[0] as number;
    this.b[this.pos++] = f32Bytes[1] as number;
    this.b[this.pos++] = f32Bytes[2] as number;
    this.b[this.pos++] = f32Bytes[3] as number;
  }

  f64(v: number): void {
    this.room(8);
    this.pos = this.b.writeDoubleLE(v, this.pos);
  }

  str(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.uint(n);
    this.room(n);
    this.pos += this.b.write(s, this.pos, "utf8");
  }

  /** The bytes written and their CRC-32, in a buffer of their own. */
  finish(): Buffer {
    const body = this.b.subarray(0, this.pos);
    const out = Buffer.allocUnsafe(this.pos + 4);
    body.copy(out);
    out.writeUInt32LE(crc32(body), this.pos);
    return out;
  }
}

class Reader {
  private pos = 0;

  constructor(private readonly b: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new CheckpointError("checkpoint ends early");
  }

  uint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      this.need(1);
      const x = this.b[this.pos++] as number;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
      if (mul > 2 ** 56) throw new CheckpointError("varint too long");
    }
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  u16(): number {
    this.need(2);
    const v = this.b.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  f32(): number {
    this.need(4);
    const v = this.b.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.b.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.uint();
    this.need(n);
    const s = this.b.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  get done(): boolean {
    return this.pos === this.b.length;
  }
}

/** Zeros, then runs of consecutive non-empty buckets: gap from the last run, length, counts. */
function writeSketch(w: Writer, s: Sketch): void {
  w.uint(s.zeroCount);
  let runs = 0;
  s.forEachRun(() => runs++);
  w.uint(runs);
  let prev = 0;
  s.forEachRun((first, counts, from, to) => {
    w.int(first - prev);
    w.uint(to - from);
    for (let j = from; j < to; j++) w.uint(counts[j] as number);
    prev = first + to - from;
  });
}

function readSketch(r: Reader): Sketch {
  const b = [r.uint()];
  let prev = 0;
  for (let n = r.uint(), k = 0; k < n; k++) {
    const start = prev + r.int();
    const len = r.uint();
    for (let j = 0; j < len; j++) b.push(start + j, r.uint());
    prev = start + len;
  }
  return Sketch.fromBuckets(b, 0);
}

/** The map's keys ascending; they usually are in that order already (added oldest first). */
function sortedKeys(map: Map<number, unknown>): number[] {
  const keys: number[] = [];
  let sorted = true;
  map.forEach((_, k) => {
    if (keys.length > 0 && k < (keys[keys.length - 1] as number)) sorted = false;
    keys.push(k);
  });
  return sorted ? keys : keys.sort((a, b) => a - b);
}

/** Writes sorted integer keys as deltas. */
function writeKeys<T>(w: Writer, map: Map<number, T>, each: (v: T, k: number) => void): void {
  const keys = sortedKeys(map);
  w.uint(keys.length);
  let prev = 0;
  for (const k of keys) {
    w.int(k - prev);
    prev = k;
    each(map.get(k) as T, k);
  }
}

function readKeys<T>(r: Reader, each: () => T): Map<number, T> {
  const out = new Map<number, T>();
  const n = r.uint();
  let prev = 0;
  for (let k = 0; k < n; k++) {
    prev += r.int();
    out.set(prev, each());
  }
  return out;
}

/** Per hour entry: 1 its CPU maximum is kept, 2 its memory maximum (scratch: encoding is synchronous). */
let kept = new Uint8Array(256);

/**
 * Marks the hours whose maximum can still matter: those above every later hour's of the same UTC
 * day. A window only ever loses hours at its start, so the maximum of a day's remaining hours is
 * always one of these records; the others are written as absent (0), which saves most of them.
 */
function markRecords(t: Hours): Uint8Array {
  const n = t.cpuCount.length;
  if (kept.length < n) kept = new Uint8Array(2 * n);
  kept.fill(0, 0, n);
  for (const [col, bit] of [
    [t.cpuMax, 1],
    [t.memoryMax, 2],
  ] as const) {
    let day = Number.NaN;
    let best = Number.NEGATIVE_INFINITY;
    for (let k = n - 1; k >= 0; k--) {
      if (!hasPoints(t, k)) continue;
      const d = Math.floor((t.first + k) / 24);
      if (d !== day) {
        day = d;
        best = Number.NEGATIVE_INFINITY;
      }
      const v = col[k] as number;
      if (v > best) {
        best = v;
        kept[k] = (kept[k] as number) | bit;
      }
    }
  }
  return kept;
}

function writeContainer(w: Writer, c: ContainerPart): void {
  writeSketch(w, c.cpu);
  writeSketch(w, c.memory);
  const t = c.hours;
  const n = t.cpuCount.length;
  let entries = 0;
  for (let k = 0; k < n; k++) if (hasPoints(t, k)) entries++;
  const records = markRecords(t);
  // Per hour with points a flag byte: 1 cpu maximum kept, 2 memory maximum kept, 4 counts differ
  // from the previous hour's, 8 not the hour after the previous one.
  w.uint(entries);
  let prevHour = Number.NaN;
  let lastCpu = -1;
  let lastMemory = -1;
  for (let k = 0; k < n; k++) {
    if (!hasPoints(t, k)) continue;
    const h = t.first + k;
    const cpuCount = t.cpuCount[k] as number;
    const memoryCount = t.memoryCount[k] as number;
    const cpuMax = t.cpuMax[k] as number;
    const memoryMax = t.memoryMax[k] as number;
    const cpu = ((records[k] as number) & 1) !== 0 && cpuMax > 0;
    const memory = ((records[k] as number) & 2) !== 0 && memoryMax > 0;
    const counts = cpuCount !== lastCpu || memoryCount !== lastMemory;
    const jump = h !== prevHour + 1;
    w.uint((cpu ? 1 : 0) | (memory ? 2 : 0) | (counts ? 4 : 0) | (jump ? 8 : 0));
    if (jump) w.int(Number.isNaN(prevHour) ? h : h - prevHour);
    if (counts) {
      w.uint(cpuCount);
      w.uint(memoryCount);
    }
    if (cpu) w.f32(cpuMax);
    if (memory) w.f32(memoryMax);
    w.u16(t.hash[k] as number);
    prevHour = h;
    lastCpu = cpuCount;
    lastMemory = memoryCount;
  }
  writeKeys(w, c.daySums, (sum) => w.f64(sum));
  w.uint(c.runs.length);
  let prev = 0;
  for (const i of c.runs) {
    w.int(i - prev);
    prev = i;
  }
  writeKeys(w, c.events, (e) => {
    w.uint(e.restarts);
    w.uint(e.ooms);
  });
}

function readContainer(r: Reader): ContainerPart {
  const cpu = readSketch(r);
  const memory = readSketch(r);
  const hours = emptyHours(0);
  let prevHour = Number.NaN;
  let cpuCount = 0;
  let memoryCount = 0;
  for (let n = r.uint(), k = 0; k < n; k++) {
    const flags = r.uint();
    const h = flags & 8 ? (Number.isNaN(prevHour) ? 0 : prevHour) + r.int() : prevHour + 1;
    if (flags & 4) {
      cpuCount = r.uint();
      memoryCount = r.uint();
    }
    const cpuMax = flags & 1 ? r.f32() : 0;
    const memoryMax = flags & 2 ? r.f32() : 0;
    // Hours only ascend; a jump past a year is damage, not a window (and would fill memory).
    if (
      !(h > prevHour || Number.isNaN(prevHour)) ||
      (hours.cpuCount.length > 0 && h - hours.first > MAX_HOURS)
    )
      throw new CheckpointError(`hour ${h} out of order or range`);
    coverHours(hours, h, h);
    const j = h - hours.first;
    hours.cpuCount[j] = cpuCount;
    hours.cpuMax[j] = cpuMax;
    hours.memoryCount[j] = memoryCount;
    hours.memoryMax[j] = memoryMax;
    hours.hash[j] = r.u16();
    prevHour = h;
  }
  const daySums = readKeys(r, () => r.f64());
  const runs: number[] = [];
  const n = r.uint();
  let prev = 0;
  for (let k = 0; k < n; k++) {
    prev += r.int();
    runs.push(prev);
  }
  const events = readKeys(r, () => ({ restarts: r.uint(), ooms: r.uint() }));
  return { cpu, memory, hours, daySums, runs, events };
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const w = new Writer();
  w.uint(VERSION);
  const m = c.meta;
  for (const v of [m.windowSeconds, m.step, m.first, m.committed, m.eventCommitted, m.resolution]) w.uint(v);
  const p = c.part;
  w.uint(p ? 1 : 0);
  if (p) {
    w.str(p.workload.namespace);
    w.str(p.workload.kind);
    w.str(p.workload.name);
    w.uint(p.ownership === "name-pattern" ? 1 : 0);
    w.uint(p.notes?.length ?? 0);
    for (const n of p.notes ?? []) w.str(n);
    w.uint(p.hpa ? 1 : 0);
    if (p.hpa) {
      w.str(p.hpa.name);
      w.f64(p.hpa.minReplicas ?? Number.NaN);
      w.f64(p.hpa.maxReplicas ?? Number.NaN);
    }
    // Points and pods per hour of week mostly repeat: 0 = the previous hour's.
    let prevPoints = -1;
    let prevPods = -1;
    const pr = p.profile;
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const points = profileAt(pr, pr.points, h);
      const pods = profileAt(pr, pr.pods, h);
      if (points === prevPoints && pods === prevPods) w.uint(0);
      else {
        w.uint(points + 1);
        w.uint(pods);
      }
      if (points > 0) w.f32(profileAt(pr, pr.cpu, h));
      prevPoints = points;
      prevPods = pods;
    }
    w.uint(p.containers.size);
    for (const [name, c] of p.containers) {
      w.str(name);
      writeContainer(w, c);
    }
  }
  return w.finish();
}

/** The checkpoint in b; throws CheckpointError for anything else (damaged, other version). */
export function decodeCheckpoint(b: Buffer): Checkpoint {
  if (b.length < 5) throw new CheckpointError("checkpoint too short");
  const raw = b.subarray(0, b.length - 4);
  if (crc32(raw) !== b.readUInt32LE(b.length - 4)) throw new CheckpointError("checksum mismatch");
  const r = new Reader(raw);
  const version = r.uint();
  if (version !== VERSION) throw new CheckpointError(`checkpoint version ${version}, expected ${VERSION}`);
  const meta: CheckpointMeta = {
    windowSeconds: r.uint(),
    step: r.uint(),
    first: r.uint(),
    committed: r.uint(),
    eventCommitted: r.uint(),
    resolution: r.uint(),
  };
  const out: Checkpoint = { meta };
  if (r.uint() === 1) {
    const workload = { namespace: r.str(), kind: r.str() as WorkloadKind, name: r.str() };
    const ownership = r.uint() === 1 ? "name-pattern" : "owner-series";
    const notes = Array.from({ length: r.uint() }, () => r.str());
    const part: WorkloadPart = { workload, ownership, profile: emptyProfile(), containers: new Map() };
    if (notes.length > 0) part.notes = notes;
    if (r.uint() === 1) {
      const name = r.str();
      const min = r.f64();
      const max = r.f64();
      part.hpa = { name };
      if (!Number.isNaN(min)) part.hpa.minReplicas = min;
      if (!Number.isNaN(max)) part.hpa.maxReplicas = max;
    }
    let points = 0;
    let pods = 0;
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const x = r.uint();
      if (x > 0) {
        points = x - 1;
        pods = r.uint();
      }
      part.profile.points[h] = points;
      part.profile.pods[h] = pods;
      if (points > 0) part.profile.cpu[h] = r.f32();
    }
    const n = r.uint();
    for (let k = 0; k < n; k++) part.containers.set(r.str(), readContainer(r));
    out.part = part;
  }
  if (!r.done) throw new CheckpointError("checkpoint has trailing bytes");
  return out;
}
