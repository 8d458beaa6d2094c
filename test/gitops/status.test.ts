import { describe, expect, it } from "vitest";
import { currentRecommendation, holdBackReason } from "../../src/gitops/status.js";
import type { GateCheck } from "../../src/recommend/types.js";
import { recommendation } from "./recommendation.js";

describe("CR status", () => {
  it("shows the recommendation as Kubernetes quantities", () => {
    expect(currentRecommendation(recommendation())).toEqual({
      optimizationType: "ALL",
      currentCost: 120.5,
      optimizedCost: 80.25,
      monthlySavings: 40.25,
      confidenceScore: 0.86,
      riskLevel: "LOW",
      changes: [
        { container: "app", resource: "cpuRequest", current: "500m", proposed: "250m" },
        { container: "app", resource: "memoryRequest", current: "512Mi", proposed: "384Mi" },
        { container: "app", resource: "memoryLimit", current: "512Mi", proposed: "384Mi" },
      ],
    });
  });
});

describe("why nothing is proposed", () => {
  const held = (checks: GateCheck[], steps: string[] = []) =>
    recommendation({
      decision: {
        allowed: checks.every((c) => c.passed),
        stepped: steps.length > 0,
        checks,
        steps,
        reasons: [...checks.map((c) => c.detail), ...steps],
      },
    });

  it("names the failed gates only, and stepping apart as what the gates judged", () => {
    const rec = held(
      [
        { gate: "maxRiskLevel", passed: false, detail: "risk MEDIUM exceeds maxRiskLevel LOW" },
        { gate: "protection", passed: true, detail: "not protected" },
        { gate: "minConfidence", passed: true, detail: "confidence 0.99 meets minConfidence 0.8" },
      ],
      ["maxChangePercent 40: replicas 8 -> 4 (-50%) stepped to 5"],
    );
    expect(holdBackReason(rec)).toBe(
      "the policy's gates hold it back: risk MEDIUM exceeds maxRiskLevel LOW " +
        "(judged after stepping — maxChangePercent 40: replicas 8 -> 4 (-50%) stepped to 5)",
    );
  });

  it("says 'not enough data' once", () => {
    const rec = {
      ...held([
        { gate: "data", passed: false, detail: "not enough data: no usage for this workload in the window" },
      ]),
      notEnoughData: true,
    };
    expect(holdBackReason(rec)).toBe("not enough data: no usage for this workload in the window");
  });

  it("has nothing to say when every gate passed", () => {
    expect(holdBackReason(recommendation())).toBeUndefined();
  });
});
