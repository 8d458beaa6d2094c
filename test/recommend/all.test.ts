import { describe, expect, it } from "vitest";
import { formatCpu } from "../../src/api/quantity.js";
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

  it("explains the CPU figure in the evidence table's per-pod terms, and the risk says the same", () => {
    const r = recommend(input({ spec: all }));
    const perPod = formatCpu(containerOf(r).evidence?.cpu.p95 ?? Number.NaN);
    // The evidence table shows per-pod statistics; the note starts from the same figure.
    expect(containerOf(r).notes).toContain(
      `CPU request 675m = per-pod p95 ${perPod} x 3 -> 1 replicas (3.00x load per pod) + 10%, rounded up`,
    );
    expect(r.risk.factors.find((f) => f.name === "consolidation")?.detail).toBe(
      "3 -> 1 replicas: 3.00x load per pod",
    );
  });

  it("gives the load per pod of the stepped replica count once maxChangePercent cuts it back", () => {
    const r = recommend(input({ spec: spec({ optimizationType: "ALL", maxChangePercent: 50 }) }));
    // 3 -> 1 is -67%; stepped to 2, so each pod carries 1.5x, not 3x.
    expect(r.replicas?.proposed).toBe(2);
    expect(containerOf(r).notes.join("\n")).toMatch(/x 3 -> 1 replicas \(3\.00x load per pod\)/);
    expect(r.risk.factors.find((f) => f.name === "consolidation")?.detail).toBe(
      "3 -> 2 replicas: 1.50x load per pod",
    );
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
