// What the CostOptimization status says about a recommendation: currentRecommendation in
// Kubernetes quantities, and why nothing is proposed. The phase is src/gitops/lifecycle.ts's.

import { formatSetting } from "../api/quantity.js";
import type { CurrentRecommendation, ResourceChange } from "../api/types.js";
import { blockers } from "../recommend/gates.js";
import type { Recommendation } from "../recommend/types.js";
import { changedFields } from "./body/format.js";

/** The CR's currentRecommendation from a Recommendation (quantities as Kubernetes strings). */
export function currentRecommendation(rec: Recommendation): CurrentRecommendation {
  const changes: ResourceChange[] = rec.containers.flatMap((c) =>
    changedFields(c.current, c.proposed).map((f) => ({
      container: c.name,
      resource: f,
      current: formatSetting(f, c.current[f]),
      proposed: formatSetting(f, c.proposed[f]),
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
