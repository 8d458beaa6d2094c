// "Open this pull request now", ticked on the dashboard: the tick only asks (an annotation with
// its time); costopt decides which gate to lift from its own state, never from the text.
// The lift holds for the pass after the tick and then while the pull request it opened is open,
// so the next pass does not withdraw it; once that pull request is merged or closed the policy's
// gates are back in force.

import type { CostOptimization } from "../../api/types.js";
import type { LiftableGate } from "./rows.js";

export const OPEN_NOW_ANNOTATION = "costopt.dev/open-now";
/** "Propose again": the next pass may open a proposal a person declined before. */
export const PROPOSE_AGAIN_ANNOTATION = "costopt.dev/propose-again";

/** Whether `annotation` was set after the policy's last analysis (a request no pass has served yet). */
export function requestedSinceAnalysis(policy: CostOptimization, annotation: string): boolean {
  const at = Date.parse(policy.metadata.annotations?.[annotation] ?? "");
  if (Number.isNaN(at)) return false;
  const last = Date.parse(policy.status?.lastAnalysis ?? "");
  return Number.isNaN(last) || last < at;
}

/** Whether a tick asks this policy's next pass to lift its one liftable gate. */
export function liftRequested(policy: CostOptimization): boolean {
  if (!policy.metadata.annotations?.[OPEN_NOW_ANNOTATION]) return false;
  return requestedSinceAnalysis(policy, OPEN_NOW_ANNOTATION) || policy.status?.pullRequest?.state === "open";
}

/** The policy with one gate lifted; every other gate stays as the policy says. */
export function liftGate(policy: CostOptimization, gate: LiftableGate): CostOptimization {
  const spec = { ...policy.spec };
  if (gate === "dryRun") spec.dryRun = false;
  else if (gate === "minConfidence") spec.minConfidence = 0;
  else spec.maxRiskLevel = "CRITICAL";
  return { ...policy, spec };
}
