// "Savings merged this month" on the cost dashboard: a merge outcome is counted for its whole
// calendar month (UTC), long after the week the ledger keeps it, and not the month after; a merged
// revert takes it back out. "watching" shows only while the post-merge health watch runs.

import { describe, expect, it } from "vitest";
import { dashboardBody } from "../../src/gitops/dashboard/index.js";
import { type ProposalMetadata, withMetadata } from "../../src/gitops/metadata.js";
import { recordClosed } from "../../src/gitops/outcome.js";
import type { ReconcileResult } from "../../src/reconcile.js";
import { MemoryStore } from "../../src/state/memory.js";
import { ManualClock } from "../support/clock.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { recommendation } from "./recommendation.js";

const REPO = "acme/deploy";
const DAY = 24 * 3600_000;

function meta(policy: string, extra: Partial<ProposalMetadata> = {}): ProposalMetadata {
  return {
    v: 1,
    kind: "proposal",
    policy,
    fingerprint: "0123456789abcdef",
    base: "a".repeat(40),
    head: "b".repeat(40),
    fields: [],
    createdFiles: [],
    proposed: {},
    monthlySavings: 12.5,
    ...extra,
  };
}

/** A merged pull request of costopt's, recorded as the webhook handler records it. */
function merged(store: MemoryStore, clock: ManualClock, number: number, branch: string, m: ProposalMetadata) {
  return recordClosed(
    {
      number,
      url: `https://github.com/${REPO}/pull/${number}`,
      branch,
      body: withMetadata(`costopt #${number}`, m, TEST_KEY),
      merged: true,
      mergeSha: "c".repeat(40),
      mergedAt: clock.date().toISOString(),
    },
    REPO,
    store,
    clock.date,
    TEST_KEY,
  );
}

/** The proposal costopt opened for `policy`, merged now. */
async function merge(store: MemoryStore, clock: ManualClock, policy: string, number: number) {
  expect((await merged(store, clock, number, `costopt/${policy}`, meta(policy)))?.kind).toBe("applied");
}

/** The pass's result for a policy whose manifests already hold the merged values. */
function fits(policy: string): ReconcileResult {
  const [namespace, name] = policy.split("/").slice(-2) as [string, string];
  return {
    policy,
    message: "the manifests already hold the recommended values",
    recommendation: recommendation({
      policy: { namespace, name },
      target: { namespace, kind: "Deployment", name: "web" },
      currentCost: 30,
      optimizedCost: 30,
      monthlySavings: 0,
    }),
    proposal: { action: "none", message: "the manifests already hold the recommended values" },
    warnings: [],
  };
}

const totalLine = (body: string) => body.split("\n").find((l) => l.startsWith("**Monthly cost:**"));
const rowOf = (body: string, policy: string) => body.split("\n").find((l) => l.startsWith(`| \`${policy}\``));

describe("savings merged this month", () => {
  it("counts a merge on the 2nd on the 25th, after the ledger forgot it, and not next month", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 9, 0, 0));
    const store = new MemoryStore(clock.now);
    await merge(store, clock, "shop/web-cost", 4);

    clock.advance(23 * DAY); // 2026-11-25
    // The ledger keeps merges a week: it no longer knows this one.
    expect(await store.applied("shop/web-cost")).toEqual([]);
    const body = await dashboardBody([fits("shop/web-cost")], store, clock.date(), { repository: REPO });
    expect(totalLine(body)).toContain("**Savings merged this month:** $12.50/mo");
    expect(rowOf(body, "shop/web-cost")).toContain("| merged (#4) |");

    clock.advance(6 * DAY); // 2026-12-01
    const december = await dashboardBody([fits("shop/web-cost")], store, clock.date(), { repository: REPO });
    expect(totalLine(december)).toContain("**Savings merged this month:** $0.00/mo");
    expect(rowOf(december, "shop/web-cost")).not.toContain("merged");
  });

  it("adds up the month's merges of the repository, once per pull request, and only this cluster's", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 3, 9, 0, 0));
    const store = new MemoryStore(clock.now);
    await merge(store, clock, "east/shop/web-cost", 4);
    // GitHub redelivers the closed event: counted once.
    await merge(store, clock, "east/shop/web-cost", 4);
    clock.advance(10 * DAY);
    await merge(store, clock, "east/shop/api-cost", 9);
    await merge(store, clock, "west/shop/web-cost", 5);
    clock.advance(10 * DAY);
    const east = await dashboardBody([fits("east/shop/web-cost")], store, clock.date(), {
      repository: REPO,
      cluster: "east",
    });
    expect(totalLine(east)).toContain("**Savings merged this month:** $25.00/mo");
    const elsewhere = await dashboardBody([fits("shop/web-cost")], store, clock.date(), {
      repository: "acme/other",
    });
    expect(totalLine(elsewhere)).toContain("**Savings merged this month:** $0.00/mo");
  });

  it("no longer counts a change whose revert was merged", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 9, 0, 0));
    const store = new MemoryStore(clock.now);
    await merge(store, clock, "shop/web-cost", 4);
    clock.advance(DAY);
    const revert = meta("shop/web-cost", { kind: "revert", revertOf: 4 });
    const reverted = await merged(store, clock, 6, "costopt/shop/web-cost-revert-4", revert);
    expect(reverted?.kind).toBe("rolled-back");
    const body = await dashboardBody([fits("shop/web-cost")], store, clock.date(), { repository: REPO });
    expect(totalLine(body)).toContain("**Savings merged this month:** $0.00/mo");
  });
});

describe("merged and watching", () => {
  it("shows watching while the health watch runs for the policy, and plain merged after", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 9, 0, 0));
    const store = new MemoryStore(clock.now);
    await merge(store, clock, "shop/web-cost", 4);
    const watched = new Set(["shop/web-cost"]);
    const scope = { repository: REPO, watching: (p: string) => watched.has(p) };
    const during = await dashboardBody([fits("shop/web-cost")], store, clock.date(), scope);
    expect(rowOf(during, "shop/web-cost")).toContain("| merged (#4), watching |");
    watched.clear();
    clock.advance(3600_000);
    const after = await dashboardBody([fits("shop/web-cost")], store, clock.date(), scope);
    expect(rowOf(after, "shop/web-cost")).toContain("| merged (#4) |");
  });
});
