// Rollback by revert: a new pull request whose one commit, on top of the current default branch,
// puts back exactly the original values the merged proposal changed. When someone has changed
// those fields since, nothing is pushed and the merged PR gets a comment naming each conflict.
// Triggers: `/costopt rollback`, deleting a policy with rollbackOnFailure, and the cluster's
// health-regression signal — all through requestRollback.
// What is restored comes from costopt's own merged commit and the ledger (rollback-check.ts); a
// description that says otherwise, or a field costopt does not edit, refuses the whole rollback.

import type { WorkloadRef } from "../api/refs.js";
import type { PolicySource } from "../api/types.js";
import type { Forge, PullRequest } from "../forge/types.js";
import { BRANCH_PREFIX, fromBaseRepository } from "../forge/types.js";
import { indexRepository, locateWorkload } from "../manifests/index.js";
import type { FieldChange, Store } from "../state/types.js";
import { plain } from "./body/format.js";
import { renderRestored } from "./body/rollback.js";
import { BASE_LABEL } from "./body/title.js";
import { unifiedDiff } from "./diff.js";
import { planRevert } from "./fields.js";
import {
  type MetadataKey,
  type ProposalMetadata,
  parseMetadata,
  renderMetadata,
  withMetadata,
} from "./metadata.js";
import { commitTrailer } from "./proposals.js";
import { checkAgainstCommit, outOfScope } from "./rollback-check.js";

export const ROLLBACK_LABEL = "costopt:rollback";

export interface RollbackRequest {
  forge: Forge;
  store: Store;
  /** Policy key (identity.ts). */
  policy: string;
  /** The policy's workload and source: a revert edits only its documents. Absent: the policy is unknown. */
  workload: { target: WorkloadRef; source?: PolicySource } | undefined;
  metadataKey: MetadataKey;
  /** The merged proposal to revert; the newest merged, not yet reverted one when absent. */
  pullRequest?: number;
  /** Why, in words that end up in the PR ("health regression: 3 OOM kills", "requested by @alice"). */
  reason: string;
  /** Turn on auto-merge for the revert (autoApply policies). */
  autoMerge?: boolean;
  /** A person asked: always answer, even with a conflict already explained. */
  interactive?: boolean;
  now?: () => Date;
}

export type RollbackAction = "opened" | "exists" | "conflict" | "refused" | "nothing";

export interface RollbackResult {
  action: RollbackAction;
  message: string;
  pullRequest?: PullRequest;
  /** The merged proposal being reverted. */
  reverts?: number;
  conflicts?: string[];
  diff?: string;
}

/** costopt/<key>-revert-<n>: beside the proposal branch (a ref cannot also be a folder). */
export function revertBranch(policy: string, pullRequest: number): string {
  return `${BRANCH_PREFIX}${policy}-revert-${pullRequest}`;
}

interface Merged {
  pr: PullRequest;
  meta: ProposalMetadata;
}

/** The merged proposal to revert, from the PRs themselves (the durable copy). */
async function findMerged(req: RollbackRequest): Promise<Merged | undefined> {
  const pulls = await req.forge.pullRequests(`${BRANCH_PREFIX}${req.policy}`);
  for (const pr of pulls) {
    if (pr.state !== "merged" || !fromBaseRepository(req.forge, pr)) continue;
    const meta = parseMetadata(pr.body, req.metadataKey);
    if (meta?.kind !== "proposal" || meta.policy !== req.policy) continue;
    if (req.pullRequest !== undefined ? pr.number === req.pullRequest : !meta.rolledBack) return { pr, meta };
  }
  return undefined;
}

function revertBody(
  m: Merged,
  reason: string,
  fields: FieldChange[],
  meta: ProposalMetadata,
  key: MetadataKey,
): string {
  return [
    `This reverts #${m.pr.number} (${m.pr.title}): ${reason}.`,
    "",
    "It restores the original values of exactly the fields that pull request changed, on top of the current " +
      "default branch; nothing else in these files is touched.",
    "",
    renderRestored(fields, m.meta.createdFiles),
    "",
    renderMetadata(meta, key),
    "",
  ].join("\n");
}

export async function requestRollback(req: RollbackRequest): Promise<RollbackResult> {
  const { forge } = req;
  const merged = await findMerged(req);
  if (!merged) {
    const what =
      req.pullRequest !== undefined
        ? `#${req.pullRequest} is not a merged costopt proposal`
        : "nothing merged to roll back";
    return { action: "nothing", message: `${req.policy}: ${what}` };
  }
  const { pr, meta } = merged;
  const branch = revertBranch(req.policy, pr.number);
  const existing = (await forge.pullRequests(branch)).find((p) => p.state !== "closed");
  if (existing)
    return {
      action: "exists",
      message: `revert of #${pr.number} is already #${existing.number}`,
      pullRequest: existing,
      reverts: pr.number,
    };

  // Explain each distinct problem once; a person asking (/costopt rollback) always gets the answer.
  const explain = async (problems: string[], why: string, after: string) => {
    const noted = problems.join("\n");
    if (req.interactive || meta.conflictNoted !== noted) {
      await forge.comment(
        pr.number,
        `costopt was asked to roll this change back (${req.reason}) but did not: ${why}.\n\n` +
          `${problems.map((c) => `- ${plain(c)}`).join("\n")}\n\n${after}`,
      );
      if (meta.conflictNoted !== noted)
        await forge.updatePullRequest(pr.number, {
          body: withMetadata(pr.body, { ...meta, conflictNoted: noted }, req.metadataKey),
        });
    }
  };
  const refuse = async (problems: string[]): Promise<RollbackResult> => {
    await explain(
      problems,
      "what it would restore could not be confirmed as exactly what costopt itself changed",
      "Nothing was changed. Revert by hand if this change must go.",
    );
    return {
      action: "refused",
      message: `refused to revert #${pr.number}: ${problems.join("; ")}`,
      conflicts: problems,
      reverts: pr.number,
    };
  };

  if (!req.workload) return refuse(["the policy is not known to this costopt instance"]);
  const checked = await checkAgainstCommit(forge, req.store, pr.number, meta);
  if (!checked.ok) return refuse(checked.problems);
  const snapshot = await forge.snapshot();
  const index = indexRepository(snapshot.files, { branch: snapshot.branch, repository: forge.remote });
  const located = locateWorkload(index, req.workload.target, req.workload.source);
  if (!located.ok) return refuse([`the policy's workload cannot be found: ${located.reason}`]);
  const outside = outOfScope(meta.fields, meta.createdFiles, index, located);
  if (outside.length > 0) return refuse(outside);

  const files = new Map(snapshot.files.map((f) => [f.path, f.content]));
  const plan = planRevert(files, meta.fields, meta.createdFiles);
  if (!plan.ok) {
    await explain(
      plan.conflicts,
      "these values changed since it was merged, and a revert would overwrite someone's work",
      "Restore the original values by hand (they are listed in this pull request's description).",
    );
    return {
      action: "conflict",
      message: `cannot revert #${pr.number}: ${plan.conflicts.join("; ")}`,
      conflicts: plan.conflicts,
      reverts: pr.number,
    };
  }
  if (plan.edits.length === 0)
    return {
      action: "nothing",
      message: `the original values of #${pr.number} are already in place`,
      reverts: pr.number,
    };

  const message = `costopt: revert #${pr.number}\n\n${req.reason}\n\n${commitTrailer(req.policy, meta.fingerprint)}\n`;
  const head = await forge.commitBranch({
    branch,
    base: { commitSha: snapshot.commitSha, treeSha: snapshot.treeSha },
    message,
    files: plan.edits.map((e) => ({ path: e.path, content: e.after })),
    exists: false,
  });
  const revertMeta: ProposalMetadata = {
    ...meta,
    kind: "revert",
    revertOf: pr.number,
    base: snapshot.commitSha,
    head,
    rolledBack: undefined,
    humanPushSeen: undefined,
    closedBy: undefined,
    conflictNoted: undefined,
  };
  const revert = await forge.openPullRequest({
    branch,
    base: snapshot.branch,
    title: `costopt: revert #${pr.number} (${pr.title.replace(/^costopt: /, "")})`,
    body: revertBody(merged, req.reason, meta.fields, revertMeta, req.metadataKey),
    labels: [BASE_LABEL, ROLLBACK_LABEL],
  });
  if (req.autoMerge) await forge.enableAutoMerge(revert);
  // The merged PR remembers it was rolled back, so the same change is not proposed again.
  await forge.updatePullRequest(pr.number, {
    body: withMetadata(pr.body, { ...meta, rolledBack: revert.number }, req.metadataKey),
  });
  await forge.comment(pr.number, `Rolling back (${req.reason}): #${revert.number}.`);
  await req.store.suppress(req.policy, {
    fingerprint: meta.fingerprint,
    proposed: meta.proposed,
    reason: `rolled back by #${revert.number}`,
    at: (req.now ?? (() => new Date()))().toISOString(),
  });
  const diff = plan.edits.map((e) => unifiedDiff(e.path, e.before, e.after)).join("");
  return {
    action: "opened",
    message: `opened #${revert.number} to revert #${pr.number}`,
    pullRequest: revert,
    reverts: pr.number,
    diff,
  };
}
