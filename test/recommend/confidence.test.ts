import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import type { Recommendation } from "../../src/recommend/types.js";
import { DAY, diurnal, input, usageFrom } from "./fixtures.js";

const factor = (r: Recommendation, name: string) => r.confidence.factors.find((f) => f.name === name)?.score;

describe("confidence", () => {
  it("is full for a steady week of data and lists its factors", () => {
    const r = recommend(input());
    expect(r.confidence.score).toBe(1);
    expect(r.confidence.factors.map((f) => f.name)).toEqual([
      "coverage",
      "history",
      "samples",
      "stability",
      "trend",
      "stepChange",
      "tail",
      "periodicPeaks",
    ]);
  });

  it("is full for a regular diurnal load: a daily cycle is not instability", () => {
    expect(recommend(input({ usage: usageFrom({ cpu: diurnal(600, 100) }) })).confidence.score).toBe(1);
  });

  it("drops with a short history against the window, as the VPA recommender does", () => {
    const r = recommend(input({ usage: usageFrom({ cpu: () => 200, coverage: 2 / 7 }) }));
    expect(factor(r, "history")).toBeCloseTo(2 / 7, 1);
    expect(r.confidence.score).toBeLessThan(0.8);
    expect(r.confidence.factors.find((f) => f.name === "history")?.detail).toMatch(
      /2d of history for a 7d window/,
    );
  });

  it("drops with few samples", () => {
    const r = recommend(input({ usage: usageFrom({ cpu: () => 200, days: 1, replicas: 1 }) }));
    // 288 samples of the 2016 that score full
    expect(factor(r, "samples")).toBeCloseTo(288 / 2016, 2);
    expect(r.confidence.score).toBeLessThan(recommend(input()).confidence.score);
  });

  it("drops when the same hour differs a lot from one weekday to the next", () => {
    const erratic = (t: number) => (Math.floor(t / DAY) % 2 === 0 ? 100 : 900);
    const r = recommend(input({ usage: usageFrom({ cpu: erratic }) }));
    expect(factor(r, "stability")).toBeLessThan(0.5);
    expect(r.confidence.score).toBeLessThan(0.9);
  });
});
