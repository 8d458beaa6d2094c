// Every phase transition of a policy, in one pure function: next(status, event, now) gives the
// status to write and the effects to carry out (Events, metric increments, the post-merge health
// watch, a revert to verify, when to look again). The control loop, the app and the CLI gather
// the facts (a pass result, an outcome note, what the live workload shows) and apply the
// effects; none of them decides a phase.

import type { CostOptimizationStatus, Phase, PullRequestRef } from "../api/types.js";
import type { EventSpec } from "../kube/events.js";
import type { Recommendation } from "../recommend/types.js";
import type { OutcomeKind, OutcomeNote } from "./outcome.js";
import type { ProposalOutcome } from "./proposals.js";
import type { RollbackResult } from "./rollback.js";
import { currentRecommendation } from "./status.js";

/** What one pass (src/reconcile.ts) reports; the phase it leads to is decided here. */
export interface PassReport {
  message: string;
  recommendation?: Recommendation;
  proposal?: Pick<ProposalOutcome, "action">;
  pullRequest?: PullRequestRef;
  warnings: string[];
  failureReason?: string;
  busy?: boolean;
  rateLimited?: { retryAfterSeconds: number };
  source?: Record<string, unknown>;
  rollback?: { action: RollbackResult["action"]; message: string; pullRequest?: PullRequestRef };
}

export type LifecycleEvent =
  /** The control loop picked the policy up; `target` names its workload for the first Event. */
  | { type: "picked-up"; target: string; specChanged: boolean }
  /** One reconcile pass finished. */
  | { type: "pass"; result: PassReport }
  /** A pull request outcome the webhook noted on the policy. */
  | { type: "outcome"; note: OutcomeNote }
  /** What the live workload showed after a merged revert (`mismatches` empty: it has the originals). */
  | { type: "revert-checked"; note: OutcomeNote; mismatches: string[]; waitedMs: number; timeoutMs: number }
  /** The health monitor's verdict on a merged change, and the revert pass it led to. */
  | { type: "regression"; reason: string; result: PassReport }
  /** A reconcile threw; `reason` is the error's own (ReconcileError when it names none). */
  | { type: "error"; message: string; reason: string }
  /** This replica became leader and saw the policy (the watch of a recent merge resumes). */
  | { type: "resumed"; windowMs: number }
  /** The policy is being deleted: its proposal was closed (and a revert opened, with rollbackOnFailure). */
  | { type: "deleted"; result: PassReport }
  /** Deletion could not open its reverts in time; the finalizer goes anyway. */
  | { type: "delete-timed-out"; message: string };

export interface MetricDelta {
  created?: boolean;
  applied?: string;
  failed?: string;
  rolledBack?: boolean;
  pullRequest?: "opened" | "merged" | "closed";
}

export interface Effects {
  /** Whether the status changed enough to write (a busy pass writes nothing). */
  write: boolean;
  /** Events recorded before the status is written (what is about to happen: a rollback, a new policy). */
  announce: EventSpec[];
  /** Events recorded once the status is written. */
  events: EventSpec[];
  metrics: MetricDelta;
  /** A merge just became Applied: keep its changes (with originals) for a rollback. */
  keepAppliedChanges?: boolean;
  /** Watch the workload's health: a change merged just now, or (a new leader) at `mergedAt` (ms). */
  watchHealth?: { mergedAt?: number };
  /** Read the live workload and come back with a revert-checked event for this note. */
  checkRevert?: OutcomeNote;
  /** Look again after this long; "busy" means the caller's busy-lock delay. */
  requeueAfterMs?: number | "busy";
  /** Recheck a revert that is not live yet at the caller's recheck interval. */
  recheckRevert?: boolean;
}

const EMPTY: CostOptimizationStatus = { phase: "Pending", appliedOptimizations: 0, totalSavings: 0 };

/** The phase a pass's proposal leads to: an open proposal is Applying, anything else Ready. */
export const PHASE_BY_ACTION: Record<ProposalOutcome["action"], Phase> = {
  created: "Applying",
  updated: "Applying",
  unchanged: "Applying",
  "human-push": "Applying",
  closed: "Ready",
  none: "Ready",
  "dry-run": "Ready",
  suppressed: "Ready",
  "limit-open": "Ready",
  "limit-hourly": "Ready",
};

/** The phase a pass result leads to on its own (the CLI's report; next() adds what the status knew). */
export function passPhase(result: PassReport, previous: Phase | undefined): Phase {
  if (result.failureReason) return "Failed";
  if (result.busy || result.rateLimited || !result.proposal) return previous ?? "Analyzing";
  return PHASE_BY_ACTION[result.proposal.action];
}

export function next(
  previous: CostOptimizationStatus | undefined,
  event: LifecycleEvent,
  now: Date,
): { status: CostOptimizationStatus; effects: Effects } {
  const prev = previous ?? EMPTY;
  const step = decide(prev, previous === undefined, event, now);
  const derived = transitionEffects(previous, step.status, failureReasonOf(event));
  return {
    status: step.status,
    effects: {
      write: step.write ?? true,
      ...step.effects,
      announce: step.effects?.announce ?? [],
      events: [...(step.effects?.events ?? []), ...derived.events],
      metrics: { ...derived.metrics, ...step.effects?.metrics },
    },
  };
}

interface Step {
  status: CostOptimizationStatus;
  write?: boolean;
  effects?: Partial<Effects>;
}

function decide(prev: CostOptimizationStatus, fresh: boolean, event: LifecycleEvent, now: Date): Step {
  switch (event.type) {
    case "picked-up":
      return pickedUp(prev, fresh, event);
    case "pass":
      return afterPass(prev, event.result, now);
    case "outcome":
      return afterOutcome(prev, event.note, now);
    case "revert-checked":
      return afterRevertCheck(prev, event, now);
    case "regression":
      return afterRegression(prev, event.reason, event.result);
    case "error":
      return { status: { ...prev, phase: "Failed", message: event.message } };
    case "resumed":
      return resumed(prev, event.windowMs, now);
    case "deleted": {
      const pr = event.result.rollback?.pullRequest;
      const events: EventSpec[] = [
        ...(pr
          ? [
              {
                reason: "RollbackRequested" as const,
                message: `revert pull request #${pr.number} opened: ${pr.url}`,
              },
            ]
          : []),
        {
          reason: "OptimizationDeleted",
          message: "policy deleted; reverts opened where changes were applied",
        },
      ];
      return { status: prev, write: false, effects: { events } };
    }
    case "delete-timed-out":
      return {
        status: prev,
        write: false,
        effects: {
          events: [
            { reason: "FinalizerTimeout", type: "Warning", message: event.message },
            { reason: "OptimizationDeleted", message: "policy deleted without revert" },
          ],
        },
      };
  }
}

/** First sight: OptimizationCreated; first sight or a changed spec (no proposal open): Analyzing. */
function pickedUp(
  prev: CostOptimizationStatus,
  fresh: boolean,
  e: { target: string; specChanged: boolean },
): Step {
  const isNew = fresh || prev.phase === "Pending";
  const effects: Partial<Effects> = isNew
    ? {
        announce: [{ reason: "OptimizationCreated", message: `watching ${e.target}` }],
        metrics: { created: true },
      }
    : {};
  if (isNew || (e.specChanged && prev.phase !== "Applying"))
    return { status: { ...prev, phase: "Analyzing", message: "analyzing usage" }, effects };
  return { status: prev, write: false, effects };
}

function afterPass(prev: CostOptimizationStatus, r: PassReport, now: Date): Step {
  if (r.busy) return { status: prev, write: false, effects: { requeueAfterMs: "busy" } };
  if (r.rateLimited)
    return {
      status: { ...prev, message: r.message },
      effects: { requeueAfterMs: r.rateLimited.retryAfterSeconds * 1000 },
    };
  const phase = passPhase(r, prev.phase);
  // Skipped files, a broken .github/costopt.yml, pinned revisions: seen with kubectl describe.
  const events: EventSpec[] = r.warnings.length
    ? [{ reason: "ReconcileWarning", type: "Warning", message: r.warnings.join("; ") }]
    : [];
  return {
    status: {
      ...prev,
      // Applied stays Applied while nothing new is proposed: the merge happened, the PR is history.
      phase: prev.phase === "Applied" && phase === "Ready" ? "Applied" : phase,
      message: r.message,
      lastAnalysis: r.recommendation ? now.toISOString() : prev.lastAnalysis,
      ...(r.recommendation ? { currentRecommendation: currentRecommendation(r.recommendation) } : {}),
      ...(r.pullRequest ? { pullRequest: r.pullRequest } : {}),
      ...(r.source ? { source: r.source } : {}),
    },
    effects: { events },
  };
}

/** A revert pass after a health regression: the phase stays until the revert is merged and live. */
function afterRegression(prev: CostOptimizationStatus, reason: string, r: PassReport): Step {
  const before: EventSpec[] = [{ reason: "HealthRegression", type: "Warning", message: reason }];
  if (r.busy || r.rateLimited) {
    const waiting = afterPass(prev, r, new Date(0));
    return { ...waiting, effects: { ...waiting.effects, announce: before } };
  }
  const refused = r.failureReason !== undefined;
  const pr = r.rollback?.pullRequest;
  return {
    status: {
      ...prev,
      phase: refused ? "Failed" : prev.phase,
      message: r.message,
      ...(pr ? { pullRequest: { number: pr.number, url: pr.url, branch: pr.branch, state: pr.state } } : {}),
    },
    effects: {
      announce: [...before, { reason: "RollbackRequested", message: `rolling back: ${reason}` }],
    },
  };
}

const FINAL_STATE: Record<OutcomeKind, PullRequestRef["state"]> = {
  applied: "merged",
  "rolled-back": "merged",
  declined: "closed",
  withdrawn: "closed",
  "revert-declined": "closed",
};

/** The note's identity, kept in status.lastOutcome once it has been turned into status. */
export function outcomeId(o: OutcomeNote): string {
  return `${o.kind} ${o.repository}#${o.pullRequest} at ${o.at}`;
}

/**
 * Whether the note still has to be turned into status. status.lastOutcome names the last note
 * handled, so neither a pass that later rewrites status.pullRequest (a stale read of the PR, a
 * PR in another repository after the source moved), a redelivered older note nor a new leader
 * replays it. A status written before lastOutcome existed falls back to comparing status.pullRequest.
 */
export function outcomePending(status: CostOptimizationStatus | undefined, o: OutcomeNote): boolean {
  const last = status?.lastOutcome;
  if (last !== undefined) {
    // A note older than the one handled last (a redelivered webhook) is history too.
    const handledAt = Date.parse(last.slice(last.lastIndexOf(" at ") + 4));
    return last !== outcomeId(o) && !(Date.parse(o.at) < handledAt);
  }
  const pr = status?.pullRequest;
  if (!pr) return true;
  if (pr.number === o.pullRequest) return pr.state !== FINAL_STATE[o.kind];
  return !(pr.number > o.pullRequest && sameRepository(pr.url, o.repository));
}

/** Whether a pull request URL is in `repository` (owner/name); a URL that names none (local forge) is. */
function sameRepository(url: string | undefined, repository: string): boolean {
  const named = /\/([^/]+\/[^/]+)\/pulls?\/\d+/.exec(url ?? "")?.[1];
  return named === undefined || named.toLowerCase() === repository.toLowerCase();
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function afterOutcome(base: CostOptimizationStatus, o: OutcomeNote, now: Date): Step {
  if (!outcomePending(base, o)) return { status: base, write: false };
  // A merged revert counts only once the live workload has the originals again.
  if (o.kind === "rolled-back") return { status: base, write: false, effects: { checkRevert: o } };
  const pullRequest = finalRef(base, o);
  const handled = { pullRequest, lastOutcome: outcomeId(o) };
  switch (o.kind) {
    case "applied":
      return {
        status: {
          ...base,
          ...handled,
          phase: "Applied",
          message: `pull request #${o.pullRequest} merged${o.mergeSha ? ` (${o.mergeSha.slice(0, 7)})` : ""}; watching the workload's health`,
          lastApplied: now.toISOString(),
          appliedOptimizations: base.appliedOptimizations + 1,
          totalSavings: round2(base.totalSavings + (o.monthlySavings ?? 0)),
        },
        effects: {
          events: [
            {
              reason: "OptimizationApplied",
              message: `${base.currentRecommendation?.optimizationType ?? "optimization"} applied (pull request #${o.pullRequest}); total savings $${round2(base.totalSavings + (o.monthlySavings ?? 0)).toFixed(2)}/month`,
            },
          ],
          keepAppliedChanges: true,
          watchHealth: {},
          metrics: { applied: base.currentRecommendation?.optimizationType ?? "ALL" },
        },
      };
    case "declined":
      return {
        status: {
          ...base,
          ...handled,
          phase: "Ready",
          message: `pull request #${o.pullRequest} was closed without merging; costopt will not propose it again until the recommendation changes materially`,
        },
      };
    case "withdrawn":
      return {
        status: {
          ...base,
          ...handled,
          phase: "Ready",
          message: `costopt closed pull request #${o.pullRequest}`,
        },
      };
    default:
      return {
        status: {
          ...base,
          ...handled,
          message: `revert #${o.pullRequest} was closed without merging; the change stays applied`,
        },
      };
  }
}

function finalRef(base: CostOptimizationStatus, o: OutcomeNote): PullRequestRef {
  const known = base.pullRequest?.number === o.pullRequest ? base.pullRequest : undefined;
  return {
    number: o.pullRequest,
    url: o.url ?? known?.url ?? `https://github.com/${o.repository}/pull/${o.pullRequest}`,
    branch: o.branch ?? known?.branch ?? "",
    state: FINAL_STATE[o.kind],
  };
}

/**
 * A merged revert is RolledBack once the live workload carries the recorded originals again.
 * Until then the status stays as it was, message aside, and the note stays pending, so each
 * recheck comes back here rather than running a normal pass. After the timeout the policy is
 * Failed with what still differs, and the note counts as handled.
 */
function afterRevertCheck(
  base: CostOptimizationStatus,
  e: Extract<LifecycleEvent, { type: "revert-checked" }>,
  _now: Date,
): Step {
  const o = e.note;
  const name = `revert #${o.pullRequest}`;
  const handled = { pullRequest: finalRef(base, o), lastOutcome: outcomeId(o) };
  if (e.mismatches.length === 0)
    return {
      status: {
        ...base,
        ...handled,
        phase: "RolledBack",
        message: `${name}${o.revertOf ? ` of #${o.revertOf}` : ""} merged; the workload is back to its recorded originals`,
        totalSavings: round2(Math.max(0, base.totalSavings - (o.monthlySavings ?? 0))),
      },
    };
  const differs = e.mismatches.join("; ");
  if (e.waitedMs >= e.timeoutMs)
    return {
      status: {
        ...base,
        ...handled,
        phase: "Failed",
        message: `${name} was merged ${formatDuration(e.waitedMs)} ago, but the live workload still differs from the recorded originals (${differs}); not reporting RolledBack — check that the GitOps controller synced the revert`,
      },
    };
  return {
    status: {
      ...base,
      message: `${name} merged; waiting for the live workload to match the recorded originals (${differs})`,
    },
    effects: { recheckRevert: true },
  };
}

/** A new leader resumes the watch of a change merged within the window, from the merge, not from now. */
function resumed(prev: CostOptimizationStatus, windowMs: number, now: Date): Step {
  const mergedAt = Date.parse(prev.lastApplied ?? "");
  const since = now.getTime() - mergedAt;
  const watching = prev.phase === "Applied" && Number.isFinite(since) && since >= 0 && since < windowMs;
  return { status: prev, write: false, effects: watching ? { watchHealth: { mergedAt } } : {} };
}

/** The reason an error names (its class sets `reason`; Octokit's HttpError is GitHub's), else ReconcileError. */
export function errorReason(err: unknown): string {
  const e = err as { reason?: unknown; name?: unknown } | undefined;
  if (typeof e?.reason === "string" && e.reason) return e.reason;
  if (e?.name === "HttpError") return "GitHubAPIError";
  return "ReconcileError";
}

function failureReasonOf(event: LifecycleEvent): string | undefined {
  if (event.type === "error") return event.reason;
  if (event.type === "pass" || event.type === "regression") return event.result.failureReason;
  if (event.type === "revert-checked") return "RollbackNotLive";
  return undefined;
}

/** The Events and metric increments a change from one status to the next implies. */
function transitionEffects(
  prev: CostOptimizationStatus | undefined,
  next: CostOptimizationStatus,
  failureReason = "ReconcileError",
): { events: EventSpec[]; metrics: MetricDelta } {
  const events: EventSpec[] = [];
  const metrics: MetricDelta = {};
  const changed = prev?.phase !== next.phase;
  const rec = next.currentRecommendation;
  if (changed && next.phase === "Ready" && rec) {
    events.push({
      reason: "RecommendationReady",
      message: `${rec.optimizationType}: ${rec.changes.length} change(s), saves $${rec.monthlySavings.toFixed(2)}/month, confidence ${rec.confidenceScore.toFixed(2)}, risk ${rec.riskLevel}`,
    });
  }
  const pr = next.pullRequest;
  if (pr && pr.number !== prev?.pullRequest?.number && pr.state === "open") {
    events.push({ reason: "PullRequestOpened", message: `pull request #${pr.number} opened: ${pr.url}` });
    metrics.pullRequest = "opened";
  } else if (pr && prev?.pullRequest?.state !== pr.state && pr.state !== "open") {
    metrics.pullRequest = pr.state;
  }
  if (changed && next.phase === "Failed") {
    events.push({
      reason: "OptimizationFailed",
      type: "Warning",
      message: next.message ?? "reconcile failed",
    });
    metrics.failed = failureReason;
  }
  if (changed && next.phase === "RolledBack") {
    events.push({
      reason: "RolledBack",
      message: next.message ?? "the workload matches its recorded original values",
    });
    metrics.rolledBack = true;
  }
  return { events, metrics };
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m}m` : `${Math.round(m / 60)}h`;
}
