// A workload's part (window-part.ts) as bytes for the Store: varints and float32/float64 fields,
// deflated (zlib, so a damaged checkpoint fails its checksum instead of decoding to nonsense).
// Sketch buckets are delta-coded; hours, days, runs and events are delta-coded from the first.
// Maxima and profile sums are float32 (relative error 6e-8, far inside the sketch's 0.5%); the
// day sums, which are subtracted from again and again, stay float64.

import { deflateSync, inflateSync } from "node:zlib";
import type { WorkloadKind } from "../api/types.js";
import { Sketch } from "./sketch.js";
import { type ContainerPart, emptyProfile, type WorkloadPart } from "./window-part.js";

const VERSION = 1;

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

class Writer {
  private bytes: number[] = [];
  private readonly f = new DataView(new ArrayBuffer(8));

  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0) throw new CheckpointError(`not a count: ${v}`);
    let n = v;
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
  }

  int(v: number): void {
    this.uint(v >= 0 ? 2 * v : -2 * v - 1);
  }

  f32(v: number): void {
    this.f.setFloat32(0, v, true);
    for (let k = 0; k < 4; k++) this.bytes.push(this.f.getUint8(k));
  }

  f64(v: number): void {
    this.f.setFloat64(0, v, true);
    for (let k = 0; k < 8; k++) this.bytes.push(this.f.getUint8(k));
  }

  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.uint(b.length);
    for (const x of b) this.bytes.push(x);
  }

  finish(): Buffer {
    return Buffer.from(this.bytes);
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

function writeSketch(w: Writer, s: Sketch): void {
  const b = s.toBuckets();
  w.uint(b[0] as number);
  w.uint((b.length - 1) / 2);
  let prev = 0;
  for (let k = 1; k + 1 < b.length; k += 2) {
    w.int((b[k] as number) - prev);
    prev = b[k] as number;
    w.uint(b[k + 1] as number);
  }
}

function readSketch(r: Reader): Sketch {
  const b = [r.uint()];
  const n = r.uint();
  let prev = 0;
  for (let k = 0; k < n; k++) {
    prev += r.int();
    b.push(prev, r.uint());
  }
  return Sketch.fromBuckets(b, 0);
}

/** Writes sorted integer keys as deltas. */
function writeKeys<T>(w: Writer, map: Map<number, T>, each: (v: T) => void): void {
  const keys = [...map.keys()].sort((a, b) => a - b);
  w.uint(keys.length);
  let prev = 0;
  for (const k of keys) {
    w.int(k - prev);
    prev = k;
    each(map.get(k) as T);
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

function writeContainer(w: Writer, c: ContainerPart): void {
  writeSketch(w, c.cpu);
  writeSketch(w, c.memory);
  writeKeys(w, c.hours, (cell) => {
    w.uint(cell.cpuCount);
    if (cell.cpuCount > 0) w.f32(cell.cpuMax);
    w.uint(cell.memoryCount);
    if (cell.memoryCount > 0) w.f32(cell.memoryMax);
    w.uint(cell.hash);
  });
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
  const hours = readKeys(r, () => {
    const cpuCount = r.uint();
    const cpuMax = cpuCount > 0 ? r.f32() : 0;
    const memoryCount = r.uint();
    const memoryMax = memoryCount > 0 ? r.f32() : 0;
    return { cpuCount, cpuMax, memoryCount, memoryMax, hash: r.uint() & 0xffff };
  });
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
    for (let h = 0; h < 168; h++) {
      w.uint(p.profile.points[h] as number);
      if ((p.profile.points[h] as number) > 0) {
        w.f32(p.profile.cpu[h] as number);
        w.uint(p.profile.pods[h] as number);
      }
    }
    w.uint(p.containers.size);
    for (const [name, c] of p.containers) {
      w.str(name);
      writeContainer(w, c);
    }
  }
  return deflateSync(w.finish());
}

/** The checkpoint in b; throws CheckpointError for anything else (damaged, other version). */
export function decodeCheckpoint(b: Buffer): Checkpoint {
  let raw: Buffer;
  try {
    raw = inflateSync(b);
  } catch (e) {
    throw new CheckpointError(`checkpoint does not inflate: ${(e as Error).message}`);
  }
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
    for (let h = 0; h < 168; h++) {
      const points = r.uint();
      part.profile.points[h] = points;
      if (points > 0) {
        part.profile.cpu[h] = r.f32();
        part.profile.pods[h] = r.uint();
      }
    }
    const n = r.uint();
    for (let k = 0; k < n; k++) part.containers.set(r.str(), readContainer(r));
    out.part = part;
  }
  if (!r.done) throw new CheckpointError("checkpoint has trailing bytes");
  return out;
}
