import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/metrics/prng.js";
import { RELATIVE_ACCURACY, Sketch } from "../../src/metrics/sketch.js";

function exact(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

describe("Sketch", () => {
  it("answers quantiles within its relative accuracy of the exact nearest-rank value", () => {
    const rnd = mulberry32(7);
    // A long-tailed mix with exact zeros, like idle CPU with bursts.
    const values = Array.from({ length: 20_000 }, () =>
      rnd() < 0.1 ? 0 : Math.exp(6 * rnd()) * (1 + rnd()),
    );
    const s = new Sketch();
    for (const v of values) s.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const want = exact(sorted, q);
      expect(Math.abs(s.quantile(q) - want)).toBeLessThanOrEqual(RELATIVE_ACCURACY * want + 1e-12);
    }
    expect(s.quantile(1)).toBe(sorted[sorted.length - 1]);
    expect(s.quantile(0.05)).toBe(0);
  });

  it("merges exactly: pooled sketches answer as one sketch of all values", () => {
    const rnd = mulberry32(3);
    const all = new Sketch();
    const parts = [new Sketch(), new Sketch(), new Sketch()];
    for (let i = 0; i < 3000; i++) {
      const v = (i % 3) * 1000 + rnd() * 10 ** (i % 3);
      all.add(v);
      parts[i % 3]?.add(v);
    }
    const pooled = new Sketch();
    for (const p of parts) pooled.merge(p);
    for (const q of [0.5, 0.9, 0.99, 1]) expect(pooled.quantile(q)).toBe(all.quantile(q));
    expect(pooled.count).toBe(3000);
  });

  it("is 0 when empty", () => {
    expect(new Sketch().quantile(0.95)).toBe(0);
  });
});
