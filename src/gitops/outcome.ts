// What a closed costopt pull request means: a merged proposal is Applied (into the ledger, with
// its originals), a proposal closed by a person is declined (its fingerprint suppressed), a merged
// revert is RolledBack. Everything is read from the PR's (authenticated) metadata block; the
// caller has already checked that the PR comes from the policy's own repository, not a fork.

import { monthOf, type Store } from "../state/types.js";
import { policyKeyFromBranch } from "./identity.js";
import { type MetadataKey, parseMetadata } from "./metadata.js";

export interface ClosedPullRequest {
  number: number;
  url: string;
  branch: string;
  body: string | null;
  merged: boolean;
  mergeSha?: string | null;
  mergedAt?: string | null;
}

export type OutcomeKind = "applied" | "declined" | "withdrawn" | "rolled-back" | "revert-declined";

/** An outcome as noted on the policy for the leader (src/kube/outcomes.ts writes and reads it). */
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

export interface PullRequestOutcome {
  kind: OutcomeKind;
  /** Policy key. */
  policy: string;
  repository: string;
  pullRequest: number;
  url: string;
  branch: string;
  mergeSha?: string;
  monthlySavings: number;
  /** For a revert: the proposal it reverted. */
  revertOf?: number;
}

export async function recordClosed(
  pr: ClosedPullRequest,
  repository: string,
  store: Store,
  now: () => Date,
  metadataKey: MetadataKey,
): Promise<PullRequestOutcome | undefined> {
  const meta = parseMetadata(pr.body, metadataKey);
  // Only our branches, and only metadata that names the policy the branch belongs to.
  const fromBranch = policyKeyFromBranch(pr.branch);
  const expected = meta?.kind === "revert" ? `${meta.policy}-revert-${meta.revertOf}` : meta?.policy;
  if (!meta || !fromBranch || fromBranch !== expected) return undefined;
  const base = {
    policy: meta.policy,
    repository,
    pullRequest: pr.number,
    url: pr.url,
    branch: pr.branch,
    monthlySavings: meta.monthlySavings,
  };
  if (meta.kind === "revert") {
    if (!pr.merged) return { ...base, kind: "revert-declined", revertOf: meta.revertOf };
    if (meta.revertOf !== undefined) {
      // A rolled back change saves nothing: it leaves the month it was merged in (this month when the ledger has forgotten it).
      const original = (await store.applied(meta.policy)).find((e) => e.pullRequest === meta.revertOf);
      const month = monthOf(original ? new Date(original.mergedAt) : now());
      await store.forgetMergedSaving(repository, month, meta.policy, meta.revertOf);
      await store.forgetApplied(meta.policy, meta.revertOf);
    }
    return { ...base, kind: "rolled-back", revertOf: meta.revertOf, mergeSha: pr.mergeSha ?? undefined };
  }
  if (pr.merged) {
    const mergedAt = pr.mergedAt ?? now().toISOString();
    await store.recordApplied({
      policy: meta.policy,
      repository,
      pullRequest: pr.number,
      mergeSha: pr.mergeSha ?? "",
      fingerprint: meta.fingerprint,
      mergedAt,
      fields: meta.fields,
      createdFiles: meta.createdFiles,
      monthlySavings: meta.monthlySavings,
    });
    // The dashboard's "savings merged this month" outlives the ledger's week.
    await store.recordMergedSaving(repository, {
      policy: meta.policy,
      pullRequest: pr.number,
      mergedAt,
      monthlySavings: meta.monthlySavings ?? 0,
    });
    return { ...base, kind: "applied", mergeSha: pr.mergeSha ?? undefined };
  }
  if (meta.closedBy === "costopt") return { ...base, kind: "withdrawn" };
  await store.suppress(meta.policy, {
    fingerprint: meta.fingerprint,
    proposed: meta.proposed,
    reason: `#${pr.number} closed without merging`,
    at: now().toISOString(),
  });
  return { ...base, kind: "declined" };
}
