import { describe, expect, it } from "vitest";
import { DailyCollector, mergeDays } from "../../src/metrics/daily.js";
import { recommend } from "../../src/recommend/engine.js";
import { containerOf as app, DAY, GI, input, MI, NOW_S, spec, usageFrom, workload } from "./fixtures.js";

const memory = spec({ optimizationType: "MEMORY", metricsWindow: "14d" });
const cpu = spec({ optimizationType: "CPU", metricsWindow: "14d" });
const big = workload({
  containers: [{ name: "app", resources: { cpuRequest: 1000, memoryRequest: 2 * GI, memoryLimit: 2 * GI } }],
});
const start = NOW_S - 14 * DAY;
/** A working set that grows `perDay` bytes a day from `from`. */
const growing = (from: number, perDay: number) => (t: number) => from + ((t - start) / DAY) * perDay;
const factor = (r: ReturnType<typeof recommend>, name: string) =>
  r.confidence.factors.find((f) => f.name === name)?.score;

describe("trend-aware sizing", () => {
  it("projects steadily growing memory to the horizon instead of sizing on the past peak", () => {
    const usage = usageFrom({ days: 14, cpu: () => 200, memory: growing(300 * MI, 20 * MI) });
    const r = recommend(input({ spec: memory, workload: big, usage }));
    const peak = app(r).evidence?.memory.max ?? 0;
    // 14 more days of 20Mi a day before the next recommendation can land (the 14d window).
    expect(app(r).proposed.memoryLimit).toBeGreaterThanOrEqual((peak + 14 * 20 * MI) * 1.15);
    expect(app(r).evidence?.trends?.memory?.slopePerDay).toBeCloseTo(20 * MI, -5);
    expect(app(r).notes.join("\n")).toMatch(/growing 20Mi\/day \(R² 1\.00 over 14 days\), projected to/);
    // ... and confidence falls: the size rests on an extrapolation.
    expect(factor(r, "trend")).toBeLessThan(0.8);
    expect(r.confidence.score).toBeLessThan(0.8);
  });

  it("projects only as far as the schedule: a daily run needs one day of growth", () => {
    const usage = usageFrom({ days: 14, cpu: () => 200, memory: growing(300 * MI, 20 * MI) });
    const daily = recommend(input({ spec: { ...memory, schedule: "0 6 * * *" }, workload: big, usage }));
    const fortnight = recommend(input({ spec: memory, workload: big, usage }));
    const peak = app(daily).evidence?.memory.max ?? 0;
    expect(app(daily).proposed.memoryLimit).toBeGreaterThanOrEqual((peak + 20 * MI) * 1.15);
    expect(app(daily).proposed.memoryLimit).toBeLessThan((peak + 2 * 20 * MI) * 1.15);
    expect(app(daily).proposed.memoryLimit).toBeLessThan(app(fortnight).proposed.memoryLimit ?? 0);
  });

  it("projects growing CPU too", () => {
    const usage = usageFrom({ days: 14, cpu: (t) => 200 + ((t - start) / DAY) * 10 });
    const r = recommend(input({ spec: cpu, usage }));
    // p90 is about 326m; the daily mean grows about 10m a day from about 265m: x ~1.5 by the horizon
    expect(app(r).proposed.cpuRequest).toBeGreaterThan(app(r).evidence?.cpu.max ?? 0);
    expect(app(r).notes.join("\n")).toMatch(/CPU growing \d+% by the horizon/);
  });

  it("never projects downward: declining memory is sized on its peak, with less confidence", () => {
    const usage = usageFrom({ days: 14, cpu: () => 200, memory: growing(900 * MI, -30 * MI) });
    const r = recommend(input({ spec: memory, workload: big, usage }));
    const peak = app(r).evidence?.memory.max ?? 0;
    expect(app(r).evidence?.trends?.memory?.slopePerDay).toBeLessThan(0);
    expect(app(r).proposed.memoryLimit).toBeGreaterThanOrEqual(peak * 1.15);
    expect(factor(r, "trend")).toBeLessThan(1);
  });

  it("does not fit a line through a sawtooth (a leak that is restarted): the peak already covers it", () => {
    // 60Mi a day, restarted every 3 days
    const saw = (t: number) => 300 * MI + (((t - start) % (3 * DAY)) / DAY) * 60 * MI;
    const r = recommend(
      input({ spec: memory, workload: big, usage: usageFrom({ days: 14, cpu: () => 200, memory: saw }) }),
    );
    expect(app(r).evidence?.trends?.memory).toBeUndefined();
    expect(factor(r, "trend")).toBe(1);
    expect(app(r).notes.join("\n")).not.toMatch(/growing/);
  });

  it("lowers confidence after a step change, and names the day", () => {
    const step = (t: number) => (t - start >= 9 * DAY ? 450 * MI : 300 * MI);
    const r = recommend(
      input({ spec: memory, workload: big, usage: usageFrom({ days: 14, cpu: () => 200, memory: step }) }),
    );
    expect(factor(r, "stepChange")).toBe(0.7);
    expect(r.confidence.factors.find((f) => f.name === "stepChange")?.detail).toMatch(
      /memory changed level after day/,
    );
    // the size still covers the new level
    expect(app(r).proposed.memoryLimit).toBeGreaterThanOrEqual(450 * MI * 1.15);
  });

  it("flags time to limit when stepping leaves growing memory short before the horizon", () => {
    const usage = usageFrom({ days: 14, cpu: () => 200, memory: growing(300 * MI, 20 * MI) });
    const small = workload({
      containers: [
        { name: "app", resources: { cpuRequest: 500, memoryRequest: 512 * MI, memoryLimit: 512 * MI } },
      ],
    });
    const r = recommend(input({ spec: { ...memory, maxChangePercent: 10 }, workload: small, usage }));
    const ttl = r.risk.factors.find((f) => f.name === "timeToLimit");
    expect(ttl?.score).toBe(0.4);
    expect(ttl?.detail).toMatch(/reaches 560Mi in \d+ days, before the next recommendation/);
  });

  it("keeps full confidence for flat usage", () => {
    const r = recommend(input({ spec: memory, usage: usageFrom({ days: 14, cpu: () => 200 }) }));
    expect(r.confidence.score).toBe(1);
    expect(app(r).evidence?.trends).toEqual({});
  });
});

describe("daily peaks", () => {
  // Near idle, a batch 01:00-03:00 UTC every night.
  const nightly = (t: number) => {
    const hour = Math.floor((t % DAY) / 3600);
    return hour >= 1 && hour < 3 ? 900 : 30;
  };

  it("are named in the notes and covered by the CPU request", () => {
    const r = recommend(input({ spec: cpu, usage: usageFrom({ days: 14, cpu: nightly }) }));
    expect(r.notes.join("\n")).toMatch(/daily peak 01:00-03:00 UTC: 2700m in total, 900m per pod/);
    expect(app(r).proposed.cpuRequest).toBeGreaterThanOrEqual(900);
    expect(factor(r, "periodicPeaks")).toBe(1);
  });

  it("lower confidence and add risk when the request does not cover them", () => {
    const r = recommend(
      input({
        spec: cpu,
        usage: usageFrom({ days: 14, cpu: nightly }),
        settings: { cpu: { coverDailyPeaks: false, percentile: "p50" } },
      }),
    );
    expect(app(r).proposed.cpuRequest).toBeLessThan(900);
    expect(factor(r, "periodicPeaks")).toBe(0.7);
    expect(r.risk.factors.find((f) => f.name === "periodicPeak")?.detail).toMatch(
      /daily peak 01:00-03:00 UTC: 900m per pod, above the CPU request/,
    );
  });

  it("are not a working day: a 12-hour diurnal load has none", () => {
    const day = (t: number) =>
      Math.floor((t % DAY) / 3600) >= 8 && Math.floor((t % DAY) / 3600) < 20 ? 600 : 100;
    const r = recommend(input({ spec: cpu, usage: usageFrom({ days: 14, cpu: day }) }));
    expect(r.notes.join("\n")).not.toMatch(/daily peak/);
  });
});

describe("per-day statistics", () => {
  it("merge exactly: two pods' days add up to the pooled days", () => {
    const a = new DailyCollector();
    const b = new DailyCollector();
    a.cpu(1, 100);
    a.memory(1, 5);
    b.cpu(1, 300);
    b.memory(1, 7);
    b.cpu(2, 50);
    expect(mergeDays(a.result(), b.result())).toEqual([
      { day: 1, cpuSum: 400, cpuCount: 2, cpuMax: 300, memoryMax: 7, memoryCount: 2 },
      { day: 2, cpuSum: 50, cpuCount: 1, cpuMax: 50, memoryMax: 0, memoryCount: 0 },
    ]);
  });
});
