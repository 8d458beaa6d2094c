// Pull request outcomes reach the CR through an annotation: whichever replica receives the
// GitHub webhook writes `costopt.dev/outcome` on the policy; the leader's informer sees the
// change, and the next reconcile turns it into status (Applied, RolledBack, ...) exactly once —
// an outcome counts as handled when status.pullRequest already shows that PR in its final state.

import type { CostOptimization, CostOptimizationStatus, PullRequestRef } from "../api/types.js";
import type { PolicyStore } from "./policy-store.js";

export const OUTCOME_ANNOTATION = "costopt.dev/outcome";
export const RECONCILE_REQUESTED_ANNOTATION = "costopt.dev/reconcile-requested";

export type OutcomeKind = "applied" | "declined" | "withdrawn" | "rolled-back" | "revert-declined";

export interface OutcomeNote {
  kind: OutcomeKind;
  pullRequest: number;
  /** owner/name */
  repository: string;
  monthlySavings: number;
  url?: string;
  branch?: string;
  mergeSha?: string;
  /** For a revert: the proposal it reverted. */
  revertOf?: number;
  /** When the webhook arrived (ISO 8601). */
  at: string;
}

/** Where the note is written: the CR (KubePolicyStore) or the local-mode store. */
type Annotatable = Pick<PolicyStore, "annotate">;
const ref = (r: { namespace: string; name: string }) => ({ metadata: r }) as unknown as CostOptimization;

export async function annotateOutcome(
  store: Annotatable,
  policy: { namespace: string; name: string },
  note: OutcomeNote,
): Promise<void> {
  await store.annotate(ref(policy), { [OUTCOME_ANNOTATION]: JSON.stringify(note) });
}

/** Asks the leader to reconcile now (a /costopt recheck received by any replica). */
export async function requestReconcile(
  store: Annotatable,
  policy: { namespace: string; name: string },
  at: Date,
): Promise<void> {
  await store.annotate(ref(policy), { [RECONCILE_REQUESTED_ANNOTATION]: at.toISOString() });
}

export function readOutcome(p: CostOptimization): OutcomeNote | undefined {
  const raw = p.metadata.annotations?.[OUTCOME_ANNOTATION];
  if (!raw) return undefined;
  try {
    const o = JSON.parse(raw) as OutcomeNote;
    return typeof o.pullRequest === "number" && typeof o.kind === "string" ? o : undefined;
  } catch {
    return undefined;
  }
}

const FINAL_STATE: Record<OutcomeKind, PullRequestRef["state"]> = {
  applied: "merged",
  "rolled-back": "merged",
  declined: "closed",
  withdrawn: "closed",
  "revert-declined": "closed",
};

/**
 * The outcome is not yet reflected in status. It is handled once status.pullRequest shows that
 * pull request in its final state — the control loop writes a merged revert that way only when
 * it reports RolledBack, so a revert waiting to go live stays pending — or once status has moved
 * on to a later pull request of the same repository (a revert opened after a merge, a proposal
 * opened after a close): the note is history then, and applying it again would count it twice.
 */
export function outcomePending(p: CostOptimization): OutcomeNote | undefined {
  const o = readOutcome(p);
  if (!o) return undefined;
  const pr = p.status?.pullRequest;
  if (!pr) return o;
  if (pr.number === o.pullRequest) return pr.state === FINAL_STATE[o.kind] ? undefined : o;
  return pr.number > o.pullRequest && sameRepository(pr.url, o.repository) ? undefined : o;
}

/** Whether a pull request URL is in `repository` (owner/name); a URL that names none (local forge) is. */
function sameRepository(url: string | undefined, repository: string): boolean {
  const named = /\/([^/]+\/[^/]+)\/pulls?\/\d+/.exec(url ?? "")?.[1];
  return named === undefined || named.toLowerCase() === repository.toLowerCase();
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The status an outcome leads to, from the previous status. Pure. */
export function statusAfterOutcome(
  prev: CostOptimizationStatus | undefined,
  o: OutcomeNote,
  now: Date,
): CostOptimizationStatus {
  const base = prev ?? { phase: "Pending" as const, appliedOptimizations: 0, totalSavings: 0 };
  const known = base.pullRequest?.number === o.pullRequest ? base.pullRequest : undefined;
  const pullRequest: PullRequestRef = {
    number: o.pullRequest,
    url: o.url ?? known?.url ?? `https://github.com/${o.repository}/pull/${o.pullRequest}`,
    branch: o.branch ?? known?.branch ?? "",
    state: FINAL_STATE[o.kind],
  };
  const savings = o.monthlySavings ?? 0;
  switch (o.kind) {
    case "applied":
      return {
        ...base,
        phase: "Applied",
        message: `pull request #${o.pullRequest} merged${o.mergeSha ? ` (${o.mergeSha.slice(0, 7)})` : ""}; watching the workload's health`,
        lastApplied: now.toISOString(),
        appliedOptimizations: base.appliedOptimizations + 1,
        totalSavings: round2(base.totalSavings + savings),
        pullRequest,
      };
    case "rolled-back":
      return {
        ...base,
        phase: "RolledBack",
        message: `revert #${o.pullRequest}${o.revertOf ? ` of #${o.revertOf}` : ""} merged; the workload is back to its recorded originals`,
        totalSavings: round2(Math.max(0, base.totalSavings - savings)),
        pullRequest,
      };
    case "declined":
      return {
        ...base,
        phase: "Ready",
        message: `pull request #${o.pullRequest} was closed without merging; costopt will not propose it again until the recommendation changes materially`,
        pullRequest,
      };
    case "withdrawn":
      return {
        ...base,
        phase: "Ready",
        message: `costopt closed pull request #${o.pullRequest}`,
        pullRequest,
      };
    case "revert-declined":
      return {
        ...base,
        message: `revert #${o.pullRequest} was closed without merging; the change stays applied`,
        pullRequest,
      };
  }
}
