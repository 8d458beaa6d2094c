import { describe, expect, it } from "vitest";
import { renderChart } from "../../src/gitops/body/chart.js";
import { renderEvidence } from "../../src/gitops/body/evidence.js";
import { recommendation } from "./recommendation.js";

describe("usage chart", () => {
  it("draws the numbers the evidence table prints (192.4m is 193m in both)", () => {
    const rec = recommendation();
    const app = rec.containers[0];
    if (!app?.evidence) throw new Error("fixture has no evidence");
    app.evidence.cpu = { p50: 120.2, p90: 180.6, p95: 192.4, p99: 240.01, max: 310.5 };
    const table = renderEvidence(rec);
    expect(table).toContain("121m / 181m / 193m / 241m / 311m");
    expect(renderChart(rec)).toContain("  bar [121, 181, 193, 241, 311]");
  });
});
