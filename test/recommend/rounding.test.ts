import { describe, expect, it } from "vitest";
import { formatCpu, formatMemory } from "../../src/api/quantity.js";
import { roundCpuUp, roundMemoryUp } from "../../src/recommend/rounding.js";

const MI = 2 ** 20;

describe("reviewer-friendly rounding", () => {
  it("rounds CPU up to 5m, 25m, 100m and 250m steps as values grow", () => {
    expect([12, 101, 237, 1001, 3950, 4001].map((m) => formatCpu(roundCpuUp(m)))).toEqual([
      "15m",
      "125m",
      "250m",
      "1100m",
      "4",
      "4250m",
    ]);
  });

  it("rounds memory up to 16Mi, 32Mi, 128Mi and 256Mi steps, never a fraction of a Mi", () => {
    expect([100.2, 300, 1100, 5000].map((m) => formatMemory(roundMemoryUp(m * MI)))).toEqual([
      "112Mi",
      "320Mi",
      "1152Mi",
      "5Gi",
    ]);
  });

  it("never rounds down", () => {
    for (let m = 1; m < 6000; m += 37) expect(roundCpuUp(m)).toBeGreaterThanOrEqual(m);
    for (let b = MI; b < 6 * 2 ** 30; b += 97 * MI) expect(roundMemoryUp(b)).toBeGreaterThanOrEqual(b);
  });
});
