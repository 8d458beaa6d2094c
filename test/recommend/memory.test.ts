import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { containerOf as app, GI, input, MI, spec, usageFrom, workload } from "./fixtures.js";

const memory = spec({ optimizationType: "MEMORY" });

describe("MEMORY strategy", () => {
  it("sets request = limit at the peak working set + 15%, rounded up to a 32Mi step", () => {
    const r = recommend(
      input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: () => 300 * MI }) }),
    );
    // 300Mi x 1.15 = 345Mi -> 352Mi
    expect(app(r).proposed.memoryRequest).toBe(352 * MI);
    expect(app(r).proposed.memoryLimit).toBe(352 * MI);
    expect(app(r).proposed.cpuRequest).toBe(app(r).current.cpuRequest);
    expect(r.appliedTypes).toEqual(["MEMORY"]);
  });

  it("writes the measured peak in Mi, never as a raw byte count", () => {
    const r = recommend(
      input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: () => 181_609_884 }) }),
    );
    // 181,609,884 bytes is 173.2Mi; x 1.15 = 199.2Mi -> 208Mi
    expect(app(r).notes).toContain("memory 208Mi from peak 173Mi + 15%, rounded up");
    expect(app(r).notes.join("\n")).not.toMatch(/\d{6,}/);
  });

  it("sizes on the peak, not the typical value, of slowly growing memory", () => {
    const start = input().usage?.window.start ?? 0;
    const growing = (t: number) => 200 * MI + ((t - start) / (7 * 86400)) * 400 * MI;
    const r = recommend(input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: growing }) }));
    const peak = app(r).evidence?.memory.max ?? 0;
    expect(peak).toBeGreaterThan(599 * MI);
    expect(app(r).proposed.memoryRequest).toBeGreaterThanOrEqual(peak * 1.15);
  });

  it("after an OOM kill never goes below max(used + 100Mi, used x 1.2), where used is the limit it was killed at", () => {
    const w = workload({
      containers: [
        { name: "app", resources: { cpuRequest: 500, memoryRequest: 512 * MI, memoryLimit: 512 * MI } },
      ],
    });
    const usage = usageFrom({ cpu: () => 200, memory: () => 480 * MI, oomKills: 2 });
    const r = recommend(input({ spec: memory, workload: w, usage }));
    // used = 512Mi (the limit); max(612Mi, 614.4Mi) = 614.4Mi -> 640Mi. Without the OOM: 480 x 1.15 = 552Mi -> 576Mi.
    expect(app(r).proposed.memoryLimit).toBe(640 * MI);
    expect(app(r).notes.join("\n")).toMatch(/2 OOM kill/);
    expect(r.risk.factors.map((f) => f.name)).toContain("oom");
  });

  it("uses used + 100Mi when that is the larger bound (small containers)", () => {
    const w = workload({
      containers: [
        { name: "app", resources: { cpuRequest: 500, memoryRequest: 128 * MI, memoryLimit: 128 * MI } },
      ],
    });
    const usage = usageFrom({ cpu: () => 200, memory: () => 120 * MI, oomKills: 1 });
    const r = recommend(input({ spec: memory, workload: w, usage }));
    // used 128Mi: 228Mi beats 153.6Mi -> 240Mi (16Mi steps below 256Mi)
    expect(app(r).proposed.memoryLimit).toBe(240 * MI);
  });

  it("never goes below the 100Mi floor, written as 100Mi", () => {
    const r = recommend(input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: () => 20 * MI }) }));
    expect(app(r).proposed.memoryRequest).toBe(100 * MI);
  });

  it("rounds large values to 256Mi steps", () => {
    const r = recommend(
      input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: () => 4.5 * GI }) }),
    );
    // 4.5Gi x 1.15 = 5299.2Mi -> 21 x 256Mi = 5376Mi
    expect(app(r).proposed.memoryRequest).toBe(5376 * MI);
  });

  it("can keep the existing limit and only raise it when the request would exceed it", () => {
    const w = workload({
      containers: [{ name: "app", resources: { cpuRequest: 500, memoryRequest: GI, memoryLimit: 2 * GI } }],
    });
    const r = recommend(
      input({ spec: memory, workload: w, settings: { memory: { limitEqualsRequest: false } } }),
    );
    expect(app(r).proposed.memoryLimit).toBe(2 * GI);
    expect(app(r).proposed.memoryRequest).toBe(352 * MI);
  });
});
