// The control loop's PolicyReconciler over the GitOps pass in src/reconcile.ts: pull request
// outcomes noted on the CR become status first; otherwise one pass runs against the policy's
// repository and its result becomes status. Deletion and health regressions open reverts.

import type { CostOptimization, CostOptimizationStatus } from "../api/types.js";
import type { ValidationOptions } from "../api/validation.js";
import {
  liftGate,
  liftRequested,
  PROPOSE_AGAIN_ANNOTATION,
  requestedSinceAnalysis,
} from "../gitops/dashboard/lift.js";
import { dashboardRow, liftableGate } from "../gitops/dashboard/rows.js";
import type { MetadataKey } from "../gitops/metadata.js";
import type { EventSpec } from "../kube/events.js";
import { outcomePending, statusAfterOutcome } from "../kube/outcomes.js";
import type { PolicyReconciler, ReconcileResult } from "../kube/reconciler.js";
import type { UsageSource } from "../metrics/types.js";
import {
  invalidSpec,
  type ReconcileResult as PassResult,
  type ReconcileDeps,
  reconcile,
  reconcileDeleted,
  rollbackPolicy,
  statusFrom,
} from "../reconcile.js";
import type { Store } from "../state/types.js";
import type { GitTargetFor } from "./git-target.js";

/** The forge (and discovered source) for a policy's repository, or why there is none. */
export type ForgeFor = GitTargetFor;

export interface GitOpsReconcilerOptions {
  forgeFor: ForgeFor;
  store: Store;
  usage: UsageSource;
  metadataKey: MetadataKey;
  clusterName?: string;
  now?: () => Date;
  /** Extra ReconcileDeps (recommender, pricing, settings), e.g. a stub recommender in tests. */
  extra?: Partial<ReconcileDeps>;
  /** The admission rules' configurable lists, so the reconciler judges policies as admission does. */
  validation?: ValidationOptions;
  /** How soon to look again when another reconcile holds the policy's lock. */
  busyRetryMs?: number;
  /** Every pass's result, with the forge of the policy's repository (the cost dashboard). */
  onResult?: (policy: CostOptimization, forge: ReconcileDeps["forge"], result: PassResult) => void;
}

export class GitOpsReconciler implements PolicyReconciler {
  private readonly now: () => Date;

  constructor(private readonly o: GitOpsReconcilerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async reconcile(policy: CostOptimization): Promise<ReconcileResult> {
    const outcome = outcomePending(policy);
    if (outcome) return { status: statusAfterOutcome(policy.status, outcome, this.now()) };
    // Before discovery reads the cluster or the repository.
    const invalid = invalidSpec(policy, policy.metadata.name, this.o.validation);
    if (invalid) return this.toResult(policy, invalid);
    const target = await this.o.forgeFor(policy);
    if ("error" in target) return failed(policy, "NoGitSource", target.error);
    const deps: ReconcileDeps = {
      ...this.o.extra,
      validation: this.o.validation,
      forge: target.forge,
      ...(target.source ? { source: target.source } : {}),
      store: this.o.store,
      usage: this.o.usage,
      metadataKey: this.o.metadataKey,
      clusterName: this.o.clusterName,
      now: this.now,
      ...(requestedSinceAnalysis(policy, PROPOSE_AGAIN_ANNOTATION) ? { proposeAgain: true } : {}),
    };
    let result = await reconcile(policy, deps);
    // A dashboard tick asked to open it now: lift the one gate that held this pass back, if liftable.
    const gate = liftRequested(policy) ? liftableGate(dashboardRow(result)) : undefined;
    if (gate) result = await reconcile(liftGate(policy, gate), deps);
    this.o.onResult?.(policy, target.forge, result);
    return this.toResult(policy, result);
  }

  async finalize(policy: CostOptimization): Promise<{ events?: EventSpec[] }> {
    const target = await this.o.forgeFor(policy);
    if ("error" in target) throw new Error(target.error);
    const r = await reconcileDeleted(policy, {
      forge: target.forge,
      ...(target.source ? { source: target.source } : {}),
      metadataKey: this.o.metadataKey,
      store: this.o.store,
      clusterName: this.o.clusterName,
      now: this.now,
    });
    if (r.busy || r.rateLimited) throw new Error(r.message);
    const pr = r.rollback?.pullRequest;
    return pr
      ? {
          events: [
            { reason: "RollbackRequested", message: `revert pull request #${pr.number} opened: ${pr.url}` },
          ],
        }
      : {};
  }

  async rollback(policy: CostOptimization, reason: string): Promise<ReconcileResult> {
    const target = await this.o.forgeFor(policy);
    if ("error" in target) return failed(policy, "NoGitSource", target.error);
    const r = await rollbackPolicy(policy, reason, {
      forge: target.forge,
      ...(target.source ? { source: target.source } : {}),
      metadataKey: this.o.metadataKey,
      store: this.o.store,
      clusterName: this.o.clusterName,
      now: this.now,
    });
    return this.toResult(policy, r);
  }

  private toResult(policy: CostOptimization, r: PassResult): ReconcileResult {
    if (r.busy) return { status: current(policy), requeueAfterMs: this.o.busyRetryMs ?? 5000 };
    if (r.rateLimited) {
      return {
        status: { ...current(policy), message: r.message },
        requeueAfterMs: r.rateLimited.retryAfterSeconds * 1000,
      };
    }
    const status = statusFrom(r, policy.status, this.now());
    // Skipped files, a broken .github/costopt.yml, pinned revisions: seen with kubectl describe.
    const events: EventSpec[] = r.warnings.length
      ? [{ reason: "ReconcileWarning", type: "Warning", message: r.warnings.join("; ") }]
      : [];
    return {
      status,
      ...(events.length ? { events } : {}),
      ...(r.failureReason ? { failureReason: r.failureReason } : {}),
    };
  }
}

function current(policy: CostOptimization): CostOptimizationStatus {
  return policy.status ?? { phase: "Pending", appliedOptimizations: 0, totalSavings: 0 };
}

function failed(policy: CostOptimization, failureReason: string, message: string): ReconcileResult {
  return { status: { ...current(policy), phase: "Failed", message }, failureReason };
}
