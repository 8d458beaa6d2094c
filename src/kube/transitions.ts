// What a status change means to users: the Events and metric increments a transition from
// one status to the next implies. Pure, so the mapping is tested without a cluster.

import type { CostOptimizationStatus } from "../api/types.js";
import type { EventSpec } from "./events.js";

export interface MetricDelta {
  created?: boolean;
  applied?: string;
  failed?: string;
  rolledBack?: boolean;
  pullRequest?: "opened" | "merged" | "closed";
}

export function transitionEffects(
  prev: CostOptimizationStatus | undefined,
  next: CostOptimizationStatus,
  failureReason = "ReconcileError",
): { events: EventSpec[]; metrics: MetricDelta } {
  const events: EventSpec[] = [];
  const metrics: MetricDelta = {};
  const changed = prev?.phase !== next.phase;
  const rec = next.currentRecommendation;
  if (changed && next.phase === "Ready" && rec) {
    events.push({
      reason: "RecommendationReady",
      message: `${rec.optimizationType}: ${rec.changes.length} change(s), saves $${rec.monthlySavings.toFixed(2)}/month, confidence ${rec.confidenceScore.toFixed(2)}, risk ${rec.riskLevel}`,
    });
  }
  const pr = next.pullRequest;
  if (pr && pr.number !== prev?.pullRequest?.number) {
    events.push({ reason: "PullRequestOpened", message: `pull request #${pr.number} opened: ${pr.url}` });
    metrics.pullRequest = "opened";
  } else if (pr && prev?.pullRequest?.state !== pr.state && pr.state !== "open") {
    metrics.pullRequest = pr.state;
  }
  if (changed && next.phase === "Applied") {
    events.push({
      reason: "OptimizationApplied",
      message: `${rec?.optimizationType ?? "optimization"} applied${pr ? ` (pull request #${pr.number})` : ""}; total savings $${next.totalSavings.toFixed(2)}/month`,
    });
    metrics.applied = rec?.optimizationType ?? "ALL";
  }
  if (changed && next.phase === "Failed") {
    events.push({
      reason: "OptimizationFailed",
      type: "Warning",
      message: next.message ?? "reconcile failed",
    });
    metrics.failed = failureReason;
  }
  if (changed && next.phase === "RolledBack") {
    events.push({
      reason: "RolledBack",
      message: next.message ?? "the workload matches its recorded original values",
    });
    metrics.rolledBack = true;
  }
  return { events, metrics };
}
