// Pull request outcomes reach the CR through an annotation: whichever replica receives the
// GitHub webhook writes `costopt.dev/outcome` on the policy; the leader's informer sees the
// change, and the next reconcile hands the note to the lifecycle (src/gitops/lifecycle.ts),
// which turns it into status exactly once (status.lastOutcome names the note last handled).

import type { CostOptimization } from "../api/types.js";
import type { OutcomeNote } from "../gitops/outcome.js";
import type { PolicyStore } from "./policy-store.js";

export type { OutcomeNote };

export const OUTCOME_ANNOTATION = "costopt.dev/outcome";
export const RECONCILE_REQUESTED_ANNOTATION = "costopt.dev/reconcile-requested";

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
