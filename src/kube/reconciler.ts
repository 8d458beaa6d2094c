// The seam between the control loop and one reconcile pass (src/reconcile.ts). The control
// loop owns when and how often; the reconciler owns what (usage -> recommendation -> PR).

import type { CostOptimization, CostOptimizationStatus } from "../api/types.js";
import type { EventSpec } from "./events.js";

export type Trigger = "created" | "spec-changed" | "periodic" | "schedule" | "webhook" | "retry" | "health";

export interface ReconcileResult {
  /** The status to write; conditions and observedGeneration are added by the control loop. */
  status: CostOptimizationStatus;
  /** Events beyond the ones the control loop derives from phase changes. */
  events?: EventSpec[];
  /** Short machine-readable cause when phase is Failed (the failed-counter label). */
  failureReason?: string;
  /** Look again after this long (busy lock, rate limit) instead of waiting for the next trigger. */
  requeueAfterMs?: number;
}

export interface PolicyReconciler {
  reconcile(policy: CostOptimization, trigger: Trigger): Promise<ReconcileResult>;
  /** The policy is being deleted: open revert PRs for applied changes (rollbackOnFailure). */
  finalize(policy: CostOptimization): Promise<{ events?: EventSpec[] }>;
  /** A post-merge health regression: open the revert PR. */
  rollback(policy: CostOptimization, reason: string): Promise<ReconcileResult>;
}
