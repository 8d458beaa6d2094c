// Prometheus remote read (POST /api/v1/read) with streamed XOR chunks: the cheapest way to read
// every raw sample of many series. The server copies compressed chunks as they are stored
// (no query engine, no JSON: about 1.5 bytes a sample), frame by frame, so neither side holds
// more than a frame. Only what this needs of the protocol is here: encoding a ReadRequest
// (protobuf, snappy block format with literals only), splitting the framed response, decoding
// ChunkedReadResponse and Gorilla/XOR chunks (prometheus/tsdb/chunkenc/xor.go).

export type MatcherType = "=" | "!=" | "=~" | "!~";
export interface Matcher {
  type: MatcherType;
  name: string;
  value: string;
}
export interface RemoteReadQuery {
  startMs: number;
  endMs: number;
  matchers: Matcher[];
}

const MATCHER_TYPES: Record<MatcherType, number> = { "=": 0, "!=": 1, "=~": 2, "!~": 3 };
const STREAMED_XOR_CHUNKS = 1;
const XOR = 1;

// ---- protobuf writing ----

class ProtoWriter {
  private readonly bytes: number[] = [];

  varint(v: number): this {
    let n = v;
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  uint(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }

  bytesField(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, Buffer.from(s, "utf8"));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export function encodeReadRequest(queries: RemoteReadQuery[]): Uint8Array {
  const req = new ProtoWriter();
  for (const q of queries) {
    const query = new ProtoWriter().uint(1, q.startMs).uint(2, q.endMs);
    for (const m of q.matchers) {
      const matcher = new ProtoWriter().uint(1, MATCHER_TYPES[m.type]).string(2, m.name).string(3, m.value);
      query.bytesField(3, matcher.finish());
    }
    req.bytesField(1, query.finish());
  }
  req.bytesField(2, new ProtoWriter().varint(STREAMED_XOR_CHUNKS).finish());
  return req.finish();
}

/** Snappy block format using literals only: valid input for any snappy decoder. */
export function snappyLiteral(data: Uint8Array): Buffer {
  const out: number[] = [];
  let n = data.length;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  const parts: Buffer[] = [Buffer.from(out)];
  for (let i = 0; i < data.length; i += 65_536) {
    const chunk = data.subarray(i, Math.min(data.length, i + 65_536));
    const len = chunk.length - 1;
    const tag = len < 60 ? [len << 2] : len < 256 ? [60 << 2, len] : [61 << 2, len & 0xff, len >> 8];
    parts.push(Buffer.from(tag), Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

// ---- framed response ----

/**
 * Splits the streamed body into frames: uvarint length, 4-byte CRC32C, message. Feed it chunks
 * of the HTTP body; it calls onFrame with each complete message.
 */
export class FrameSplitter {
  private parts: Buffer[] = [];
  private total = 0;
  /** Bytes needed before the next frame is complete (0 = not known yet). */
  private need = 0;

  constructor(private readonly onFrame: (frame: Uint8Array) => void) {}

  push(chunk: Buffer): void {
    this.parts.push(chunk);
    this.total += chunk.length;
    // A frame (up to a megabyte) arrives in many socket chunks; join them once it is whole,
    // not on every chunk.
    if (this.total < this.need) return;
    if (this.parts.length > 1 && this.need > 0) {
      // Join only the frame begun earlier: the rest of this chunk (many small frames, in a
      // steady pass) is read where it is instead of being copied along.
      const fromChunk = this.need - (this.total - chunk.length);
      this.parts[this.parts.length - 1] = chunk.subarray(0, fromChunk);
      const frame = Buffer.concat(this.parts, this.need);
      this.parts = [];
      this.total = 0;
      this.need = 0;
      this.push(frame);
      if (fromChunk < chunk.length) this.push(chunk.subarray(fromChunk));
      return;
    }
    // One chunk, or the frame's length itself was cut (rare): join what there is.
    const buf = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.total);
    let pos = 0;
    this.need = 0;
    for (;;) {
      let len = 0;
      let mul = 1;
      let p = pos;
      let complete = false;
      while (p < buf.length) {
        const b = buf[p++] as number;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if (b < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) break;
      if (p + 4 + len > buf.length) {
        this.need = p + 4 + len - pos;
        break;
      }
      this.onFrame(buf.subarray(p + 4, p + 4 + len));
      pos = p + 4 + len;
    }
    const rest = buf.subarray(pos);
    this.parts = rest.length > 0 ? [rest] : [];
    this.total = rest.length;
  }

  /** Whether the body ended in the middle of a frame. */
  get pending(): boolean {
    return this.total > 0;
  }
}

// ---- protobuf reading ----

// A steady pass reads thousands of short series, each in a frame of its own: decoding makes no
// object per field and no string per label, so a series costs one SeriesChunks and a view per
// chunk; only the labels a caller asks for become strings, and only when it asks.

// Field keys (field number * 8 + wire type) of the messages read here.
const SERIES = (1 << 3) | 2; // ChunkedReadResponse.chunked_series
const QUERY_INDEX = (2 << 3) | 0; // ChunkedReadResponse.query_index
const LABEL = (1 << 3) | 2; // ChunkedSeries.labels
const CHUNK = (2 << 3) | 2; // ChunkedSeries.chunks
const CHUNK_TYPE = (3 << 3) | 0; // Chunk.type
const CHUNK_DATA = (4 << 3) | 2; // Chunk.data
const LABEL_NAME = (1 << 3) | 2; // Label.name
const LABEL_VALUE = (2 << 3) | 2; // Label.value

class ProtoReader {
  constructor(
    readonly b: Uint8Array,
    public pos: number,
  ) {}

  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = this.b[this.pos++] as number;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }

  /** Skips the payload of a field of the given wire type (its key already read). */
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) {
      const len = this.varint();
      this.pos += len;
    } else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

/** Label names to pick out of a series, encoded once so others are skipped by their bytes. */
export class LabelNames {
  readonly encoded: Buffer[];

  constructor(readonly names: readonly string[]) {
    this.encoded = names.map((n) => Buffer.from(n, "utf8"));
  }

  /** Index of the name in b[start, end), or -1. */
  indexOf(b: Uint8Array, start: number, end: number): number {
    const len = end - start;
    next: for (let i = 0; i < this.encoded.length; i++) {
      const e = this.encoded[i] as Buffer;
      if (e.length !== len) continue;
      for (let k = 0; k < len; k++) if (e[k] !== b[start + k]) continue next;
      return i;
    }
    return -1;
  }
}

/** One series of a frame: its labels left encoded in the frame until asked for, its chunks as views of it. */
export class SeriesChunks {
  /** Which of the request's queries the series answers. */
  queryIndex = 0;

  constructor(
    private readonly frame: Buffer,
    /** Bounds of the series' label fields in the frame. */
    private readonly labelsStart: number,
    private readonly labelsEnd: number,
    /** XOR chunk payloads in time order. */
    readonly chunks: readonly Uint8Array[],
  ) {}

  /**
   * The labels as encoded, one character per byte: identifies the series without decoding it.
   * Equal label sets encode alike (Prometheus writes a series' labels sorted, ahead of its
   * chunks, in every frame), so a series split across frames has the same key in each.
   */
  labelKey(): string {
    return this.frame.toString("latin1", this.labelsStart, this.labelsEnd);
  }

  /** Every label, decoded anew on each call. */
  get labels(): Record<string, string> {
    return this.pick();
  }

  /** The labels with these names (those the series has), or all without names. */
  pick(names?: LabelNames): Record<string, string> {
    const b = this.frame;
    const r = new ProtoReader(b, this.labelsStart);
    const out: Record<string, string> = {};
    while (r.pos < this.labelsEnd) {
      const key = r.varint();
      if (key !== LABEL) {
        r.skip(key & 7);
        continue;
      }
      const len = r.varint();
      const end = r.pos + len;
      let nameStart = 0;
      let nameEnd = 0;
      let valueStart = 0;
      let valueEnd = 0;
      while (r.pos < end) {
        const k = r.varint();
        if (k === LABEL_NAME) {
          const n = r.varint();
          nameStart = r.pos;
          nameEnd = r.pos + n;
          r.pos = nameEnd;
        } else if (k === LABEL_VALUE) {
          const n = r.varint();
          valueStart = r.pos;
          valueEnd = r.pos + n;
          r.pos = valueEnd;
        } else r.skip(k & 7);
      }
      let name: string;
      if (names) {
        const i = names.indexOf(b, nameStart, nameEnd);
        if (i < 0) continue;
        name = names.names[i] as string;
      } else name = b.toString("utf8", nameStart, nameEnd);
      out[name] = b.toString("utf8", valueStart, valueEnd);
    }
    return out;
  }
}

/** Decodes one ChunkedReadResponse frame. */
export function decodeChunkedReadResponse(frame: Uint8Array): readonly SeriesChunks[] {
  // The frames from FrameSplitter are Buffers already; a Buffer decodes strings without a view each.
  const b = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const r = new ProtoReader(b, 0);
  // A frame usually holds one series of one chunk: [x] makes an array of one, where pushing to
  // an empty array makes room for 17.
  let series: SeriesChunks[] | undefined;
  let queryIndex = 0;
  while (r.pos < b.length) {
    const key = r.varint();
    if (key === SERIES) {
      const len = r.varint();
      const s = decodeSeries(b, r, r.pos + len);
      if (series) series.push(s);
      else series = [s];
    } else if (key === QUERY_INDEX) queryIndex = r.varint();
    else r.skip(key & 7);
  }
  if (!series) return [];
  // The query index follows the series in the frame.
  for (const s of series) s.queryIndex = queryIndex;
  return series;
}

function decodeSeries(b: Buffer, r: ProtoReader, end: number): SeriesChunks {
  let labelsStart = -1;
  let labelsEnd = end;
  let chunks: Uint8Array[] | undefined; // as series above
  while (r.pos < end) {
    const fieldStart = r.pos;
    const key = r.varint();
    if (key === LABEL) {
      const len = r.varint();
      r.pos += len;
      if (labelsStart < 0) labelsStart = fieldStart;
      labelsEnd = r.pos;
    } else if (key === CHUNK) {
      const len = r.varint();
      const chunkEnd = r.pos + len;
      let type = 0;
      let dataStart = -1;
      let dataEnd = -1;
      while (r.pos < chunkEnd) {
        const k = r.varint();
        if (k === CHUNK_TYPE) type = r.varint();
        else if (k === CHUNK_DATA) {
          const len = r.varint();
          dataStart = r.pos;
          dataEnd = r.pos + len;
          r.pos = dataEnd;
        } else r.skip(k & 7);
      }
      // Native histogram chunks carry no float samples for these metrics.
      if (type === XOR && dataStart >= 0) {
        const data = b.subarray(dataStart, dataEnd);
        if (chunks) chunks.push(data);
        else chunks = [data];
      }
    } else r.skip(key & 7);
  }
  return new SeriesChunks(b, labelsStart < 0 ? end : labelsStart, labelsEnd, chunks ?? []);
}

// ---- XOR chunks ----

// Little-endian hosts (all Node targets): word 1 holds the high half of a float64's bits.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const TWO32 = 2 ** 32;
const POW2 = Array.from({ length: 65 }, (_, k) => 2 ** k);

/** Big-endian bit reader over a chunk; reading past the end yields zero bits. */
class Bits {
  pos = 16; // after the 2-byte sample count

  constructor(private readonly d: Uint8Array) {}

  bit(): number {
    const p = this.pos++;
    return ((this.d[p >>> 3] as number) >> (7 - (p & 7))) & 1;
  }

  /** Up to 32 bits as an unsigned number. Bitwise operators read a missing byte (past the end) as 0. */
  bits(count: number): number {
    if (count === 0) return 0;
    const d = this.d;
    const i = this.pos >>> 3;
    const off = this.pos & 7;
    this.pos += count;
    const top =
      ((d[i] as number) << 24) |
      ((d[i + 1] as number) << 16) |
      ((d[i + 2] as number) << 8) |
      (d[i + 3] as number);
    if (off + count <= 32) return (top << off) >>> (32 - count);
    // Straddles 5 bytes: the last 32 - off bits of the first four, then the first few of the
    // fifth. Shifts, not division and %, which V8 does in floating point (fmod is slow).
    const low = off + count - 32;
    const head = (top << off) >>> off;
    return ((head << low) | (((d[i + 4] as number) | 0) >>> (8 - low))) >>> 0;
  }

  uvarint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = this.bits(8);
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }
}

export interface SampleSink {
  push(t: number, v: number): void;
}

/**
 * Pushes (t seconds, v) for each sample of an XOR chunk to the sink; returns how many there
 * were. A sink object rather than a callback: the caller need not make a closure per chunk.
 */
export function decodeXorChunk(data: Uint8Array, sink: SampleSink): number {
  const n = ((data[0] as number) << 8) | (data[1] as number);
  if (n === 0) return 0;
  const r = new Bits(data);
  // Sample 0: zig-zag varint timestamp (ms), 64 raw bits of value.
  const zz = r.uvarint();
  let t = zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
  let hi = r.bits(32);
  let lo = r.bits(32);
  u32[1] = hi;
  u32[0] = lo;
  sink.push(t / 1000, f64[0] as number);
  let leading = 0;
  let trailing = 0;
  let tDelta = 0;
  for (let i = 1; i < n; i++) {
    if (i === 1) {
      tDelta = r.uvarint();
    } else if (r.bit() === 1) {
      // Delta of delta: 10 -> 14 bits, 110 -> 17, 1110 -> 20, 1111 -> 64; sign in the top bit.
      const size = r.bit() === 0 ? 14 : r.bit() === 0 ? 17 : r.bit() === 0 ? 20 : 64;
      let dod: number;
      if (size === 64) {
        const h = r.bits(32);
        const l = r.bits(32);
        dod = h >= 0x80000000 ? (h - TWO32) * TWO32 + l : h * TWO32 + l;
      } else {
        dod = r.bits(size);
        if (dod > 2 ** (size - 1)) dod -= 2 ** size;
      }
      tDelta += dod;
    }
    t += tDelta;
    // Value: 0 = unchanged; 10 = XOR within the previous window; 11 = new window, then XOR.
    if (r.bit() === 1) {
      let mbits: number;
      if (r.bit() === 0) {
        mbits = 64 - leading - trailing;
      } else {
        leading = r.bits(5);
        mbits = r.bits(6);
        if (mbits === 0) mbits = 64;
        trailing = 64 - leading - mbits;
      }
      // The meaningful bits as a 64-bit (dh, dl) pair, shifted left by trailing.
      const highBits = mbits > 32 ? mbits - 32 : 0;
      let dh = r.bits(highBits);
      let dl = r.bits(mbits - highBits);
      if (trailing >= 32) {
        dh = trailing === 64 ? 0 : dl * (POW2[trailing - 32] as number);
        dl = 0;
      } else if (trailing > 0) {
        // Shift the pair left by trailing (< 32) with 32-bit shifts: the top bits of dl carry
        // into dh. (dh and dl are unsigned; << reads them modulo 2^32, which is what is wanted.)
        dh = ((dh << trailing) | (dl >>> (32 - trailing))) >>> 0;
        dl = (dl << trailing) >>> 0;
      }
      hi = (hi ^ dh) >>> 0;
      lo = (lo ^ dl) >>> 0;
      u32[1] = hi;
      u32[0] = lo;
    }
    sink.push(t / 1000, f64[0] as number);
  }
  return n;
}
