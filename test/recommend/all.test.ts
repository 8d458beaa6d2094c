import { describe, expect, it } from "vitest";
import { effectiveCpu } from "../../src/recommend/cost.js";
import { recommend } from "../../src/recommend/engine.js";
import type { Recommendation } from "../../src/recommend/types.js";
import { containerOf, diurnal, input, MI, spec, usageFrom } from "./fixtures.js";

const all = spec({ optimizationType: "ALL" });
const reservedCpu = (r: Recommendation) =>
  r.containers.reduce((sum, c) => sum + effectiveCpu(c.proposed), 0) * (r.replicas?.proposed ?? 1);

describe("ALL strategy", () => {
  it("computes requests and replicas together: total CPU reserved matches right-sizing alone, not both cuts stacked", () => {
    const cpuOnly = recommend(input());
    const merged = recommend(input({ spec: all }));
    // 3 pods x 200m; consolidated to 1 pod carrying 600m -> 660m -> 675m, the same 675m as 3 x 225m
    expect(merged.replicas?.proposed).toBe(1);
    expect(containerOf(merged).proposed.cpuRequest).toBe(675);
    expect(reservedCpu(merged)).toBe(reservedCpu(cpuOnly));
    expect(merged.risk.factors.map((f) => f.name)).toContain("consolidation");
  });

  it("sizes memory from the peak too and lists every type that contributed", () => {
    const r = recommend(input({ spec: all, settings: { replicas: { minReplicas: 2 } } }));
    // 2 replicas carry 3 x 200m: 300m each -> 330m -> 350m
    expect(containerOf(r).proposed.cpuRequest).toBe(350);
    expect(containerOf(r).proposed.memoryLimit).toBe(352 * MI);
    expect(r.placement?.capacityType).toBe("spot");
    expect(r.appliedTypes).toEqual(["REPLICAS", "CPU", "MEMORY", "SPOT_INSTANCES"]);
  });

  it("keeps quiet hours at two replicas when the workload moves to spot", () => {
    const r = recommend(input({ spec: all, usage: usageFrom({ cpu: diurnal(600, 100) }) }));
    expect(r.placement).toBeDefined();
    expect(r.scheduledScaling?.windows[0]?.desiredReplicas).toBe(2);
    expect(r.scheduledScaling?.baselineReplicas).toBe(r.replicas?.proposed);
  });

  it("costs less than or the same as any single type alone on the same workload", () => {
    const usage = usageFrom({ cpu: diurnal(600, 100) });
    const merged = recommend(input({ spec: all, usage }));
    for (const t of ["CPU", "MEMORY", "REPLICAS", "SPOT_INSTANCES", "SCHEDULED_SCALING"] as const) {
      const single = recommend(input({ spec: spec({ optimizationType: t }), usage }));
      expect(merged.optimizedCost).toBeLessThanOrEqual(single.optimizedCost);
    }
  });
});
