import { describe, expect, it } from "vitest";
import { formatCpu } from "../../src/api/quantity.js";
import { effectiveCpu } from "../../src/recommend/cost.js";
import { recommend } from "../../src/recommend/engine.js";
import type { Recommendation } from "../../src/recommend/types.js";
import { containerOf, diurnal, input, MI, spec, usageFrom, workload } from "./fixtures.js";

const all = spec({ optimizationType: "ALL" });
const reservedCpu = (r: Recommendation) =>
  r.containers.reduce((sum, c) => sum + effectiveCpu(c.proposed), 0) * (r.replicas?.proposed ?? 1);

describe("ALL strategy", () => {
  it("computes requests and replicas together: total CPU reserved matches right-sizing alone, not both cuts stacked", () => {
    const cpuOnly = recommend(input());
    const merged = recommend(input({ spec: all }));
    // 3 pods x 200m; never below 2 pods for a workload running 3: 2 pods carrying 300m each, the same 600m as 3 x 200m
    expect(merged.replicas?.proposed).toBe(2);
    expect(containerOf(merged).proposed.cpuRequest).toBe(300);
    expect(reservedCpu(merged)).toBe(reservedCpu(cpuOnly));
    expect(merged.risk.factors.map((f) => f.name)).toContain("consolidation");
  });

  it("explains the CPU figure in the evidence table's per-pod terms, at the proposed count", () => {
    const r = recommend(input({ spec: all }));
    const perPod = formatCpu(containerOf(r).evidence?.cpu.p90 ?? Number.NaN);
    // The evidence table shows per-pod statistics; the note starts from the same figure.
    expect(containerOf(r).notes).toContain(
      `CPU request 300m = per-pod p90 ${perPod} x 3 -> 2 replicas (1.50x load per pod) + 0%, rounded up`,
    );
    expect(r.risk.factors.find((f) => f.name === "consolidation")?.detail).toBe(
      "3 -> 2 replicas: 1.50x load per pod",
    );
  });

  it("goes to one replica only when the policy's minReplicas says so", () => {
    const r = recommend(input({ spec: spec({ optimizationType: "ALL", minReplicas: 1 }) }));
    expect(r.replicas?.proposed).toBe(1);
    expect(containerOf(r).proposed.cpuRequest).toBe(600);
    expect(r.risk.factors.map((f) => f.name)).toContain("singleReplica");
  });

  it("keeps replicas and requests within maxChangePercent together, and says what is proposed", () => {
    const r = recommend(
      input({ spec: spec({ optimizationType: "ALL", maxChangePercent: 30, minReplicas: 1 }) }),
    );
    // 3 -> 2 is -33%: not allowed at 30%, so 3 stays and only the request is stepped.
    expect(r.replicas?.proposed).toBe(3);
    expect(containerOf(r).proposed.cpuRequest).toBe(700);
    expect(containerOf(r).notes.join("\n")).toMatch(
      /^CPU request 700m: stepped by maxChangePercent 30 from the computed 200m/m,
    );
    expect(containerOf(r).notes.join("\n")).not.toMatch(/-> 1 replicas|-> 2 replicas/);
    expect(r.notes.join("\n")).toMatch(/replicas: 3 kept/);
  });

  it("raises a 1m CPU request instead of multiplying replicas (the 1 -> 30 replicas case)", () => {
    const tiny = workload({
      replicas: 1,
      containers: [
        { name: "app", resources: { cpuRequest: 1, memoryRequest: 300 * MI, memoryLimit: 300 * MI } },
      ],
    });
    const usage = usageFrom({ cpu: () => 290, replicas: 1 });
    const r = recommend(
      input({ spec: spec({ optimizationType: "ALL", maxChangePercent: 50 }), workload: tiny, usage }),
    );
    expect(r.replicas?.proposed).toBe(1);
    expect(r.appliedTypes).not.toContain("REPLICAS");
    // The raise is stepped too: at least one unit, 1m -> 2m, and the step is reported.
    expect(containerOf(r).proposed.cpuRequest).toBe(2);
    expect(r.decision.steps.join("\n")).toMatch(/app CPU request 1m -> 290m .* stepped to 2m/);
    // One replica does not qualify for spot.
    expect(r.placement).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/spot: not eligible: 1 replica\(s\)/);
    // Without a step limit the whole raise lands, still on one replica.
    const free = recommend(
      input({ spec: spec({ optimizationType: "ALL", maxChangePercent: 100 }), workload: tiny, usage }),
    );
    expect(free.replicas?.proposed).toBe(1);
  });

  it("does not consolidate onto fewer pods when each pod's request would have to rise past maxChangePercent", () => {
    const small = workload({
      containers: [
        { name: "app", resources: { cpuRequest: 200, memoryRequest: 300 * MI, memoryLimit: 300 * MI } },
      ],
    });
    const r = recommend(
      input({ spec: spec({ optimizationType: "ALL", maxChangePercent: 40 }), workload: small }),
    );
    // 3 -> 2 would need 300m per pod (+50%): not proposed; 3 pods at 200m stay.
    expect(r.replicas?.proposed).toBe(3);
    expect(r.notes.join("\n")).toMatch(
      /replicas: 2 not proposed: each pod's request would have to rise by more than maxChangePercent 40/,
    );
  });

  it("sizes memory from the peak too and lists every type that contributed", () => {
    const ready = workload({
      pdb: { maxUnavailable: 1 },
      spread: { podAntiAffinity: true, topologySpread: false },
    });
    const r = recommend(input({ spec: all, workload: ready }));
    // 2 replicas carry 3 x 200m: 300m each
    expect(containerOf(r).proposed.cpuRequest).toBe(300);
    // steady 300Mi + 10% -> 332Mi
    expect(containerOf(r).proposed.memoryLimit).toBe(332 * MI);
    expect(r.placement?.capacityType).toBe("spot");
    expect(r.appliedTypes).toEqual(["CPU", "MEMORY", "REPLICAS", "SPOT_INSTANCES"]);
  });

  it("keeps quiet hours at two replicas when the workload moves to spot", () => {
    // 6 replicas, stepped to 3 by maxChangePercent 50; quiet hours would need 1, spot keeps 2.
    const ready = workload({
      replicas: 6,
      pdb: { maxUnavailable: 1 },
      spread: { podAntiAffinity: true, topologySpread: false },
    });
    const usage = usageFrom({ cpu: diurnal(600, 100), replicas: 6 });
    const r = recommend(
      input({ spec: spec({ optimizationType: "ALL", maxChangePercent: 50 }), workload: ready, usage }),
    );
    expect(r.replicas?.proposed).toBe(3);
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
