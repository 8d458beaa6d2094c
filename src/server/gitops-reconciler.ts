// The control loop's PolicyReconciler over the GitOps pass in src/reconcile.ts: a pull request
// outcome noted on the CR and not yet handled is reported first; otherwise one pass runs against
// the policy's repository. Deletion and health regressions open reverts. What any of it means for
// status is src/gitops/lifecycle.ts's to decide.

import { policyKey, policyRefOf } from "../api/refs.js";
import type { CostOptimization } from "../api/types.js";
import type { ValidationOptions } from "../api/validation.js";
import {
  liftGate,
  liftRequested,
  PROPOSE_AGAIN_ANNOTATION,
  requestedSinceAnalysis,
} from "../gitops/dashboard/lift.js";
import { dashboardRow, liftableGate } from "../gitops/dashboard/rows.js";
import type { PassReport } from "../gitops/lifecycle.js";
import { outcomePending } from "../gitops/lifecycle.js";
import type { MetadataKey } from "../gitops/metadata.js";
import { readOutcome } from "../kube/outcomes.js";
import type { PolicyReconciler } from "../kube/reconciler.js";
import type { UsageSource } from "../metrics/types.js";
import {
  invalidSpec,
  type ReconcileDeps,
  type ReconcileResult,
  reconcile,
  reconcileDeleted,
  rollbackPolicy,
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
  /** Every pass's result, with the forge of the policy's repository (the cost dashboard). */
  onResult?: (policy: CostOptimization, forge: ReconcileDeps["forge"], result: ReconcileResult) => void;
  /** A deleted policy, by its key ([<cluster>/]<namespace>/<name>): its dashboard row goes. */
  onForget?: (policy: string) => void;
}

type Reported = Awaited<ReturnType<PolicyReconciler["reconcile"]>>;

export class GitOpsReconciler implements PolicyReconciler {
  private readonly now: () => Date;

  constructor(private readonly o: GitOpsReconcilerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async reconcile(policy: CostOptimization): Promise<Reported> {
    const note = readOutcome(policy);
    if (note && outcomePending(policy.status, note)) return { type: "outcome", note };
    return { type: "pass", result: await this.pass(policy) };
  }

  private async pass(policy: CostOptimization): Promise<PassReport> {
    // Before discovery reads the cluster or the repository.
    const invalid = invalidSpec(
      policy,
      policyKey(policyRefOf(policy), this.o.clusterName),
      this.o.validation,
    );
    if (invalid) return invalid;
    const target = await this.o.forgeFor(policy);
    if ("error" in target) return failed("NoGitSource", target.error);
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
    return result;
  }

  async finalize(policy: CostOptimization): Promise<PassReport> {
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
    return r;
  }

  forget(policy: CostOptimization): void {
    this.o.onForget?.(policyKey(policyRefOf(policy), this.o.clusterName));
  }

  async rollback(policy: CostOptimization, reason: string): Promise<PassReport> {
    const target = await this.o.forgeFor(policy);
    if ("error" in target) return failed("NoGitSource", target.error);
    return rollbackPolicy(policy, reason, {
      forge: target.forge,
      ...(target.source ? { source: target.source } : {}),
      metadataKey: this.o.metadataKey,
      store: this.o.store,
      clusterName: this.o.clusterName,
      now: this.now,
    });
  }
}

function failed(failureReason: string, message: string): PassReport {
  return { message, warnings: [], failureReason };
}
