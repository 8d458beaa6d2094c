import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { diurnal, input, spec, usageFrom, workload } from "./fixtures.js";

const replicas = spec({ optimizationType: "REPLICAS" });

describe("REPLICAS strategy", () => {
  it("sizes a constant load at 70% of the per-replica request, never below 2 for a workload running 2 or more", () => {
    // 3 pods x 200m = 600m total; 600 / (1000m x 0.7) -> 1 replica, kept at 2
    const r = recommend(input({ spec: replicas, usage: usageFrom({ cpu: () => 200, replicas: 3 }) }));
    expect(r.replicas).toEqual({ current: 3, proposed: 2, field: "spec.replicas" });
    expect(r.appliedTypes).toEqual(["REPLICAS"]);
    expect(r.notes).toContain(
      "replicas: raised to 2 (at least 2 for a workload running 2 or more; set spec.minReplicas to allow 1)",
    );
    expect(r.risk.factors.map((f) => f.name)).not.toContain("singleReplica");
  });

  it("goes down to 1 replica only when the policy's minReplicas allows it", () => {
    const r = recommend(input({ spec: spec({ optimizationType: "REPLICAS", minReplicas: 1 }) }));
    expect(r.replicas?.proposed).toBe(1);
    expect(r.risk.factors.map((f) => f.name)).toContain("singleReplica");
  });

  it("keeps at least the policy's minReplicas, above the load's need", () => {
    const r = recommend(input({ spec: spec({ optimizationType: "REPLICAS", minReplicas: 3 }) }));
    expect(r.replicas?.proposed).toBe(3);
    expect(r.decision.reasons[0]).toMatch(/no change/);
  });

  it("sizes a diurnal load on its busiest hour", () => {
    // busy hours: 3 x 600m = 1800m; 1800 / 700 -> 3: nothing to change
    const r = recommend(input({ spec: replicas, usage: usageFrom({ cpu: diurnal(600, 100) }) }));
    expect(r.replicas?.proposed).toBe(3);
    expect(r.decision.allowed).toBe(false);
    expect(r.decision.reasons[0]).toMatch(/no change/);
  });

  it("adds replicas when the busiest hour overruns the target utilization", () => {
    // 3 x 900m = 2700m; 2700 / 700 -> 4
    const r = recommend(input({ spec: replicas, usage: usageFrom({ cpu: diurnal(900, 100) }) }));
    expect(r.replicas?.proposed).toBe(4);
  });

  it("recommends the HPA's minReplicas, sized on the quietest hour, when an HPA manages the workload", () => {
    const w = workload({ hpa: { name: "web", minReplicas: 4, maxReplicas: 10 } });
    // quiet hours: 3 x 100m = 300m; 300 / 700 -> 1, kept at 2
    const r = recommend(input({ spec: replicas, workload: w, usage: usageFrom({ cpu: diurnal(600, 100) }) }));
    expect(r.replicas).toEqual({ current: 4, proposed: 2, field: "hpa.minReplicas", hpaName: "web" });
  });

  it("does not open an HPA minReplicas cut that saves nothing (the HPA runs more pods anyway)", () => {
    const w = workload({ hpa: { name: "web", minReplicas: 4, maxReplicas: 10 } });
    // 6 pods every hour: minReplicas 4 -> 2 changes nothing that is paid for.
    const usage = usageFrom({ cpu: diurnal(600, 100), replicas: 6 });
    const r = recommend(input({ spec: replicas, workload: w, usage }));
    expect(r.replicas?.proposed).toBe(2);
    expect(r.monthlySavings).toBe(0);
    expect(r.decision.allowed).toBe(false);
    expect(r.decision.reasons[0]).toBe("saves nothing ($0.00/mo) and fixes no shortage");
  });

  it("takes the HPA from the usage source when the manifests have none", () => {
    const usage = { ...usageFrom({ cpu: diurnal(600, 100) }), hpa: { name: "web-hpa", minReplicas: 3 } };
    const r = recommend(input({ spec: replicas, usage }));
    expect(r.replicas?.field).toBe("hpa.minReplicas");
    expect(r.replicas?.hpaName).toBe("web-hpa");
  });

  it("keeps enough replicas that the PodDisruptionBudget still allows one eviction", () => {
    const w = workload({ pdb: { minAvailable: 2 } });
    const r = recommend(input({ spec: replicas, workload: w }));
    // the load needs 1, minAvailable 2 needs 3 for a drain to evict one pod
    expect(r.replicas?.proposed).toBe(3);
    expect(r.notes.join("\n")).toMatch(/PodDisruptionBudget/);
  });

  it("understands percentage budgets", () => {
    const w = workload({ pdb: { minAvailable: "50%" } });
    const r = recommend(input({ spec: replicas, workload: w }));
    // 1 pod: 50% rounds up to 1, no disruption; 2 pods: 1 may go
    expect(r.replicas?.proposed).toBe(2);
  });

  it("never touches a DaemonSet's replicas", () => {
    const w = workload({ ref: { namespace: "shop", kind: "DaemonSet", name: "agent" }, replicas: undefined });
    const r = recommend(input({ spec: replicas, workload: w }));
    expect(r.replicas).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/DaemonSet/);
    expect(r.decision.allowed).toBe(false);
  });

  it("leaves a StatefulSet's replicas alone by default", () => {
    const w = workload({ ref: { namespace: "shop", kind: "StatefulSet", name: "db" } });
    const r = recommend(input({ spec: replicas, workload: w }));
    expect(r.replicas?.proposed).toBe(3);
    expect(r.notes.join("\n")).toMatch(/StatefulSet/);
  });

  it("counts an unset spec.replicas as 1", () => {
    const r = recommend(input({ spec: replicas, workload: workload({ replicas: undefined }) }));
    expect(r.replicas?.current).toBe(1);
  });
});
