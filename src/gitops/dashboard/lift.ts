// "Open this pull request now", ticked on the dashboard: the tick only asks (an annotation with
// its time); costopt decides which gate to lift from its own state, never from the text.
// The lift holds for the pass after the tick and then while the pull request it opened is open,
// so the next pass does not withdraw it; once that pull request is merged or closed the policy's
// gates are back in force.

import type { CostOptimization } from "../../api/types.js";
import type { LiftableGate } from "./rows.js";

export const OPEN_NOW_ANNOTATION = "costopt.dev/open-now";

/** Whether a tick asks this policy's next pass to lift its one liftable gate. */
export function liftRequested(policy: CostOptimization): boolean {
  const at = Date.parse(policy.metadata.annotations?.[OPEN_NOW_ANNOTATION] ?? "");
  if (Number.isNaN(at)) return false;
  const status = policy.status;
  const last = Date.parse(status?.lastAnalysis ?? "");
  if (Number.isNaN(last) || last < at) return true;
  return status?.pullRequest?.state === "open";
}

/** The policy with one gate lifted; every other gate stays as the policy says. */
export function liftGate(policy: CostOptimization, gate: LiftableGate): CostOptimization {
  const spec = { ...policy.spec };
  if (gate === "dryRun") spec.dryRun = false;
  else if (gate === "minConfidence") spec.minConfidence = 0;
  else spec.maxRiskLevel = "CRITICAL";
  return { ...policy, spec };
}
