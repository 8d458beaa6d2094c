import { describe, expect, it } from "vitest";
import type { CostOptimization, CostOptimizationStatus } from "../../src/api/types.js";
import { type OutcomeNote, outcomePending, statusAfterOutcome } from "../../src/kube/outcomes.js";

const NOW = new Date("2026-11-26T06:00:00Z");
const applying: CostOptimizationStatus = {
  phase: "Applying",
  appliedOptimizations: 2,
  totalSavings: 10,
  pullRequest: {
    number: 7,
    url: "https://github.com/acme/deploy/pull/7",
    branch: "costopt/shop/web",
    state: "open",
  },
};
const note = (o: Partial<OutcomeNote>): OutcomeNote => ({
  kind: "applied",
  pullRequest: 7,
  repository: "acme/deploy",
  monthlySavings: 5.5,
  at: NOW.toISOString(),
  ...o,
});
const policy = (status: CostOptimizationStatus, n: OutcomeNote) =>
  ({
    metadata: { name: "web", namespace: "shop", annotations: { "costopt.dev/outcome": JSON.stringify(n) } },
    status,
  }) as unknown as CostOptimization;

describe("pull request outcomes in status", () => {
  it("a merge makes the policy Applied and adds to the counters, once", () => {
    const next = statusAfterOutcome(applying, note({ mergeSha: "abcdef0123" }), NOW);
    expect(next).toMatchObject({
      phase: "Applied",
      appliedOptimizations: 3,
      totalSavings: 15.5,
      lastApplied: NOW.toISOString(),
      message: "pull request #7 merged (abcdef0); watching the workload's health",
      pullRequest: { ...applying.pullRequest, state: "merged" },
    });
    expect(outcomePending(policy(applying, note({})))).toBeDefined();
    expect(outcomePending(policy(next, note({})))).toBeUndefined();
  });

  it("a merged revert makes it RolledBack and takes the savings off", () => {
    const applied = statusAfterOutcome(applying, note({}), NOW);
    const next = statusAfterOutcome(applied, note({ kind: "rolled-back", pullRequest: 8, revertOf: 7 }), NOW);
    expect(next).toMatchObject({
      phase: "RolledBack",
      totalSavings: 10,
      appliedOptimizations: 3,
      pullRequest: { number: 8, url: "https://github.com/acme/deploy/pull/8", state: "merged" },
    });
  });

  it("a proposal closed by a person leaves a recommendation and says it will not come back unchanged", () => {
    const next = statusAfterOutcome(applying, note({ kind: "declined" }), NOW);
    expect(next.phase).toBe("Ready");
    expect(next.message).toContain("closed without merging");
    expect(next.appliedOptimizations).toBe(2);
  });
});
