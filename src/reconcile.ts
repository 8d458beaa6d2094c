// One reconcile pass of one policy: locate -> usage -> recommend -> gates -> plan -> proposal.
// `costopt serve` (timer, cron, CR events), `costopt run` (local, one pass) and the tests all call
// this. I/O is behind the Forge, Store and UsageSource handed in; nothing here reads env vars.

import { parseWindow } from "./api/duration.js";
import { policyKey, policyRefOf, workloadKey } from "./api/refs.js";
import { policyTarget } from "./api/target.js";
import type { CostOptimization, PolicySource, PullRequestRef } from "./api/types.js";
import { repositoryAllowed, type ValidationOptions, validatePolicy } from "./api/validation.js";
import { type Forge, RateLimitError, type RepoSnapshot } from "./forge/types.js";
import { parseRepoConfig, REPO_CONFIG_PATH, type RepoConfig } from "./gitops/config.js";
import { proposalBranch } from "./gitops/identity.js";
import type { PassReport } from "./gitops/lifecycle.js";
import { withPolicyLock } from "./gitops/lock.js";
import type { MetadataKey } from "./gitops/metadata.js";
import { type ProposalOutcome, type SourceNote, syncProposal, withdrawProposal } from "./gitops/proposals.js";
import { type RollbackResult, requestRollback } from "./gitops/rollback.js";
import { holdBackReason } from "./gitops/status.js";
import { desiredFrom, workloadState } from "./gitops/workload.js";
import {
  type ChartNeed,
  chartNeeds,
  type FetchedChart,
  indexRepository,
  type LandingRow,
  landingOf,
  locateWorkload,
  planChanges,
  type RepoIndex,
} from "./manifests/index.js";
import type { UsageSource } from "./metrics/types.js";
import { BuiltinRecommender } from "./recommend/engine.js";
import type { Recommender } from "./recommend/recommender.js";
import type { EngineSettingsOverrides } from "./recommend/settings.js";
import type { PricingConfig, Recommendation } from "./recommend/types.js";
import type { Store } from "./state/types.js";

export interface ReconcileDeps {
  forge: Forge;
  store: Store;
  usage: UsageSource;
  /** Signs and checks the metadata blocks of costopt's pull requests (a key derived from the app's secret). */
  metadataKey: MetadataKey;
  recommender?: Recommender;
  now?: () => Date;
  /** CLUSTER_NAME: prefixes branches and state keys so several clusters can share a repository. */
  clusterName?: string;
  /** Repository settings; read from .github/costopt.yml in the snapshot when absent. */
  repoConfig?: RepoConfig;
  /** The default branch as read once for this run; read here when absent. */
  snapshot?: RepoSnapshot;
  pricing?: PricingConfig;
  settings?: EngineSettingsOverrides;
  /** The admission rules' configurable lists (protected namespaces...), checked before anything is read. */
  validation?: ValidationOptions;
  /**
   * Where the manifests are, as discovered from Argo CD / Flux / the default repository
   * (src/discovery); spec.source is used when absent.
   */
  source?: GitSource;
  /**
   * Reads the charts Flux fetched into the cluster (src/discovery fetchCharts), for HelmReleases
   * whose chart is not in the repository; without it only the repository and conventions count.
   */
  charts?: (needs: ChartNeed[]) => Promise<ReadonlyMap<string, FetchedChart>>;
  /** "Propose again" ticked on the dashboard: a declined proposal may open once more. */
  proposeAgain?: boolean;
}

/** A discovered Git source: what the locator takes, and why it was chosen (status, PR body). */
export interface GitSource {
  policySource: PolicySource;
  explanation: string;
  warnings: string[];
  /** For status.source. */
  status: Record<string, unknown>;
}

/** What one pass did; the phase it leads to is decided by src/gitops/lifecycle.ts. */
export interface ReconcileResult extends PassReport {
  /** Policy key: [<cluster>/]<namespace>/<name>. */
  policy: string;
  message: string;
  recommendation?: Recommendation;
  proposal?: ProposalOutcome;
  pullRequest?: PullRequestRef;
  warnings: string[];
  /** Short machine-readable cause: set exactly when the pass failed. */
  failureReason?: string;
  /** Another reconcile of this policy holds the lock; nothing was done. */
  busy?: boolean;
  /** The resolved Git source for status.source, when discovery chose it. */
  source?: Record<string, unknown>;
  /** The forge rate-limited us: stop this run; the next one resumes where this one stopped. */
  rateLimited?: { retryAfterSeconds: number };
  rollback?: RollbackResult;
}

function keyOf(policy: CostOptimization, cluster?: string): { key: string; branch: string } {
  const id = policyRefOf(policy);
  return { key: policyKey(id, cluster), branch: proposalBranch(id, cluster) };
}

function prRef(o: ProposalOutcome | undefined): PullRequestRef | undefined {
  const pr = o?.pullRequest;
  return pr ? { number: pr.number, url: pr.url, branch: pr.branch, state: pr.state } : undefined;
}

/** Runs fn under the policy lock and turns a rate limit into a clean stop. */
async function guarded<R extends ReconcileResult>(
  key: string,
  deps: Pick<ReconcileDeps, "forge" | "store">,
  fn: () => Promise<R>,
): Promise<R | ReconcileResult> {
  try {
    const locked = await withPolicyLock(deps.store, key, fn);
    if (locked.busy)
      return {
        policy: key,
        message: "another reconcile of this policy is running",
        warnings: [],
        busy: true,
      };
    return locked.value;
  } catch (err) {
    if (!(err instanceof RateLimitError)) throw err;
    return {
      policy: key,
      message: `rate-limited by ${deps.forge.kind}: ${err.message}; will resume`,
      warnings: [],
      rateLimited: { retryAfterSeconds: err.retryAfterSeconds },
    };
  }
}

export async function reconcile(policy: CostOptimization, deps: ReconcileDeps): Promise<ReconcileResult> {
  const { key, branch } = keyOf(policy, deps.clusterName);
  const invalid = invalidSpec(policy, key, deps.validation);
  if (invalid) return invalid;
  return guarded(key, deps, () => pass(policy, key, branch, deps));
}

async function pass(
  policy: CostOptimization,
  key: string,
  branch: string,
  deps: ReconcileDeps,
): Promise<ReconcileResult> {
  const now = deps.now ?? (() => new Date());
  const spec = policy.spec;
  // A discovered source (or DEFAULT_REPOSITORY) is held to the allow-list as spec.source.repository is.
  const remote = deps.forge.remote;
  if (remote !== undefined && !repositoryAllowed(remote, deps.validation?.allowedRepositories))
    return {
      policy: key,
      message: `repository ${remote} is not in the allowed repositories (${deps.validation?.allowedRepositories?.join(", ")})`,
      warnings: [],
      failureReason: "RepositoryNotAllowed",
    };
  if (!deps.snapshot) deps.forge.beginPass?.([branch]);
  const snapshot = deps.snapshot ?? (await deps.forge.snapshot());
  const warnings: string[] = [];
  let config = deps.repoConfig;
  if (!config) {
    const loaded = parseRepoConfig(snapshot.files.find((f) => f.path === REPO_CONFIG_PATH)?.content);
    warnings.push(...loaded.warnings);
    config = loaded.config;
  }
  const failed = (failureReason: string, message: string): ReconcileResult => ({
    policy: key,
    message,
    warnings,
    failureReason,
    ...(deps.source ? { source: deps.source.status } : {}),
  });

  // The index knows where it came from, so a policy bound to another repository or branch is refused.
  const index = snapshotIndex(snapshot, deps.forge.remote);
  // Files the forge did not read (too large, binary) or the index could not (malformed YAML) are
  // reported on every pass, so nobody wonders why a workload in them is "not found".
  warnings.push(...readWarnings(snapshot, index));
  const ref = policyTarget(policy);
  const source = deps.source?.policySource ?? spec.source;
  if (deps.source) warnings.push(...deps.source.warnings);
  const needs = deps.charts ? chartNeeds(index, ref) : [];
  const charts = deps.charts && needs.length ? await deps.charts(needs) : undefined;
  const located = locateWorkload(index, ref, source, {
    ...(deps.clusterName ? { cluster: deps.clusterName } : {}),
    ...(charts ? { charts } : {}),
  });
  if (!located.ok) return failed("WorkloadNotFound", located.reason);

  const seconds = parseWindow(spec.metricsWindow);
  if (!seconds) return failed("InvalidSpec", `metricsWindow ${spec.metricsWindow} is not a valid window`);
  const end = Math.floor(now().getTime() / 1000);
  const usage = (await deps.usage.usage([ref], { start: end - seconds, end })).get(workloadKey(ref));
  const recommender = deps.recommender ?? new BuiltinRecommender();
  const rec = await recommender.recommend({
    policy: policyRefOf(policy),
    spec,
    workload: workloadState(index, located, ref),
    usage,
    pricing: deps.pricing,
    settings: deps.settings,
    now: now(),
    source: deps.usage.description,
  });
  const done = (proposal: ProposalOutcome, message = proposal.message): ReconcileResult => ({
    policy: key,
    message,
    recommendation: rec,
    proposal,
    pullRequest: prRef(proposal),
    warnings,
    ...(deps.source ? { source: deps.source.status } : {}),
  });

  const withdraw = async (reason: string) => {
    const outcome: ProposalOutcome = spec.dryRun
      ? { action: "none", message: reason }
      : await withdrawProposal(branch, reason, deps, snapshot.branch);
    // "none" carries the reason, and why an open proposal was left (it targets another base).
    return done(outcome, outcome.action === "none" ? outcome.message : reason);
  };
  const heldBack = holdBackReason(rec);
  if (heldBack !== undefined) return withdraw(heldBack);

  const desired = desiredFrom(rec);
  const r = rec.replicas;
  if (r?.field === "hpa.minReplicas" && desired.hpaMinReplicas !== undefined && !located.replicas.hpa) {
    // An HPA outside the repository (a Helm chart's template, say) cannot be patched: say so, propose the rest.
    warnings.push(
      `HPA ${r.hpaName ?? ""} minReplicas ${r.current} -> ${r.proposed} is recommended but not proposed: the HorizontalPodAutoscaler is not in the repository (perhaps created by a Helm template); change it where it is defined`,
    );
    desired.hpaMinReplicas = undefined;
  }
  const plan = planChanges(index, located, desired);
  if (!plan.ok) return { ...failed("PlanRefused", plan.reason), recommendation: rec };
  if (plan.edits.length === 0) return withdraw("the manifests already hold the recommended values");

  const proposal = await syncProposal(
    {
      key,
      branch,
      spec,
      recommendation: rec,
      edits: plan.edits,
      base: { branch: snapshot.branch, commitSha: snapshot.commitSha, treeSha: snapshot.treeSha },
      source: sourceNote(
        deps.source,
        spec.source,
        located.definedIn,
        snapshot.branch,
        landingOf(located, desired),
      ),
    },
    {
      forge: deps.forge,
      store: deps.store,
      now,
      config,
      metadataKey: deps.metadataKey,
      ...(deps.proposeAgain ? { proposeAgain: true } : {}),
    },
  );
  return done(proposal);
}

type RollbackDeps = Pick<ReconcileDeps, "forge" | "store" | "clusterName" | "now" | "metadataKey" | "source">;

/** Reverts the policy's newest merged proposal; under autoApply the revert gets auto-merge too. */
function revert(
  policy: CostOptimization,
  key: string,
  reason: string,
  deps: RollbackDeps,
): Promise<RollbackResult> {
  return requestRollback({
    forge: deps.forge,
    store: deps.store,
    metadataKey: deps.metadataKey,
    workload: { target: policyTarget(policy), source: deps.source?.policySource ?? policy.spec.source },
    policy: key,
    reason,
    autoMerge: policy.spec.autoApply,
    now: deps.now,
  });
}

/** The policy is being deleted: close its proposal and, with rollbackOnFailure, revert what it applied. */
export async function reconcileDeleted(
  policy: CostOptimization,
  deps: RollbackDeps,
): Promise<ReconcileResult> {
  const { key, branch } = keyOf(policy, deps.clusterName);
  deps.forge.beginPass?.([]);
  return guarded(key, deps, async () => {
    const closed = await withdrawProposal(branch, "the policy was deleted", deps);
    if (!policy.spec.rollbackOnFailure)
      return { policy: key, message: closed.message, proposal: closed, warnings: [] };
    const rollback = await revert(policy, key, "the policy was deleted with rollbackOnFailure", deps);
    return {
      policy: key,
      message: rollback.message,
      proposal: closed,
      rollback,
      warnings: [],
    };
  });
}

/** A health regression after a merge (or any caller's reason): open the revert PR. */
export async function rollbackPolicy(
  policy: CostOptimization,
  reason: string,
  deps: RollbackDeps,
): Promise<ReconcileResult> {
  const { key } = keyOf(policy, deps.clusterName);
  deps.forge.beginPass?.([]);
  return guarded(key, deps, async () => {
    const rollback = await revert(policy, key, reason, deps);
    const pr = rollback.pullRequest;
    return {
      policy: key,
      message: rollback.message,
      rollback,
      warnings: [],
      ...(rollback.action === "conflict" ? { failureReason: "RollbackConflict" } : {}),
      ...(rollback.action === "refused" ? { failureReason: "RollbackRefused" } : {}),
      ...(pr ? { pullRequest: { number: pr.number, url: pr.url, branch: pr.branch, state: pr.state } } : {}),
    };
  });
}

/** Why these files: the discovery's explanation, the policy's spec.source, or a repository search. */
function sourceNote(
  discovered: GitSource | undefined,
  declared: PolicySource | undefined,
  definedIn: readonly { file: string }[],
  branch: string,
  landing: LandingRow[],
): SourceNote {
  const files = [...new Set(definedIn.map((d) => d.file))];
  if (discovered)
    return { explanation: discovered.explanation, warnings: discovered.warnings, files, landing };
  if (declared?.path || declared?.repository) {
    const where = [declared.repository, declared.path].filter(Boolean).join(" path ");
    return { explanation: `the policy's spec.source: ${where}`, warnings: [], files, landing };
  }
  return {
    explanation: `found by searching branch ${branch} for the workload`,
    warnings: [],
    files,
    landing,
  };
}

/**
 * The admission rules, checked again before anything is read: a policy that reached the cluster
 * some other way (created before the webhook, or with it down) must not steer reads or writes,
 * e.g. a source.path that leaves the repository.
 */
export function invalidSpec(
  policy: CostOptimization,
  key: string,
  options: ValidationOptions = {},
): ReconcileResult | undefined {
  const { violations } = validatePolicy(policy, options);
  if (violations.length === 0) return undefined;
  return {
    policy: key,
    message: `the policy breaks the admission rules: ${violations.map((v) => v.message).join("; ")}`,
    warnings: [],
    failureReason: "InvalidSpec",
  };
}

/** Files the forge did not read (too large, binary) or the index could not (malformed YAML). */
export function readWarnings(snapshot: Pick<RepoSnapshot, "skipped">, index: RepoIndex): string[] {
  return [
    ...snapshot.skipped.map((s) => `skipped ${s.path}: ${s.reason}`),
    // .github/costopt.yml is not a manifest: its own parser reports what is wrong with it.
    ...index.skipped.filter((s) => s.path !== REPO_CONFIG_PATH).map((s) => s.reason),
  ];
}

// A snapshot never changes and a forge hands out the same object for the same head, so a pass over
// many policies of one repository indexes it once, not once per policy.
const indexes = new WeakMap<RepoSnapshot, Map<string, RepoIndex>>();

/** The repository index of a snapshot, built on first use (the index records its repository and branch). */
export function snapshotIndex(snapshot: RepoSnapshot, repository: string | undefined): RepoIndex {
  let byRepository = indexes.get(snapshot);
  if (!byRepository) {
    byRepository = new Map();
    indexes.set(snapshot, byRepository);
  }
  let index = byRepository.get(repository ?? "");
  if (!index) {
    index = indexRepository(snapshot.files, { branch: snapshot.branch, repository });
    byRepository.set(repository ?? "", index);
  }
  return index;
}
