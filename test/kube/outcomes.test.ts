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
const pr = (number: number) => ({
  number,
  url: `https://github.com/acme/deploy/pull/${number}`,
  branch: "costopt/shop/web",
  state: "open" as const,
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

  it("a merged revert stays pending until status shows it merged, which only RolledBack writes", () => {
    const revertOpen = {
      ...statusAfterOutcome(applying, note({}), NOW),
      pullRequest: { ...pr(8), state: "open" as const },
    };
    const reverted = note({ kind: "rolled-back", pullRequest: 8, revertOf: 7 });
    expect(outcomePending(policy(revertOpen, reverted))).toEqual(reverted);
    // The control loop's "waiting for the live workload" status keeps the revert's previous ref.
    expect(outcomePending(policy({ ...revertOpen, message: "revert #8 merged; waiting" }, reverted))).toEqual(
      reverted,
    );
    const rolledBack = statusAfterOutcome(revertOpen, reverted, NOW);
    expect(outcomePending(policy(rolledBack, reverted))).toBeUndefined();
    // A later pass that moves the phase on does not bring the outcome back.
    expect(outcomePending(policy({ ...rolledBack, phase: "Ready" }, reverted))).toBeUndefined();
  });

  it("once status has moved on to a later pull request of the repository, an older note is history", () => {
    const applied = statusAfterOutcome(applying, note({}), NOW);
    // Revert #8 opened after #7 was merged: the merge of #7 must not be counted again.
    const revertOpen = { ...applied, pullRequest: { ...pr(8), state: "open" as const } };
    expect(outcomePending(policy(revertOpen, note({})))).toBeUndefined();
    // Proposal #9 opened after revert #8 was merged: the rollback must not be reported again.
    const reverted = note({ kind: "rolled-back", pullRequest: 8 });
    expect(outcomePending(policy({ ...revertOpen, pullRequest: pr(9) }, reverted))).toBeUndefined();
    // A pull request of another repository says nothing about this one's numbers.
    const elsewhere = { ...pr(9), url: "https://github.com/acme/other/pull/9" };
    expect(outcomePending(policy({ ...revertOpen, pullRequest: elsewhere }, reverted))).toEqual(reverted);
  });

  it("a proposal closed by a person leaves a recommendation and says it will not come back unchanged", () => {
    const next = statusAfterOutcome(applying, note({ kind: "declined" }), NOW);
    expect(next.phase).toBe("Ready");
    expect(next.message).toContain("closed without merging");
    expect(next.appliedOptimizations).toBe(2);
  });
});
