import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { PointSink } from "../../src/metrics/accumulator.js";
import { PrometheusUsageSource } from "../../src/metrics/prometheus-source.js";
import {
  decodeChunkedReadResponse,
  decodeXorChunk,
  FrameSplitter,
  LabelNames,
} from "../../src/metrics/remote-read.js";

/** uvarint length, 4 checksum bytes (not checked), payload. */
function frame(payload: number[]): number[] {
  const len: number[] = [];
  let n = payload.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>= 7;
  }
  len.push(n);
  return [...len, 1, 2, 3, 4, ...payload];
}

describe("FrameSplitter", () => {
  const payloads = [[7], Array.from({ length: 300 }, (_, i) => i % 256), [], [9, 9]];
  const body = Buffer.from(payloads.flatMap(frame));

  it("finds every frame however the body is cut into chunks", () => {
    for (const size of [1, 2, 3, 5, 64, body.length]) {
      const frames: number[][] = [];
      const splitter = new FrameSplitter((f) => frames.push([...f]));
      for (let i = 0; i < body.length; i += size) splitter.push(body.subarray(i, i + size));
      expect(frames, `chunks of ${size}`).toEqual(payloads);
      expect(splitter.pending).toBe(false);
    }
  });

  it("knows when the body stopped inside a frame", () => {
    const splitter = new FrameSplitter(() => {});
    splitter.push(body.subarray(0, body.length - 1));
    expect(splitter.pending).toBe(true);
  });
});

// ---- a tiny protobuf encoder for ChunkedReadResponse frames ----

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (num: number, bytes: number[]) => [...varint(num * 8 + 2), ...varint(bytes.length), ...bytes];
const uintField = (num: number, v: number) => [...varint(num * 8), ...varint(v)];
const text = (s: string) => [...Buffer.from(s, "utf8")];
const label = (name: string, value: string) => field(1, [...field(1, text(name)), ...field(2, text(value))]);
const chunk = (type: number, data: number[]) =>
  field(2, [...uintField(1, 0), ...uintField(2, 0), ...uintField(3, type), ...field(4, data)]);
/** A ChunkedReadResponse: its series (labels, then chunks), then the query index. */
function response(series: number[][], queryIndex: number): number[] {
  return [...series.flatMap((s) => field(1, s)), ...uintField(2, queryIndex)];
}

/** An XOR chunk of samples at t0 ms and t0 + dt ms, both of value v. */
function xor2(t0: number, dt: number, v: number): number[] {
  const value = Buffer.alloc(8);
  value.writeDoubleBE(v);
  // Count, zig-zag first timestamp, 64 value bits, first delta; then "value unchanged" (bit 0).
  return [0, 2, ...varint(t0 * 2), ...value, ...varint(dt), 0];
}

const CPU = "container_cpu_usage_seconds_total";
const seriesLabels = [
  label("__name__", CPU),
  label("container", "app"),
  label("id", "/kubepods/x"),
  label("namespace", "ns"),
  label("pod", "p-1"),
];

describe("decodeChunkedReadResponse", () => {
  const frameBytes = response(
    [
      [...seriesLabels.flat(), ...chunk(1, xor2(60_000, 15_000, 1.5)), ...chunk(2, [1, 2, 3])],
      [label("__name__", CPU), label("pod", "é")].flat(),
    ],
    3,
  );

  it("decodes labels, XOR chunks only and the query index, from a Buffer or a plain Uint8Array", () => {
    for (const frame of [Buffer.from(frameBytes), Uint8Array.from(frameBytes)]) {
      const [a, b, ...rest] = decodeChunkedReadResponse(frame);
      expect(rest).toEqual([]);
      expect(a?.queryIndex).toBe(3);
      expect(a?.labels).toEqual({
        __name__: CPU,
        container: "app",
        id: "/kubepods/x",
        namespace: "ns",
        pod: "p-1",
      });
      expect(a?.chunks.map((c) => [...c])).toEqual([xor2(60_000, 15_000, 1.5)]);
      const samples: [number, number][] = [];
      decodeXorChunk(a?.chunks[0] as Uint8Array, { push: (t, v) => samples.push([t, v]) });
      expect(samples).toEqual([
        [60, 1.5],
        [75, 1.5],
      ]);
      expect(b?.labels).toEqual({ __name__: CPU, pod: "é" });
      expect(b?.chunks).toEqual([]);
    }
  });

  it("picks only the labels asked for, and keys a series by its encoded labels", () => {
    const [a, b] = decodeChunkedReadResponse(Buffer.from(frameBytes));
    const names = new LabelNames(["pod", "container", "missing"]);
    expect(a?.pick(names)).toEqual({ pod: "p-1", container: "app" });
    expect(b?.pick(names)).toEqual({ pod: "é" });
    // The same series in another frame (other chunks, another query index) has the same key.
    const [again] = decodeChunkedReadResponse(
      Buffer.from(response([[...seriesLabels.flat(), ...chunk(1, xor2(0, 1, 2))]], 0)),
    );
    expect(again?.labelKey()).toBe(a?.labelKey());
    expect(b?.labelKey()).not.toBe(a?.labelKey());
  });
});

describe("PrometheusUsageSource's remote read", () => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise((resolve) => s.close(resolve));
  });

  it("feeds a series split across frames to one handler, in order, and drops repeated samples", async () => {
    // One series in three frames (the second repeats the first's last sample), then another.
    const frames = [
      response([[...seriesLabels.flat(), ...chunk(1, xor2(0, 60_000, 1))]], 0),
      response([[...seriesLabels.flat(), ...chunk(1, xor2(60_000, 60_000, 2))]], 0),
      response([[...seriesLabels.flat(), ...chunk(1, xor2(180_000, 60_000, 3))]], 0),
      response(
        [[...seriesLabels.slice(0, -1).flat(), ...label("pod", "p-2"), ...chunk(1, xor2(0, 60_000, 9))]],
        0,
      ),
    ].flatMap(frame);
    const s = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.url === "/api/v1/read") {
          res.writeHead(200, {
            "content-type": "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse",
          });
          // Cut anywhere, as a socket would.
          res.write(Buffer.from(frames.slice(0, 7)));
          res.end(Buffer.from(frames.slice(7)));
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ status: "success", data: [] }));
        }
      });
    });
    server = s;
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

    const made: string[] = [];
    const points: Record<string, [number, number][]> = {};
    const grid = { start: 0, step: 60, count: 5 };
    const acc = {
      grid,
      eventGrid: { start: 0, step: 3600, count: 0 },
      wants: () => true,
      cpuSeries: (ns: string, pod: string, c: string) => {
        const key = `${ns}/${pod}/${c}`;
        made.push(key);
        points[key] = [];
        return { point: (i: number, v: number) => points[key]?.push([i, v]) };
      },
    } as unknown as PointSink;
    const source = new PrometheusUsageSource({ url, retries: 0 });
    await source.read(["ns"], [{ acc, from: 0, end: 240, events: false }]);
    expect(made).toEqual(["ns/p-1/app", "ns/p-2/app"]);
    // At 60 s the first frame's sample (1), not the repeat in the second (2).
    expect(points["ns/p-1/app"]).toEqual([
      [0, 1],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
    ]);
    expect(points["ns/p-2/app"]).toEqual([
      [0, 9],
      [1, 9],
      [2, 9],
      [3, 9],
      [4, 9],
    ]);
    expect(source.stats.samplesTouched).toBe(8);
  });
});

/** Gorilla/XOR encoding as Prometheus writes it (tsdb/chunkenc/xor.go), with BigInts for clarity. */
function encodeXor(samples: [number, number][]): Uint8Array {
  const bits: number[] = [];
  const write = (v: bigint, n: number) => {
    for (let k = n - 1; k >= 0; k--) bits.push(Number((v >> BigInt(k)) & 1n));
  };
  const writeVarint = (v: bigint) => {
    for (;;) {
      const b = v & 0x7fn;
      v >>= 7n;
      if (v === 0n) return write(b, 8);
      write(b | 0x80n, 8);
    }
  };
  const f = new DataView(new ArrayBuffer(8));
  const u64 = (v: number) => {
    f.setFloat64(0, v);
    return f.getBigUint64(0);
  };
  const MASK = (1n << 64n) - 1n;
  let leading = 0xff;
  let trailing = 0;
  let prevV = 0n;
  let prevT = 0;
  let delta = 0;
  samples.forEach(([t, v], i) => {
    const x = u64(v);
    if (i === 0) {
      writeVarint(BigInt(t) >= 0n ? BigInt(t) * 2n : -BigInt(t) * 2n - 1n);
      write(x, 64);
    } else {
      if (i === 1) {
        delta = t - prevT;
        writeVarint(BigInt(delta));
      } else {
        const d = t - prevT;
        const dod = d - delta;
        delta = d;
        const fits = (n: number) => -(2 ** (n - 1) - 1) <= dod && dod <= 2 ** (n - 1);
        if (dod === 0) write(0n, 1);
        else if (fits(14)) write((0b10n << 14n) | (BigInt(dod) & ((1n << 14n) - 1n)), 16);
        else if (fits(17)) write((0b110n << 17n) | (BigInt(dod) & ((1n << 17n) - 1n)), 20);
        else if (fits(20)) write((0b1110n << 20n) | (BigInt(dod) & ((1n << 20n) - 1n)), 24);
        else {
          write(0b1111n, 4);
          write(BigInt(dod) & MASK, 64);
        }
      }
      const xor = x ^ prevV;
      if (xor === 0n) write(0n, 1);
      else {
        let lead = 0;
        while (lead < 64 && ((xor >> BigInt(63 - lead)) & 1n) === 0n) lead++;
        let trail = 0;
        while (((xor >> BigInt(trail)) & 1n) === 0n) trail++;
        if (lead >= 32) lead = 31;
        if (leading !== 0xff && lead >= leading && trail >= trailing) {
          write(0b10n, 2);
          write(xor >> BigInt(trailing), 64 - leading - trailing);
        } else {
          leading = lead;
          trailing = trail;
          write(0b11n, 2);
          write(BigInt(lead), 5);
          const sig = 64 - lead - trail;
          write(BigInt(sig === 64 ? 0 : sig), 6);
          write(xor >> BigInt(trail), sig);
        }
      }
    }
    prevV = x;
    prevT = t;
  });
  const out = new Uint8Array(2 + Math.ceil(bits.length / 8));
  out[0] = samples.length >> 8;
  out[1] = samples.length & 0xff;
  bits.forEach((b, k) => {
    out[2 + (k >> 3)] = (out[2 + (k >> 3)] as number) | (b << (7 - (k & 7)));
  });
  return out;
}

describe("decodeXorChunk", () => {
  it("decodes what Prometheus's encoder writes: every timestamp and value branch", () => {
    // A deterministic generator (no Math.random): values with few and many meaningful bits,
    // repeats, integers, negatives, tiny and huge magnitudes, NaN; gaps of every size class.
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const values = [
      () => 1.5,
      () => Math.floor(next() * 2 ** 40),
      () => next(),
      () => -next() * 1e300,
      () => next() * 1e-300,
      () => Number.NaN,
      () => 2 ** Math.floor(next() * 60),
    ];
    const gaps = [15_000, 15_001, 14_000, 60_000, 200_000, 2_000_000, 5e9];
    for (let run = 0; run < 50; run++) {
      const samples: [number, number][] = [];
      let t = Math.floor(next() * 2e12) - 1e12;
      for (let i = 0; i < 120; i++) {
        samples.push([t, (values[Math.floor(next() * values.length)] as () => number)()]);
        t += gaps[Math.floor(next() * gaps.length)] as number;
      }
      const got: [number, number][] = [];
      const n = decodeXorChunk(encodeXor(samples), { push: (s, v) => got.push([s, v]) });
      expect(n).toBe(samples.length);
      expect(got).toEqual(samples.map(([ms, v]) => [ms / 1000, v]));
    }
  });
});
