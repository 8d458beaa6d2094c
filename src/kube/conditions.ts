// Status conditions derived from the phase, so `kubectl wait --for=condition=Ready` and
// dashboards agree with `phase`. lastTransitionTime changes only when a condition's status does.

import type { Condition, CostOptimizationStatus, Phase } from "../api/types.js";

type Cond = Pick<Condition, "type" | "status" | "reason">;

// phase -> [Ready, Progressing, Degraded, reason]. Ready: a usable result exists.
// Progressing: work is in flight. Degraded: the last attempt failed or was rolled back.
const TABLE: Record<Phase, [boolean, boolean, boolean, string]> = {
  Pending: [false, true, false, "Pending"],
  Analyzing: [false, true, false, "Analyzing"],
  Ready: [true, false, false, "RecommendationReady"],
  Applying: [true, true, false, "PullRequestOpen"],
  Applied: [true, false, false, "OptimizationApplied"],
  RolledBack: [true, false, true, "RolledBack"],
  Failed: [false, false, true, "OptimizationFailed"],
};

export function conditionsForPhase(phase: Phase): Cond[] {
  const [ready, progressing, degraded, reason] = TABLE[phase];
  const c = (type: string, on: boolean): Cond => ({ type, status: on ? "True" : "False", reason });
  return [c("Ready", ready), c("Progressing", progressing), c("Degraded", degraded)];
}

export function withConditions(
  status: CostOptimizationStatus,
  previous: Condition[] | undefined,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const message = status.message ?? "";
  return conditionsForPhase(status.phase).map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const lastTransitionTime =
      old && old.status === c.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      ...c,
      message,
      lastTransitionTime,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  });
}
