// One dashboard row per policy, from what the pass learned about it: its reconcile result, and its
// latest change merged this month (which the pass no longer sees as a pull request).

import type { RiskLevel } from "../../api/types.js";
import type { ReconcileResult } from "../../reconcile.js";

/** Gates a person may lift for one pull request from the dashboard; protection never is. */
export const LIFTABLE_GATES = ["dryRun", "minConfidence", "maxRiskLevel"] as const;
export type LiftableGate = (typeof LIFTABLE_GATES)[number];

export type RowState =
  | { kind: "open"; pullRequest: number }
  | { kind: "merged"; pullRequest: number; watching: boolean }
  | { kind: "held-back"; gates: string[]; reason: string }
  | { kind: "dry-run" }
  | { kind: "suppressed"; reason: string }
  | { kind: "failed"; reason: string }
  | { kind: "fits" };

export interface DashboardRow {
  /** Policy key: [<cluster>/]<namespace>/<name>. */
  policy: string;
  namespace: string;
  /** "Deployment/web". */
  workload: string;
  currentCost?: number;
  recommendedCost?: number;
  saving?: number;
  state: RowState;
  confidence?: number;
  risk?: RiskLevel;
}

function namespaceOf(key: string): string {
  const parts = key.split("/");
  return parts[parts.length - 2] ?? "default";
}

/** A policy's latest change merged this month, and whether its post-merge health watch still runs. */
export interface MergedChange {
  pullRequest: number;
  watching: boolean;
}

function stateOf(r: ReconcileResult, merged: MergedChange | undefined): RowState {
  const action = r.proposal?.action;
  const pr = r.pullRequest?.number ?? r.proposal?.pullRequest?.number;
  if (r.failureReason !== undefined)
    return { kind: "failed", reason: `${r.failureReason ? `${r.failureReason}: ` : ""}${r.message}` };
  if (action === "dry-run") return { kind: "dry-run" };
  if (action === "suppressed") return { kind: "suppressed", reason: r.message };
  if (
    (action === "created" || action === "updated" || action === "unchanged" || action === "human-push") &&
    pr
  )
    return { kind: "open", pullRequest: pr };
  if (action === "limit-open" || action === "limit-hourly")
    return {
      kind: "held-back",
      gates: [action === "limit-open" ? "prConcurrentLimit" : "prHourlyLimit"],
      reason: r.message,
    };
  const failed = r.recommendation?.decision.checks.filter((c) => !c.passed) ?? [];
  if (failed.length > 0 && !failed.every((c) => c.gate === "change"))
    return {
      kind: "held-back",
      gates: failed.map((c) => c.gate),
      reason: failed.map((c) => c.detail).join("; "),
    };
  if (merged) return { kind: "merged", ...merged };
  return { kind: "fits" };
}

/** The row of one policy after its pass. */
export function dashboardRow(result: ReconcileResult, merged?: MergedChange): DashboardRow {
  const rec = result.recommendation;
  return {
    policy: result.policy,
    namespace: rec?.target.namespace ?? namespaceOf(result.policy),
    workload: rec ? `${rec.target.kind}/${rec.target.name}` : "",
    ...(rec && !rec.notEnoughData
      ? { currentCost: rec.currentCost, recommendedCost: rec.optimizedCost, saving: rec.monthlySavings }
      : {}),
    state: stateOf(result, merged),
    ...(rec && !rec.notEnoughData ? { confidence: rec.confidence.score, risk: rec.risk.level } : {}),
  };
}

/** The one gate a tick may lift for this row: dry run, or a held back row whose only failed gate is liftable. */
export function liftableGate(row: DashboardRow): LiftableGate | undefined {
  if (row.state.kind === "dry-run") return "dryRun";
  if (row.state.kind !== "held-back" || row.state.gates.length !== 1) return undefined;
  const gate = row.state.gates[0];
  return LIFTABLE_GATES.find((g) => g === gate);
}
