import { describe, expect, it } from "vitest";
import { FrameSplitter } from "../../src/metrics/remote-read.js";

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
