import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { DEFAULT_RISK_SETTINGS, levelOf } from "../../src/recommend/risk.js";
import type { Recommendation } from "../../src/recommend/types.js";
import { GI, input, MI, spec, usageFrom, workload } from "./fixtures.js";

const names = (r: Recommendation) => r.risk.factors.map((f) => f.name);

describe("risk", () => {
  it("grows with the size of the reduction", () => {
    const small = recommend(
      input({ workload: workload({ containers: [{ name: "app", resources: { cpuRequest: 300 } }] }) }),
    );
    const large = recommend(input());
    expect(small.risk.score).toBeLessThan(large.risk.score);
    expect(large.risk.factors[0]).toMatchObject({ name: "reduction", detail: "app CPU request cut by 80%" });
  });

  it("is LOW for a small change on a steady multi-replica Deployment", () => {
    const r = recommend(
      input({ workload: workload({ containers: [{ name: "app", resources: { cpuRequest: 250 } }] }) }),
    );
    expect(r.risk.level).toBe("LOW");
  });

  it("counts bursty load (p99 far above p50)", () => {
    const bursty = (t: number) => (Math.floor(t / 300) % 20 === 0 ? 1000 : 100);
    const r = recommend(input({ usage: usageFrom({ cpu: bursty }) }));
    expect(r.risk.factors.find((f) => f.name === "burstiness")?.detail).toMatch(/p99 is 10.0x p50/);
  });

  it("counts OOM kills and restarts", () => {
    const r = recommend(input({ usage: usageFrom({ cpu: () => 200, oomKills: 1, restarts: 5 }) }));
    expect(names(r)).toEqual(expect.arrayContaining(["oom", "restarts"]));
  });

  it("counts a single replica, and a StatefulSet", () => {
    const single = recommend(input({ workload: workload({ replicas: 1 }) }));
    expect(names(single)).toContain("singleReplica");
    const sts = recommend(
      input({ workload: workload({ ref: { namespace: "shop", kind: "StatefulSet", name: "db" } }) }),
    );
    expect(names(sts)).toContain("statefulSet");
  });

  it("flags a memory limit that leaves little room over the observed max", () => {
    const w = workload({
      containers: [
        { name: "app", resources: { cpuRequest: 1000, memoryRequest: 310 * MI, memoryLimit: 310 * MI } },
      ],
    });
    const r = recommend(input({ workload: w, usage: usageFrom({ cpu: () => 200, memory: () => 300 * MI }) }));
    expect(r.risk.factors.find((f) => f.name === "memoryLimit")?.detail).toMatch(
      /leaves 3% over the observed max/,
    );
  });

  it("flags a memory limit below the observed max", () => {
    const w = workload({
      containers: [{ name: "app", resources: { cpuRequest: 1000, memoryLimit: 256 * MI } }],
    });
    const r = recommend(input({ workload: w, usage: usageFrom({ cpu: () => 200, memory: () => 300 * MI }) }));
    expect(r.risk.factors.find((f) => f.name === "memoryLimit")?.score).toBe(0.4);
  });

  it("names the limit as the manifest wrote it and the observed max in Mi, not in bytes", () => {
    const w = workload({
      containers: [{ name: "app", resources: { cpuRequest: 1000, memoryLimit: 500_000_000 } }],
    });
    const usage = usageFrom({ cpu: () => 200, memory: () => 755_539_304 });
    const r = recommend(input({ workload: w, usage }));
    expect(r.risk.factors.find((f) => f.name === "memoryLimit")?.detail).toBe(
      "app: memory limit 500M is below the observed max 721Mi",
    );
  });

  it("maps scores to levels at 0.25, 0.5 and 0.75", () => {
    expect([0, 0.25, 0.5, 0.75, 1].map((s) => levelOf(s, DEFAULT_RISK_SETTINGS))).toEqual([
      "LOW",
      "MEDIUM",
      "HIGH",
      "CRITICAL",
      "CRITICAL",
    ]);
  });

  it("never exceeds 1", () => {
    const w = workload({
      ref: { namespace: "shop", kind: "StatefulSet", name: "db" },
      replicas: 1,
      containers: [
        { name: "app", resources: { cpuRequest: 4000, memoryRequest: 8 * GI, memoryLimit: 8 * GI } },
      ],
    });
    const bursty = (t: number) => (Math.floor(t / 300) % 20 === 0 ? 1000 : 10);
    const usage = usageFrom({ cpu: bursty, oomKills: 3, restarts: 9 });
    const r = recommend(input({ spec: spec({ optimizationType: "ALL" }), workload: w, usage }));
    expect(r.risk.score).toBe(1);
    expect(r.risk.level).toBe("CRITICAL");
  });
});
