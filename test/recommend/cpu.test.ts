import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { containerOf as app, diurnal, GI, input, usageFrom, workload } from "./fixtures.js";

describe("CPU strategy", () => {
  it("sizes a constant load at p90 (no margin by default), rounded up to a 5m step", () => {
    const r = recommend(input({ usage: usageFrom({ cpu: () => 203 }) }));
    // 203m -> 205m
    expect(app(r).proposed.cpuRequest).toBe(205);
    expect(r.appliedTypes).toEqual(["CPU"]);
    expect(app(r).evidence?.cpu.p90).toBe(203);
  });

  it("covers the busy half of a diurnal load, not the average", () => {
    const r = recommend(input({ usage: usageFrom({ cpu: diurnal(600, 100) }) }));
    // half the samples at 600m, so p90 = 600m
    expect(app(r).proposed.cpuRequest).toBe(600);
  });

  it("never adds a CPU limit where there was none", () => {
    const r = recommend(input());
    expect(app(r).current.cpuLimit).toBeUndefined();
    expect(app(r).proposed.cpuLimit).toBeUndefined();
  });

  it("keeps an existing limit in proportion to the request", () => {
    const w = workload({
      containers: [{ name: "app", resources: { cpuRequest: 1000, cpuLimit: 2000, memoryRequest: GI } }],
    });
    const r = recommend(input({ workload: w }));
    // request 200m, limit/request was 2 -> 400m
    expect(app(r).proposed.cpuLimit).toBe(400);
    expect(app(r).notes.join("\n")).toMatch(/in proportion/);
  });

  it("flags a proportional limit that would sit below the observed max", () => {
    const w = workload({
      containers: [{ name: "app", resources: { cpuRequest: 1000, cpuLimit: 1000, memoryRequest: GI } }],
    });
    // Rare spikes to 900m (one sample in 50) leave p95 at 100m.
    const spiky = (t: number) => (Math.floor(t / 300) % 50 === 0 ? 900 : 100);
    const r = recommend(input({ workload: w, usage: usageFrom({ cpu: spiky }) }));
    expect(app(r).proposed.cpuLimit).toBe(app(r).proposed.cpuRequest);
    expect(app(r).notes.join("\n")).toMatch(/flag: CPU limit .* below the observed max 900m/);
  });

  it("leaves the limit as written with limitPolicy keep", () => {
    const w = workload({
      containers: [{ name: "app", resources: { cpuRequest: 1000, cpuLimit: 2000, memoryRequest: GI } }],
    });
    const r = recommend(input({ workload: w, settings: { cpu: { limitPolicy: "keep" } } }));
    expect(app(r).proposed.cpuLimit).toBe(2000);
  });

  it("never goes below the 10m floor", () => {
    const r = recommend(input({ usage: usageFrom({ cpu: () => 2 }) }));
    expect(app(r).proposed.cpuRequest).toBe(10);
  });

  it("honours an overridden percentile and margin", () => {
    const r = recommend(
      input({
        usage: usageFrom({ cpu: diurnal(600, 100) }),
        settings: { cpu: { percentile: "p50", marginPercent: 0 } },
      }),
    );
    // p50 of a half-600m/half-100m series is 100m
    expect(app(r).proposed.cpuRequest).toBe(100);
  });

  it("leaves a container without usage data unchanged and says so", () => {
    const w = workload({
      containers: [
        { name: "app", resources: { cpuRequest: 1000, memoryRequest: GI } },
        { name: "sidecar", resources: { cpuRequest: 100, memoryRequest: GI } },
      ],
    });
    const r = recommend(input({ workload: w }));
    const sidecar = app(r, "sidecar");
    expect(sidecar.proposed).toEqual(sidecar.current);
    expect(sidecar.notes.join("\n")).toMatch(/no usage data/);
  });

  it("matches live container names to manifest names through containerMapping", () => {
    const usage = usageFrom({ cpu: () => 200, container: "live-app" });
    const r = recommend(
      input({ usage, spec: { ...input().spec, source: { containerMapping: { "live-app": "app" } } } }),
    );
    expect(app(r).proposed.cpuRequest).toBe(200);
  });
});

describe("CPU strategy with an HPA", () => {
  it("warns that the HPA's utilization target moves with the request", () => {
    const r = recommend(
      input({ workload: workload({ hpa: { name: "web", minReplicas: 2, maxReplicas: 6 } }) }),
    );
    expect(r.notes.join("\n")).toMatch(/HPA's utilization target is relative to the request/);
  });
});
