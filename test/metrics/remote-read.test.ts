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
