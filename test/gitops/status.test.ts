import { describe, expect, it } from "vitest";
import type { PullRequestOutcome } from "../../src/gitops/outcome.js";
import { currentRecommendation, statusAfterOutcome, statusFrom } from "../../src/gitops/status.js";
import { recommendation } from "./recommendation.js";

const NOW = new Date("2026-11-26T06:00:00Z");
const outcome = (
  kind: PullRequestOutcome["kind"],
  extra: Partial<PullRequestOutcome> = {},
): PullRequestOutcome => ({
  kind,
  policy: "shop/web-cost",
  repository: "acme/deploy",
  pullRequest: 7,
  url: "https://github.com/acme/deploy/pull/7",
  branch: "costopt/shop/web-cost",
  monthlySavings: 40.25,
  ...extra,
});

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

  it("moves to Applying with the PR after a reconcile opened one", () => {
    const pr = { number: 7, url: "u", branch: "b", state: "open" as const };
    const status = statusFrom(
      { phase: "Applying", message: "opened #7", recommendation: recommendation(), pullRequest: pr },
      undefined,
      NOW,
    );
    expect(status).toMatchObject({
      phase: "Applying",
      pullRequest: pr,
      lastAnalysis: NOW.toISOString(),
      appliedOptimizations: 0,
    });
  });

  it("counts a merge as Applied with its saving, and a revert takes the saving back", () => {
    const applied = statusAfterOutcome(
      outcome("applied"),
      { phase: "Applying", appliedOptimizations: 1, totalSavings: 10 },
      NOW,
    );
    expect(applied).toMatchObject({
      phase: "Applied",
      appliedOptimizations: 2,
      totalSavings: 50.25,
      lastApplied: NOW.toISOString(),
    });
    expect(applied.pullRequest?.state).toBe("merged");
    // Applied stays Applied while the next reconcile finds nothing new to propose.
    expect(statusFrom({ phase: "Ready", message: "nothing to do" }, applied, NOW).phase).toBe("Applied");
    const reverted = statusAfterOutcome(
      outcome("rolled-back", { pullRequest: 8, revertOf: 7 }),
      applied,
      NOW,
    );
    expect(reverted).toMatchObject({ phase: "RolledBack", totalSavings: 10, message: "#8 reverted #7" });
  });

  it("says a declined PR will not come back until the recommendation changes", () => {
    expect(statusAfterOutcome(outcome("declined"), undefined, NOW)).toMatchObject({
      phase: "Ready",
      message: "#7 closed without merging; not proposed again until the recommendation changes materially",
      pullRequest: { state: "closed" },
    });
  });
});
