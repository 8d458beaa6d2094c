import { describe, expect, it } from "vitest";
import type { WorkloadUsage } from "../../src/metrics/types.js";
import { BuiltinRecommender, recommend } from "../../src/recommend/engine.js";
import { input, NOW, spec, usageFrom } from "./fixtures.js";

describe("not enough data", () => {
  const cases: [string, WorkloadUsage | undefined][] = [
    ["no usage at all", undefined],
    ["a workload with no containers in the usage", { ...usageFrom({ cpu: () => 200 }), containers: [] }],
    ["fewer samples than the minimum", usageFrom({ cpu: () => 200, days: 1, coverage: 1 / 48, replicas: 1 })],
  ];
  for (const [what, usage] of cases)
    it(`${what}: proposes nothing, confidence 0, never allowed`, () => {
      const r = recommend(input({ usage, spec: spec({ optimizationType: "ALL", minConfidence: 0 }) }));
      expect(r.notEnoughData).toBe(true);
      expect(r.confidence.score).toBe(0);
      expect(r.decision.allowed).toBe(false);
      expect(r.decision.reasons[0]).toMatch(/^not enough data/);
      expect(r.containers[0]?.proposed).toEqual(r.containers[0]?.current);
      expect(r.monthlySavings).toBe(0);
      expect(r.placement).toBeUndefined();
      expect(r.scheduledScaling).toBeUndefined();
    });
});

describe("built-in engine", () => {
  it("is deterministic and serializable: the same input gives the same JSON", () => {
    const a = recommend(input({ spec: spec({ optimizationType: "ALL" }) }));
    const b = recommend(input({ spec: spec({ optimizationType: "ALL" }) }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
  });

  it("stamps the injected clock and carries the evidence it used", () => {
    const r = recommend(input({ source: "file demo.om" }));
    expect(r.generatedAt).toBe(NOW.toISOString());
    expect(r.evidence).toMatchObject({ source: "file demo.om", stepSeconds: 300 });
    expect(r.evidence.window.end - r.evidence.window.start).toBe(7 * 86400);
    expect(r.containers[0]?.evidence).toMatchObject({
      samples: 3 * 2016,
      coverage: 1,
      oomKills: 0,
      restarts: 0,
    });
    expect(r.recommender).toBe("builtin");
    expect(r.policy).toEqual({ name: "web-cost", namespace: "shop" });
    expect(r.target).toEqual({ namespace: "shop", kind: "Deployment", name: "web" });
  });

  it("serves the Recommender interface", async () => {
    const engine = new BuiltinRecommender();
    expect(await engine.recommend(input())).toEqual(recommend(input()));
  });
});

describe("container names", () => {
  it("says which names differ when no manifest container matches the usage", () => {
    const r = recommend(input({ usage: usageFrom({ cpu: () => 200, container: "processor" }) }));
    expect(r.notEnoughData).toBe(true);
    expect(r.decision.reasons[0]).toBe(
      "not enough data: the usage has containers processor but the manifests name app (map them with spec.source.containerMapping)",
    );
  });
});

describe("bad statistics from a source", () => {
  it("ignores a container whose statistics are NaN or Inf instead of proposing NaN", () => {
    const usage = usageFrom({ cpu: () => 200 });
    const broken = {
      ...usage,
      containers: usage.containers.map((c) => ({ ...c, cpu: { ...c.cpu, p95: Number.NaN } })),
    };
    const r = recommend(input({ usage: broken }));
    expect(r.notEnoughData).toBe(true);
    expect(r.containers[0]?.notes.join("\n")).toMatch(/not finite/);
  });

  it("leaves memory alone when the source has CPU but no working set", () => {
    const usage = usageFrom({ cpu: () => 200, memory: () => 0 });
    const r = recommend(input({ usage, spec: spec({ optimizationType: "MEMORY" }) }));
    expect(r.containers[0]?.proposed).toEqual(r.containers[0]?.current);
    expect(r.containers[0]?.notes.join("\n")).toMatch(/no memory usage data/);
  });
});
