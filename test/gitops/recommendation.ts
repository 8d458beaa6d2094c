// A realistic Recommendation for renderer and lifecycle tests: web in shop, CPU 500m -> 250m,
// memory 512Mi -> 384Mi, 3 replicas, LOW risk.

import type { CostOptimizationSpec } from "../../src/api/types.js";
import type { Recommendation } from "../../src/recommend/types.js";

const Mi = 1024 * 1024;

export const SPEC: CostOptimizationSpec = {
  targetWorkload: { name: "web", kind: "Deployment", namespace: "shop" },
  optimizationType: "ALL",
  maxChangePercent: 50,
  minConfidence: 0.7,
  dryRun: false,
  autoApply: false,
  rollbackOnFailure: true,
  maxRiskLevel: "MEDIUM",
  metricsWindow: "7d",
};

export function recommendation(overrides: Partial<Recommendation> = {}): Recommendation {
  return {
    policy: { name: "web-cost", namespace: "shop" },
    target: { namespace: "shop", kind: "Deployment", name: "web" },
    optimizationType: "ALL",
    appliedTypes: ["CPU", "MEMORY"],
    containers: [
      {
        name: "app",
        current: { cpuRequest: 500, cpuLimit: 1000, memoryRequest: 512 * Mi, memoryLimit: 512 * Mi },
        proposed: { cpuRequest: 250, cpuLimit: 1000, memoryRequest: 384 * Mi, memoryLimit: 384 * Mi },
        evidence: {
          cpu: { p50: 120, p90: 180, p95: 200, p99: 240, max: 310 },
          memory: { p95: 290 * Mi, max: 320 * Mi },
          samples: 2016,
          coverage: 0.98,
          oomKills: 0,
          restarts: 1,
        },
        notes: ["CPU limit kept"],
      },
    ],
    replicas: { current: 3, proposed: 3, field: "spec.replicas" },
    evidence: {
      source: "file usage.om",
      window: { start: 1_700_000_000, end: 1_700_000_000 + 7 * 86400 },
      stepSeconds: 300,
      historySeconds: 7 * 86400,
    },
    currentCost: 120.5,
    optimizedCost: 80.25,
    monthlySavings: 40.25,
    confidence: { score: 0.86, factors: [{ name: "coverage", score: 0.98, detail: "98% of the window" }] },
    risk: { level: "LOW", score: 0.12, factors: [{ name: "reduction", score: 0.1, detail: "CPU -50%" }] },
    decision: {
      allowed: true,
      stepped: false,
      checks: [
        { gate: "minConfidence", passed: true, detail: "confidence 0.86 meets minConfidence 0.7" },
        { gate: "maxRiskLevel", passed: true, detail: "risk LOW is within maxRiskLevel MEDIUM" },
      ],
      steps: [],
      reasons: ["confidence 0.86 meets minConfidence 0.7", "risk LOW is within maxRiskLevel MEDIUM"],
    },
    notes: [],
    notEnoughData: false,
    generatedAt: "2026-11-26T06:00:00.000Z",
    recommender: "builtin",
    ...overrides,
  } as Recommendation;
}
