// The cost check of one pull request costopt did not open: the files it changes; when any is a
// manifest candidate, the base branch as read for proposals and the changed files at the head;
// the workloads whose requests, limits or replicas differ; their usage; one Check Run. A pull
// request that changes no YAML costs two requests (its files, the check) and no usage query.

import type { CheckRun } from "../../forge/github/checks.js";
import { type Forge, isManifestCandidate } from "../../forge/types.js";
import { indexRepository } from "../../manifests/index.js";
import type { RepoFile } from "../../manifests/types.js";
import { type UsageSource, workloadKey } from "../../metrics/types.js";
import type { ResolvedPricing } from "../../recommend/cost.js";
import { plain } from "../body/format.js";
import { workloadChanges } from "./changes.js";
import { COST_CHECK_NAME, type CostVerdict, costVerdict, NO_CHANGE } from "./summary.js";

export interface CostCheckDeps {
  checks: { changedFiles(pull: number): Promise<string[]>; createCheckRun(run: CheckRun): Promise<void> };
  /** The forge of the pull request's base branch. */
  forge: Pick<Forge, "snapshot" | "filesAt" | "remote">;
  usage: UsageSource;
  pricing: ResolvedPricing;
  /**
   * costCheck.failAbove: USD per month of increase above which the check fails; asked after the
   * base is read, so a caller may read the settings only for pull requests that touch YAML.
   */
  failAbove?: () => number | undefined;
  now: () => Date;
  /** How far back usage is read (default 7 days). */
  windowSeconds?: number;
}

const WEEK = 7 * 24 * 3600;

export async function runCostCheck(
  pr: { number: number; headSha: string },
  deps: CostCheckDeps,
): Promise<CostVerdict> {
  const changed = (await deps.checks.changedFiles(pr.number)).filter(isManifestCandidate);
  const verdict = changed.length === 0 ? NO_CHANGE : await judge(pr, changed, deps);
  await deps.checks.createCheckRun({ name: COST_CHECK_NAME, headSha: pr.headSha, ...verdict });
  return verdict;
}

async function judge(
  pr: { number: number; headSha: string },
  changed: string[],
  deps: CostCheckDeps,
): Promise<CostVerdict> {
  const base = await deps.forge.snapshot();
  const heads = await deps.forge.filesAt(pr.headSha, changed);
  const after = new Map<string, RepoFile>(base.files.map((f) => [f.path, f]));
  for (const [path, content] of heads) {
    if (content === null) after.delete(path);
    else after.set(path, { path, content });
  }
  const where = { repository: deps.forge.remote, branch: base.branch };
  const beforeIndex = indexRepository(base.files, where);
  const afterIndex = indexRepository([...after.values()], where);
  const changes = workloadChanges(beforeIndex, afterIndex);
  const skipped = afterIndex.skipped
    .filter((s) => changed.includes(s.path))
    .map((s) => `- ${plain(s.reason)}`);
  const note =
    skipped.length > 0
      ? `\n\nNot read (fix these files so the check can see them):\n${skipped.join("\n")}`
      : "";
  if (changes.length === 0) {
    return { ...NO_CHANGE, summary: NO_CHANGE.summary + note };
  }
  const end = Math.floor(deps.now().getTime() / 1000);
  const usage = await deps.usage.usage(
    changes.map((c) => c.workload),
    { start: end - (deps.windowSeconds ?? WEEK), end },
  );
  const failAbove = deps.failAbove?.();
  const v = costVerdict(changes, usage, {
    pricing: deps.pricing,
    usageSource: deps.usage.description,
    keyOf: (c) => workloadKey(c.workload),
    ...(failAbove !== undefined ? { failAbove } : {}),
  });
  return { ...v, summary: v.summary + note };
}
