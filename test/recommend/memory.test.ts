import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { containerOf as app, GI, input, MI, spec, usageFrom, workload } from "./fixtures.js";

const memory = spec({ optimizationType: "MEMORY" });

describe("MEMORY strategy", () => {
  it("sets request = limit at a steady peak working set + 10%, rounded up to a 4Mi step", () => {
    const r = recommend(
      input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: () => 301 * MI }) }),
    );
    // 301Mi x 1.1 = 331.1Mi -> 332Mi
    expect(app(r).proposed.memoryRequest).toBe(332 * MI);
    expect(app(r).proposed.memoryLimit).toBe(332 * MI);
    expect(app(r).proposed.cpuRequest).toBe(app(r).current.cpuRequest);
    expect(r.appliedTypes).toEqual(["MEMORY"]);
  });

  it("writes the measured peak in Mi, never as a raw byte count", () => {
    const r = recommend(
      input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: () => 181_609_884 }) }),
    );
    // 181,609,884 bytes is 173.2Mi; x 1.1 = 190.5Mi -> 192Mi
    expect(app(r).notes).toContain("memory 192Mi from peak 173Mi + 10% (steady, peak near p95), rounded up");
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
    // used = 512Mi (the limit); max(612Mi, 614.4Mi) = 614.4Mi -> 616Mi. Without the OOM: 480 x 1.15 = 552Mi.
    expect(app(r).proposed.memoryLimit).toBe(616 * MI);
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
    // used 128Mi: 228Mi beats 153.6Mi (a multiple of the 4Mi step already)
    expect(app(r).proposed.memoryLimit).toBe(228 * MI);
  });

  it("never goes below the 100Mi floor, written as 100Mi", () => {
    const r = recommend(input({ spec: memory, usage: usageFrom({ cpu: () => 200, memory: () => 20 * MI }) }));
    expect(app(r).proposed.memoryRequest).toBe(100 * MI);
  });

  it("rounds large values to 64Mi steps", () => {
    const w = workload({
      containers: [
        { name: "app", resources: { cpuRequest: 500, memoryRequest: 8 * GI, memoryLimit: 8 * GI } },
      ],
    });
    const r = recommend(
      input({ spec: memory, workload: w, usage: usageFrom({ cpu: () => 200, memory: () => 4.5 * GI }) }),
    );
    // 4.5Gi x 1.1 = 5068.8Mi -> 80 x 64Mi = 5120Mi
    expect(app(r).proposed.memoryRequest).toBe(5120 * MI);
  });

  it("can keep the existing limit and only raise it when the request would exceed it", () => {
    const w = workload({
      containers: [{ name: "app", resources: { cpuRequest: 500, memoryRequest: GI, memoryLimit: 2 * GI } }],
    });
    const r = recommend(
      input({ spec: memory, workload: w, settings: { memory: { limitEqualsRequest: false } } }),
    );
    expect(app(r).proposed.memoryLimit).toBe(2 * GI);
    expect(app(r).proposed.memoryRequest).toBe(332 * MI);
  });
});
