// The lifecycle as a table: every phase a policy can be in, against every event that can reach
// it, with the phase it moves to and what the caller is told to do. The table is the reviewed
// specification in lifecycle.table.txt; the focused tests below pin the seams where bugs lived.

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CostOptimizationStatus, PHASES, type Phase } from "../../src/api/types.js";
import {
  errorReason,
  type LifecycleEvent,
  next,
  outcomePending,
  type PassReport,
} from "../../src/gitops/lifecycle.js";
import type { OutcomeNote } from "../../src/gitops/outcome.js";
import { KubeError } from "../../src/kube/client.js";
import { PrometheusError } from "../../src/metrics/prometheus-client.js";
import { RedisUnavailableError } from "../../src/state/redis.js";
import { FIXED_INSTANT } from "../support/clock.js";
import { recommendation } from "./recommendation.js";

const NOW = new Date(FIXED_INSTANT);
const MIN = 60_000;

const pr = (number: number, state: "open" | "closed" | "merged" = "open", repo = "acme/deploy") => ({
  number,
  url: `https://github.com/${repo}/pull/${number}`,
  branch: "costopt/shop/web",
  state,
});
const note = (o: Partial<OutcomeNote> = {}): OutcomeNote => ({
  kind: "applied",
  pullRequest: 7,
  repository: "acme/deploy",
  monthlySavings: 5.5,
  at: new Date(FIXED_INSTANT - 5 * MIN).toISOString(),
  ...o,
});

/** A policy in `phase` as the control loop would have left it: proposal #7 of acme/deploy, merged when Applied. */
function statusIn(phase: Phase): CostOptimizationStatus {
  const merged = phase === "Applied" || phase === "RolledBack";
  return {
    phase,
    message: `was ${phase}`,
    appliedOptimizations: merged ? 1 : 0,
    totalSavings: merged ? 5.5 : 0,
    ...(phase === "Pending" ? {} : { currentRecommendation: { ...currentRec } }),
    ...(phase === "Applying" || merged ? { pullRequest: pr(7, merged ? "merged" : "open") } : {}),
    ...(merged ? { lastApplied: new Date(FIXED_INSTANT - 10 * MIN).toISOString() } : {}),
  };
}
const currentRec = {
  optimizationType: "ALL" as const,
  currentCost: 120.5,
  optimizedCost: 80.25,
  monthlySavings: 40.25,
  confidenceScore: 0.86,
  riskLevel: "LOW" as const,
  changes: [{ container: "app", resource: "cpuRequest" as const, current: "500m", proposed: "250m" }],
};

const pass = (r: Partial<PassReport>): PassReport => ({ message: "pass", warnings: [], ...r });
const revertPr = pr(8);
const revertNote = note({ kind: "rolled-back", pullRequest: 8, revertOf: 7, monthlySavings: 5.5 });

const EVENTS: [string, LifecycleEvent][] = [
  ["picked-up (same spec)", { type: "picked-up", target: "Deployment shop/web", specChanged: false }],
  ["picked-up (spec changed)", { type: "picked-up", target: "Deployment shop/web", specChanged: true }],
  [
    "pass: proposal opened",
    {
      type: "pass",
      result: pass({ recommendation: recommendation(), proposal: { action: "created" }, pullRequest: pr(9) }),
    },
  ],
  [
    "pass: proposal unchanged",
    { type: "pass", result: pass({ proposal: { action: "unchanged" }, pullRequest: pr(7) }) },
  ],
  [
    "pass: nothing to propose",
    { type: "pass", result: pass({ recommendation: recommendation(), proposal: { action: "none" } }) },
  ],
  [
    "pass: failed",
    { type: "pass", result: pass({ failureReason: "WorkloadNotFound", message: "not found" }) },
  ],
  ["pass: lock busy", { type: "pass", result: pass({ busy: true }) }],
  [
    "pass: rate-limited",
    { type: "pass", result: pass({ rateLimited: { retryAfterSeconds: 60 }, message: "rate-limited" }) },
  ],
  ["outcome: #7 merged", { type: "outcome", note: note() }],
  ["outcome: #7 closed by a person", { type: "outcome", note: note({ kind: "declined" }) }],
  ["outcome: #7 closed by costopt", { type: "outcome", note: note({ kind: "withdrawn" }) }],
  ["outcome: revert #8 merged", { type: "outcome", note: revertNote }],
  ["outcome: revert #8 closed", { type: "outcome", note: note({ kind: "revert-declined", pullRequest: 8 }) }],
  [
    "revert #8 live",
    { type: "revert-checked", note: revertNote, mismatches: [], waitedMs: MIN, timeoutMs: 30 * MIN },
  ],
  [
    "revert #8 not live yet",
    {
      type: "revert-checked",
      note: revertNote,
      mismatches: ["app requests.cpu: live 250m, expected 500m"],
      waitedMs: MIN,
      timeoutMs: 30 * MIN,
    },
  ],
  [
    "revert #8 not live at the timeout",
    {
      type: "revert-checked",
      note: revertNote,
      mismatches: ["app requests.cpu: live 250m, expected 500m"],
      waitedMs: 30 * MIN,
      timeoutMs: 30 * MIN,
    },
  ],
  [
    "regression: revert opened",
    {
      type: "regression",
      reason: "OOM",
      result: pass({
        message: "opened #8",
        rollback: { action: "opened", message: "opened", pullRequest: revertPr },
      }),
    },
  ],
  [
    "regression: revert conflicts",
    {
      type: "regression",
      reason: "OOM",
      result: pass({
        message: "conflict",
        failureReason: "RollbackConflict",
        rollback: { action: "conflict", message: "conflict" },
      }),
    },
  ],
  ["error", { type: "error", message: "prometheus unreachable", reason: "MetricsUnavailable" }],
  ["resumed by a new leader", { type: "resumed", windowMs: 30 * MIN }],
  [
    "deleted (revert opened)",
    {
      type: "deleted",
      result: pass({ rollback: { action: "opened", message: "opened", pullRequest: revertPr } }),
    },
  ],
  ["delete timed out", { type: "delete-timed-out", message: "could not open reverts" }],
];

/** One cell: the phase after, and every effect the caller carries out. */
function cell(phase: Phase, event: LifecycleEvent): string {
  const { status, effects } = next(statusIn(phase), event, NOW);
  const out = [status.phase === phase ? `= ${phase}` : `-> ${status.phase}`];
  if (!effects.write) out.push("no write");
  const events = [...effects.announce, ...effects.events];
  if (events.length) out.push(`events ${events.map((e) => e.reason).join(",")}`);
  const m = Object.entries(effects.metrics).filter(([, v]) => v !== undefined);
  if (m.length) out.push(`metrics ${m.map(([k, v]) => (v === true ? k : `${k}=${v}`)).join(",")}`);
  if (effects.keepAppliedChanges) out.push("keep originals");
  if (effects.watchHealth) out.push(`watch health${effects.watchHealth.mergedAt ? " from the merge" : ""}`);
  if (effects.checkRevert) out.push("check the live workload");
  if (effects.recheckRevert) out.push("recheck later");
  if (effects.requeueAfterMs !== undefined) out.push(`requeue ${effects.requeueAfterMs}`);
  if (status.appliedOptimizations !== statusIn(phase).appliedOptimizations)
    out.push(`applied ${status.appliedOptimizations}`);
  if (status.totalSavings !== statusIn(phase).totalSavings) out.push(`savings ${status.totalSavings}`);
  return out.join("; ");
}

function table(): string {
  const lines: string[] = [];
  for (const [name, event] of EVENTS) {
    lines.push(`## ${name}`);
    for (const phase of PHASES) lines.push(`${phase.padEnd(10)} ${cell(phase, event)}`);
    lines.push("");
  }
  return lines.join("\n");
}

describe("the lifecycle table", () => {
  it("gives every (phase, event) pair the reviewed transition and effects", () => {
    const expected = readFileSync(new URL("./lifecycle.table.txt", import.meta.url), "utf8");
    // WRITE_TABLE=1 rewrites the file after a deliberate change; review its diff like code.
    if (process.env.WRITE_TABLE) writeFileSync(new URL("./lifecycle.table.txt", import.meta.url), table());
    expect(table()).toBe(expected);
  });
});

describe("outcomes are turned into status once", () => {
  const applying = statusIn("Applying");

  it("a handled merge is not replayed when a later pass rewrites status.pullRequest with a stale read", () => {
    const merged = next(applying, { type: "outcome", note: note() }, NOW);
    expect(merged.status).toMatchObject({ phase: "Applied", appliedOptimizations: 1, totalSavings: 5.5 });
    expect(merged.effects.metrics.applied).toBe("ALL");
    // A pass that had read #7 before the merge finishes afterwards.
    const stale = next(
      merged.status,
      { type: "pass", result: pass({ proposal: { action: "unchanged" }, pullRequest: pr(7) }) },
      NOW,
    );
    expect(stale.status.pullRequest?.state).toBe("open");
    expect(outcomePending(stale.status, note())).toBe(false);
    const again = next(stale.status, { type: "outcome", note: note() }, NOW);
    expect(again.status.appliedOptimizations).toBe(1);
    expect(again.effects.metrics.applied).toBeUndefined();
    expect([...again.effects.announce, ...again.effects.events]).toEqual([]);
  });

  it("an old note is not replayed once status shows a pull request of another repository", () => {
    const merged = next(applying, { type: "outcome", note: note() }, NOW).status;
    const moved = next(
      merged,
      {
        type: "pass",
        result: pass({ proposal: { action: "created" }, pullRequest: pr(3, "open", "acme/other") }),
      },
      NOW,
    );
    expect(outcomePending(moved.status, note())).toBe(false);
    expect(next(moved.status, { type: "outcome", note: note() }, NOW).status.appliedOptimizations).toBe(1);
  });

  it("a new note after a handled one is still turned into status", () => {
    const merged = next(applying, { type: "outcome", note: note() }, NOW).status;
    const declined = note({ kind: "declined", pullRequest: 9, at: NOW.toISOString() });
    expect(outcomePending(merged, declined)).toBe(true);
    expect(next(merged, { type: "outcome", note: declined }, NOW).status).toMatchObject({
      phase: "Ready",
      pullRequest: { number: 9, state: "closed" },
    });
  });

  it("Applied is counted once per merge: a revert that gets closed and a new leader's look count nothing", () => {
    let s = next(applying, { type: "outcome", note: note() }, NOW).status;
    const applied: unknown[] = [];
    for (const e of [
      { type: "resumed", windowMs: 30 * MIN },
      {
        type: "regression",
        reason: "OOM",
        result: pass({ rollback: { action: "opened", message: "opened", pullRequest: revertPr } }),
      },
      { type: "outcome", note: note({ kind: "revert-declined", pullRequest: 8, at: NOW.toISOString() }) },
      // The merge's webhook delivered again after the revert's.
      { type: "outcome", note: note() },
      { type: "pass", result: pass({ proposal: { action: "none" } }) },
    ] as LifecycleEvent[]) {
      const step = next(s, e, NOW);
      if (step.effects.metrics.applied) applied.push(e);
      s = step.status;
    }
    expect(applied).toEqual([]);
    expect(s).toMatchObject({ phase: "Applied", appliedOptimizations: 1, totalSavings: 5.5 });
  });
});

describe("the post-merge watch across a leadership change", () => {
  it("resumes from the merge time, not from the handover", () => {
    const s = { ...statusIn("Applied"), lastApplied: new Date(FIXED_INSTANT - 10 * MIN).toISOString() };
    expect(next(s, { type: "resumed", windowMs: 30 * MIN }, NOW).effects.watchHealth).toEqual({
      mergedAt: FIXED_INSTANT - 10 * MIN,
    });
    const old = { ...s, lastApplied: new Date(FIXED_INSTANT - 31 * MIN).toISOString() };
    expect(next(old, { type: "resumed", windowMs: 30 * MIN }, NOW).effects.watchHealth).toBeUndefined();
  });
});

describe("pass results", () => {
  it("an opened proposal is Applying with its pull request and the analysis time", () => {
    const { status } = next(
      undefined,
      {
        type: "pass",
        result: pass({
          recommendation: recommendation(),
          proposal: { action: "created" },
          pullRequest: pr(7),
        }),
      },
      NOW,
    );
    expect(status).toMatchObject({
      phase: "Applying",
      pullRequest: pr(7),
      lastAnalysis: NOW.toISOString(),
      appliedOptimizations: 0,
    });
  });

  it("a failure is counted under its own reason", () => {
    const { effects } = next(
      statusIn("Ready"),
      { type: "pass", result: pass({ failureReason: "PlanRefused" }) },
      NOW,
    );
    expect(effects.metrics.failed).toBe("PlanRefused");
  });
});

describe("failure reasons", () => {
  it("are the error's own: Prometheus, Kubernetes, Redis, GitHub; ReconcileError only for an error that names none", () => {
    expect(errorReason(new PrometheusError("Prometheus answered 503", 503))).toBe("MetricsUnavailable");
    expect(errorReason(new KubeError(500, "etcd timeout"))).toBe("KubernetesAPIError");
    expect(errorReason(new RedisUnavailableError("connection refused"))).toBe("StateStoreUnavailable");
    expect(errorReason(Object.assign(new Error("Bad gateway"), { name: "HttpError", status: 502 }))).toBe(
      "GitHubAPIError",
    );
    expect(errorReason(new Error("something else"))).toBe("ReconcileError");
  });
});
