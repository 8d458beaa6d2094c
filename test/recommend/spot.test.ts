import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { SPOT_PRESETS } from "../../src/recommend/strategies/spot.js";
import type { WorkloadState } from "../../src/recommend/types.js";
import { workload as base, DAY, input, spec, usageFrom } from "./fixtures.js";

const spot = spec({ optimizationType: "SPOT_INSTANCES" });
/** A Deployment ready for spot: a PDB that lets one pod go, pods spread over nodes. */
const workload = (over: Partial<WorkloadState> = {}) =>
  base({
    pdb: { name: "web", maxUnavailable: 1 },
    spread: { podAntiAffinity: false, topologySpread: true },
    ...over,
  });
const run = (w: WorkloadState, settings = {}) =>
  recommend(input({ spec: spot, workload: w, settings: { spot: settings } }));

describe("SPOT_INSTANCES strategy", () => {
  it("moves an eligible Deployment to spot with node affinity and a toleration", () => {
    const r = run(workload());
    expect(r.placement?.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] },
        ],
      },
    });
    expect(r.placement?.tolerations).toEqual([
      { key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" },
    ]);
    expect(r.placement?.eligibility.every((e) => e.passed)).toBe(true);
    expect(r.containers[0]?.proposed).toEqual(r.containers[0]?.current);
  });

  it("prices the saving from the spot price ratio", () => {
    const r = run(workload());
    // on-demand: (0.031611 + 0.004237) x 3 x 730 = 78.51; spot: (0.006655 + 0.000892) x 3 x 730 = 16.53
    expect(r.currentCost).toBe(78.51);
    expect(r.optimizedCost).toBe(16.53);
    expect(r.monthlySavings).toBe(61.98);
  });

  it("uses another platform's label when configured", () => {
    const r = run(workload(), SPOT_PRESETS.gke);
    expect(JSON.stringify(r.placement?.nodeAffinity)).toContain("cloud.google.com/gke-spot");
    expect(r.placement?.tolerations[0]?.key).toBe("cloud.google.com/gke-spot");
  });

  it("can prefer spot instead of requiring it", () => {
    const r = run(workload(), { affinity: "preferred" });
    expect(r.placement?.nodeAffinity).toHaveProperty("preferredDuringSchedulingIgnoredDuringExecution");
  });

  const ineligible: [string, Partial<WorkloadState>, RegExp][] = [
    ["a StatefulSet", { ref: { namespace: "shop", kind: "StatefulSet", name: "db" } }, /not a Deployment/],
    ["a single replica", { replicas: 1 }, /1 replica\(s\); at least 2/],
    ["a PDB that blocks every eviction", { pdb: { minAvailable: 3 } }, /allows no disruption/],
    [
      "no PDB",
      { pdb: undefined },
      /no PodDisruptionBudget: a drain before a spot reclaim could evict every pod/,
    ],
    ["a PDB that lets every pod go at once", { pdb: { maxUnavailable: "100%" } }, /allows all 3 pods/],
    [
      "pods that are not spread over nodes",
      { spread: { podAntiAffinity: false, topologySpread: false } },
      /no pod anti-affinity or topologySpreadConstraints/,
    ],
    [
      "pods whose spreading is unknown (a chart renders them)",
      { spread: undefined },
      /pod spreading unknown/,
    ],
    ["the Recreate strategy", { updateStrategy: { type: "Recreate" } }, /Recreate takes every pod down/],
    [
      "local state",
      { localState: { emptyDir: true, hostPath: false, persistentVolumeClaim: true } },
      /persistentVolumeClaim, emptyDir/,
    ],
  ];
  for (const [what, over, reason] of ineligible)
    it(`refuses ${what} and says why`, () => {
      const r = run(workload(over));
      expect(r.placement).toBeUndefined();
      expect(r.notes.join("\n")).toMatch(reason);
      expect(r.decision.allowed).toBe(false);
    });

  it("refuses a batch-like workload: a nightly run interrupted by a reclaim starts over", () => {
    // Near idle except 01:00-03:00 UTC every night.
    const nightly = (t: number) =>
      Math.floor((t % DAY) / 3600) < 3 && Math.floor((t % DAY) / 3600) >= 1 ? 900 : 20;
    const r = recommend(input({ spec: spot, workload: workload(), usage: usageFrom({ cpu: nightly }) }));
    expect(r.placement).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/spot: not eligible: batch-like load \(daily peak 01:00-03:00 UTC\)/);
  });

  it("is judged on the replica count ALL proposes, not today's", () => {
    // 3 replicas today; the policy allows 1 and the load fits one pod.
    const all = spec({ optimizationType: "ALL", minReplicas: 1, maxChangePercent: 100 });
    const r = recommend(input({ spec: all, workload: workload({ pdb: undefined, spread: undefined }) }));
    expect(r.replicas?.proposed).toBe(1);
    expect(r.placement).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/spot: not eligible: 1 replica\(s\)/);
    // Without minReplicas the floor is 2 for a workload running 3: spot is judged on those 2.
    const two = recommend(input({ spec: { ...all, minReplicas: undefined }, workload: workload() }));
    expect(two.replicas?.proposed).toBe(2);
    expect(two.placement?.eligibility.find((e) => e.check === "replicas")?.detail).toBe("2 replicas");
  });

  it("accepts emptyDir scratch space when allowed", () => {
    const r = run(
      workload({ localState: { emptyDir: true, hostPath: false, persistentVolumeClaim: false } }),
      {
        allowEmptyDir: true,
      },
    );
    expect(r.placement).toBeDefined();
  });

  it("does nothing for a workload already pinned to spot, and prices it at spot rates", () => {
    const r = run(workload({ nodeSelector: { "karpenter.sh/capacity-type": "spot" } }));
    expect(r.placement).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/already scheduled on/);
    expect(r.currentCost).toBe(16.53);
  });
});
