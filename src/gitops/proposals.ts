// The proposal lifecycle for one policy: create the PR, update it in place, leave a person's push
// alone, close it when the recommendation goes away, respect a "no" until the change is material,
// and keep within the repository's limits. Everything it needs to decide is read from the forge
// (the PR and its metadata block); the store only adds suppressions and counters on top.

import type { CostOptimizationSpec } from "../api/types.js";
import { BRANCH_PREFIX, type Forge, fromBaseRepository, type PullRequest } from "../forge/types.js";
import type { Recommendation } from "../recommend/types.js";
import type { Store, Suppression } from "../state/types.js";
import { renderBody } from "./body/index.js";
import type { SourceNote } from "./body/source.js";
import { labelsFor, renderTitle } from "./body/title.js";
import type { RepoConfig } from "./config.js";
import { unifiedDiff } from "./diff.js";
import { fieldChanges, type PlannedEdit } from "./fields.js";
import { fingerprint, isMaterialChange, proposedValues } from "./fingerprint.js";
import { type MetadataKey, type ProposalMetadata, parseMetadata, withMetadata } from "./metadata.js";

export interface ProposalDeps {
  forge: Forge;
  store: Store;
  now: () => Date;
  config: RepoConfig;
  /** Signs and checks the metadata blocks of costopt's pull requests. */
  metadataKey: MetadataKey;
  /** A person ticked "propose again" on the dashboard: their earlier "no" does not hold this pass back. */
  proposeAgain?: boolean;
}

export interface DesiredProposal {
  /** Policy key (identity.ts). */
  key: string;
  branch: string;
  spec: CostOptimizationSpec;
  recommendation: Recommendation;
  /** The plan's file edits, computed on `base`. */
  edits: PlannedEdit[];
  base: { branch: string; commitSha: string; treeSha?: string };
  /** Why these files were chosen, for reviewers. */
  source?: SourceNote;
}

export type { SourceNote };

export type ProposalAction =
  | "created"
  | "updated"
  | "unchanged"
  | "closed"
  | "none"
  | "dry-run"
  | "suppressed"
  | "human-push"
  | "limit-open"
  | "limit-hourly";

export interface ProposalOutcome {
  action: ProposalAction;
  message: string;
  pullRequest?: PullRequest;
  title?: string;
  body?: string;
  /** Unified diff of every file the proposal changes. */
  diff?: string;
  fingerprint?: string;
}

const HOUR = 3600;

/** The trailer that marks a commit as costopt's own (a person's push to the branch lacks it). */
export function commitTrailer(key: string, fp: string): string {
  return `Costopt-Policy: ${key}\nCostopt-Fingerprint: ${fp}`;
}

interface Built {
  title: string;
  labels: string[];
  diff: string;
  metadata: Omit<ProposalMetadata, "head">;
  message: string;
}

function build(d: DesiredProposal, config: RepoConfig): Built {
  const fields = fieldChanges(d.edits);
  const created = d.edits.filter((e) => e.created).map((e) => ({ path: e.path, content: e.after }));
  const fp = fingerprint(d.key, fields, created);
  const title = renderTitle(d.recommendation);
  return {
    title,
    labels: [...new Set([...labelsFor(d.recommendation), ...config.labels])],
    diff: d.edits.map((e) => unifiedDiff(e.path, e.created ? null : e.before, e.after)).join(""),
    metadata: {
      v: 1,
      kind: "proposal",
      policy: d.key,
      fingerprint: fp,
      base: d.base.commitSha,
      fields,
      createdFiles: created.map((c) => c.path),
      proposed: proposedValues(d.recommendation),
      monthlySavings: d.recommendation.monthlySavings,
    },
    message: `${title}\n\n${commitTrailer(d.key, fp)}\n`,
  };
}

function body(d: DesiredProposal, built: Built, head: string, metadataKey: MetadataKey): string {
  const metadata: ProposalMetadata = { ...built.metadata, head };
  return renderBody({
    recommendation: d.recommendation,
    spec: d.spec,
    policyKey: d.key,
    fields: metadata.fields,
    createdFiles: metadata.createdFiles,
    metadata,
    metadataKey,
    source: d.source,
  });
}

/** Commits the edits as one commit on the base and renders the body that names that commit. */
async function push(d: DesiredProposal, deps: ProposalDeps, built: Built, exists: boolean) {
  const head = await deps.forge.commitBranch({
    branch: d.branch,
    base: d.base,
    message: built.message,
    files: d.edits.map((e) => ({ path: e.path, content: e.after })),
    exists,
  });
  return { head, text: body(d, built, head, deps.metadataKey) };
}

/** Whether someone other than costopt moved the branch since costopt last pushed it. */
async function pushedByPerson(forge: Forge, pr: PullRequest, meta: ProposalMetadata): Promise<boolean> {
  if (pr.headSha === meta.head) return false;
  // Our own push whose PR update never happened (a run stopped in between) is still ours.
  const commit = await forge.commit(pr.headSha).catch(() => undefined);
  return !(
    commit &&
    commit.parents.length === 1 &&
    commit.message.includes(`Costopt-Policy: ${meta.policy}\n`)
  );
}

/** "No" answers a person gave: closed unmerged, ignored, or merged and then rolled back. */
export async function declined(
  store: Store,
  key: string,
  pulls: PullRequest[],
  metadataKey: MetadataKey,
): Promise<Suppression[]> {
  const fromPulls = pulls.flatMap((p): Suppression[] => {
    const meta = parseMetadata(p.body, metadataKey);
    if (meta?.kind !== "proposal") return [];
    const no =
      (p.state === "closed" && meta.closedBy !== "costopt") || (p.state === "merged" && meta.rolledBack);
    return no
      ? [{ fingerprint: meta.fingerprint, proposed: meta.proposed, reason: `#${p.number}`, at: "" }]
      : [];
  });
  return [...(await store.suppressions(key)), ...fromPulls];
}

export async function syncProposal(d: DesiredProposal, deps: ProposalDeps): Promise<ProposalOutcome> {
  const { forge } = deps;
  const built = build(d, deps.config);
  const preview = {
    title: built.title,
    diff: built.diff,
    fingerprint: built.metadata.fingerprint,
    body: body(d, built, "(not pushed)", deps.metadataKey),
  };
  const open = await forge.openPullRequestFrom(d.branch);

  if (d.spec.dryRun)
    return { action: "dry-run", message: "dry run: no pull request opened", ...preview, pullRequest: open };

  if (open) return updateOpen(d, deps, built, open, preview);

  // Closed and merged ones matter only now: a "no" a person gave before.
  const pulls = await forge.pullRequests(d.branch);
  const material = (deps.proposeAgain ? [] : await declined(deps.store, d.key, pulls, deps.metadataKey)).find(
    (s) => !isMaterialChange(s.proposed, built.metadata.proposed),
  );
  if (material)
    return {
      action: "suppressed",
      message: `declined before (${material.reason}); waiting for a materially different recommendation`,
      ...preview,
    };

  const limit = await overLimit(deps);
  if (limit) return { ...limit, ...preview };

  const { text } = await push(d, deps, built, false);
  const pr = await forge.openPullRequest({
    branch: d.branch,
    base: d.base.branch,
    title: built.title,
    body: text,
    labels: built.labels,
    reviewers: deps.config.reviewers,
    teamReviewers: deps.config.teamReviewers,
    assignees: deps.config.assignees,
  });
  await deps.store.countEvent(`opened:${forge.repository}`, HOUR, deps.now().getTime());
  if (d.spec.autoApply && d.recommendation.decision.allowed) await forge.enableAutoMerge(pr);
  return { action: "created", message: `opened #${pr.number}`, ...preview, body: text, pullRequest: pr };
}

/**
 * Pull requests opened in the last hour: what the forge records (every process's openings), and
 * the store's counter for forges that keep no creation times.
 */
async function openedLastHour(deps: ProposalDeps): Promise<number> {
  const counted = await deps.store.countEvents(`opened:${deps.forge.repository}`, HOUR, deps.now().getTime());
  const recorded = (await deps.forge.proposalsOpenedWithin?.(HOUR)) ?? 0;
  return Math.max(counted, recorded);
}

async function overLimit(
  deps: ProposalDeps,
): Promise<Pick<ProposalOutcome, "action" | "message"> | undefined> {
  const { prConcurrentLimit, prHourlyLimit } = deps.config;
  // 0 means no limit, as in Renovate.
  if (prConcurrentLimit > 0 && (await deps.forge.openProposalCount()) >= prConcurrentLimit)
    return {
      action: "limit-open",
      message: `${prConcurrentLimit} costopt pull requests already open; waiting`,
    };
  if (prHourlyLimit > 0 && (await openedLastHour(deps)) >= prHourlyLimit)
    return {
      action: "limit-hourly",
      message: `${prHourlyLimit} pull requests opened in the last hour; waiting`,
    };
  return undefined;
}

async function updateOpen(
  d: DesiredProposal,
  deps: ProposalDeps,
  built: Built,
  open: PullRequest,
  preview: Omit<ProposalOutcome, "action" | "message">,
): Promise<ProposalOutcome> {
  const { forge } = deps;
  const meta = parseMetadata(open.body, deps.metadataKey);
  const left = (message: string): ProposalOutcome => ({
    action: "human-push",
    message,
    ...preview,
    pullRequest: open,
  });
  // A PR on our branch without our metadata was opened by someone else: not ours to touch or to comment on.
  if (!meta) return left(`#${open.number} on ${d.branch} was not opened by costopt; left as is`);
  if (await pushedByPerson(forge, open, meta)) {
    // Never overwrite a person's work. Say so once per head (remembered in the metadata), then just report it.
    if (meta.humanPushSeen !== open.headSha) {
      await forge.comment(
        open.number,
        "Someone pushed to this branch, so costopt will not update it any more. " +
          "Close this pull request to let costopt open a fresh one, or merge it as it is.",
      );
      await forge.updatePullRequest(open.number, {
        body: withMetadata(open.body, { ...meta, humanPushSeen: open.headSha }, deps.metadataKey),
      });
    }
    return left(`#${open.number} has commits from someone else; left as is`);
  }
  // A proposal is built on the branch it targets: never rebuild one for main on another base.
  if (open.base !== d.base.branch)
    return left(
      `#${open.number} targets ${open.base}, not ${d.base.branch} (this pass's base); left as is (run with --branch ${open.base} to update it)`,
    );
  const labels = built.labels.filter((l) => !open.labels.includes(l));
  if (
    meta.fingerprint === built.metadata.fingerprint &&
    meta.base === d.base.commitSha &&
    meta.head === open.headSha
  ) {
    // A run that stopped between opening and labelling left the labels off.
    if (labels.length > 0)
      await forge.updatePullRequest(open.number, { labels: [...open.labels, ...labels] });
    return {
      action: "unchanged",
      message: `#${open.number} is up to date`,
      ...preview,
      body: open.body,
      pullRequest: open,
    };
  }
  // A fresh single commit on the current base, force-pushed: the branch never accumulates history.
  const { head, text } = await push(d, deps, built, true);
  const stale = open.labels.filter((l) => l.startsWith("risk:") && !built.labels.includes(l));
  await forge.updatePullRequest(open.number, {
    title: built.title,
    body: text,
    ...(labels.length > 0 || stale.length > 0
      ? { labels: [...open.labels.filter((l) => !stale.includes(l)), ...labels] }
      : {}),
  });
  const pr = { ...open, title: built.title, body: text, headSha: head };
  if (d.spec.autoApply && d.recommendation.decision.allowed) await forge.enableAutoMerge(pr);
  const why =
    meta.fingerprint !== built.metadata.fingerprint ? "the recommendation changed" : "the base branch moved";
  return {
    action: "updated",
    message: `updated #${open.number}: ${why}`,
    ...preview,
    body: text,
    pullRequest: pr,
  };
}

/** Closes the policy's open proposal with an explanation (the recommendation went away). */
export async function withdrawProposal(
  branch: string,
  reason: string,
  deps: Pick<ProposalDeps, "forge" | "metadataKey">,
  /** The base this pass read: what it found there says nothing about a proposal for another base. */
  base?: string,
): Promise<ProposalOutcome> {
  const open = await deps.forge.openPullRequestFrom(branch);
  if (!open) return { action: "none", message: reason };
  if (base !== undefined && open.base !== base)
    return {
      action: "none",
      message: `${reason}; #${open.number} targets ${open.base}, not ${base}, and is left open`,
      pullRequest: open,
    };
  const meta = parseMetadata(open.body, deps.metadataKey);
  // Only a pull request costopt opened is costopt's to close: its body carries metadata signed
  // with costopt's key, it is a proposal (not a revert), from a costopt/ branch of this
  // repository. Anyone else's pull request from the branch is left open and uncommented.
  if (
    meta?.kind !== "proposal" ||
    !open.branch.startsWith(BRANCH_PREFIX) ||
    !fromBaseRepository(deps.forge, open)
  )
    return {
      action: "none",
      message: `${reason}; #${open.number} on ${open.branch} was not opened by costopt, left open`,
    };
  const theirs = await pushedByPerson(deps.forge, open, meta);
  await deps.forge.closePullRequest(open.number, {
    comment: `costopt is closing this pull request: ${reason}.`,
    body: withMetadata(open.body, { ...meta, closedBy: "costopt" }, deps.metadataKey),
    // A branch someone pushed to is theirs to keep.
    keepBranch: theirs,
  });
  return {
    action: "closed",
    message: `closed #${open.number}: ${reason}`,
    pullRequest: { ...open, state: "closed" },
  };
}
