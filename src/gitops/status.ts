// The CostOptimization status a reconcile result leads to (the control loop writes it; the status
// after a pull request outcome is src/kube/outcomes.ts). Counters carry over from the previous status.

import type { CostOptimizationStatus, CurrentRecommendation, ResourceChange } from "../api/types.js";
import { blockers } from "../recommend/gates.js";
import type { Recommendation } from "../recommend/types.js";
import type { ReconcileResult } from "../reconcile.js";
import { changedFields, quantity } from "./body/format.js";

const EMPTY: CostOptimizationStatus = { phase: "Pending", appliedOptimizations: 0, totalSavings: 0 };

/** The CR's currentRecommendation from a Recommendation (quantities as Kubernetes strings). */
export function currentRecommendation(rec: Recommendation): CurrentRecommendation {
  const changes: ResourceChange[] = rec.containers.flatMap((c) =>
    changedFields(c.current, c.proposed).map((f) => ({
      container: c.name,
      resource: f,
      current: quantity(f, c.current[f]),
      proposed: quantity(f, c.proposed[f]),
    })),
  );
  if (rec.replicas && rec.replicas.current !== rec.replicas.proposed)
    changes.push({
      container: "",
      resource: "replicas",
      current: String(rec.replicas.current),
      proposed: String(rec.replicas.proposed),
    });
  if (rec.placement)
    changes.push({ container: "", resource: "placement", current: "on-demand", proposed: "spot" });
  if (rec.scheduledScaling)
    changes.push({
      container: "",
      resource: "schedule",
      current: "none",
      proposed: rec.scheduledScaling.fileName,
    });
  return {
    optimizationType: rec.optimizationType,
    currentCost: rec.currentCost,
    optimizedCost: rec.optimizedCost,
    monthlySavings: rec.monthlySavings,
    confidenceScore: rec.confidence.score,
    riskLevel: rec.risk.level,
    changes,
  };
}

const NO_DATA = "not enough data";

/**
 * Why nothing is proposed, for the status message and the closing comment; undefined when the
 * recommendation may be proposed. It names only the checks that failed: listing the ones that
 * passed buries the cause. Stepping is said apart, as it is what the policy asked for.
 */
export function holdBackReason(rec: Recommendation): string | undefined {
  const failed = blockers(rec.decision);
  if (rec.notEnoughData) {
    const why = failed.join("; ") || "no usage for this workload";
    return why.startsWith(NO_DATA) ? why : `${NO_DATA}: ${why}`;
  }
  if (rec.decision.allowed) return undefined;
  const steps = rec.decision.steps;
  return (
    `the policy's gates hold it back: ${failed.join("; ")}` +
    (steps.length > 0 ? ` (judged after stepping — ${steps.join("; ")})` : "")
  );
}

/** The CR status a result leads to, keeping the counters of the previous status. */
export function statusFrom(
  result: Pick<ReconcileResult, "phase" | "message" | "recommendation" | "pullRequest" | "source">,
  previous: CostOptimizationStatus | undefined,
  now: Date,
): CostOptimizationStatus {
  const prev = previous ?? EMPTY;
  // Applied stays Applied while nothing new is proposed: the merge happened, the PR is history.
  const phase = prev.phase === "Applied" && result.phase === "Ready" ? "Applied" : result.phase;
  return {
    ...prev,
    phase,
    message: result.message,
    lastAnalysis: result.recommendation ? now.toISOString() : prev.lastAnalysis,
    ...(result.recommendation ? { currentRecommendation: currentRecommendation(result.recommendation) } : {}),
    ...(result.pullRequest ? { pullRequest: result.pullRequest } : {}),
    ...(result.source ? { source: result.source } : {}),
  };
}
