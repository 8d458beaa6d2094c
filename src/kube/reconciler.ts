// The seam between the control loop and one reconcile pass (src/reconcile.ts). The control
// loop owns when and how often; the reconciler owns what (usage -> recommendation -> PR) and
// reports what happened as a lifecycle event; src/gitops/lifecycle.ts turns it into status.

import type { CostOptimization } from "../api/types.js";
import type { LifecycleEvent, PassReport } from "../gitops/lifecycle.js";

export type Trigger = "created" | "spec-changed" | "periodic" | "schedule" | "webhook" | "retry" | "health";

export interface PolicyReconciler {
  /** A pending pull request outcome, else one pass. */
  reconcile(
    policy: CostOptimization,
    trigger: Trigger,
  ): Promise<Extract<LifecycleEvent, { type: "outcome" | "pass" }>>;
  /** The policy is being deleted: close its proposal, open reverts for applied changes (rollbackOnFailure); throws when it could not. */
  finalize(policy: CostOptimization): Promise<PassReport>;
  /** The policy is gone (its finalizer released, or removed from the repository): forget what is kept about it. */
  forget?(policy: CostOptimization): void;
  /** A post-merge health regression: open the revert PR. */
  rollback(policy: CostOptimization, reason: string): Promise<PassReport>;
}
