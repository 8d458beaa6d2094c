import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { savingsByWorkload } from "../../src/recommend/savings.js";
import { input, spec } from "./fixtures.js";

describe("savings across recommendations", () => {
  it("counts overlapping policies on one workload once, at the largest saving, never above what it costs", () => {
    const types = ["CPU", "MEMORY", "REPLICAS", "ALL", "SPOT_INSTANCES"] as const;
    const recs = types.map((t) => recommend(input({ spec: spec({ optimizationType: t }) })));
    const total = savingsByWorkload(recs);
    const naive = recs.reduce((sum, r) => sum + r.monthlySavings, 0);
    expect(total.workloads).toBe(1);
    expect(total.overlapping).toBe(4);
    expect(total.monthlySavings).toBe(Math.max(...recs.map((r) => r.monthlySavings)));
    expect(total.monthlySavings).toBeLessThanOrEqual(recs[0]?.currentCost ?? 0);
    expect(naive).toBeGreaterThan(recs[0]?.currentCost ?? 0);
  });

  it("adds up different workloads", () => {
    const a = recommend(input());
    const b = { ...a, target: { ...a.target, name: "api" } };
    expect(savingsByWorkload([a, b]).monthlySavings).toBeCloseTo(2 * a.monthlySavings, 2);
  });
});
