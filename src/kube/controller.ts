// The CostOptimization control loop: informer events, a periodic resync and cron schedules
// feed a per-policy serialized work queue; each work item runs one reconcile and writes the
// outcome to the status subresource, Events and metrics. Runs only on the lease holder. It
// gathers facts (what the reconciler reports, what the live workload shows) and carries out the
// effects src/gitops/lifecycle.ts decides; it decides no phase itself.

import { policyKey as keyOf, policyRefOf } from "../api/refs.js";
import { policyTarget } from "../api/target.js";
import type { CostOptimization, CostOptimizationStatus, ResourceChange } from "../api/types.js";
import { type Effects, errorReason, type LifecycleEvent, next } from "../gitops/lifecycle.js";
import type { OutcomeNote } from "../gitops/outcome.js";
import type { Logger } from "../telemetry/logger.js";
import type { Telemetry } from "../telemetry/metrics.js";
import { redactText } from "../telemetry/redact.js";
import { type KubeClient, KubeError } from "./client.js";
import { withConditions } from "./conditions.js";
import type { EventRecorder } from "./events.js";
import { hasFinalizer } from "./finalizer.js";
import type { HealthMonitor } from "./health.js";
import type { PolicySource } from "./informer.js";
import type { PolicyStore } from "./policy-store.js";
import { WorkQueue } from "./queue.js";
import type { PolicyReconciler, Trigger } from "./reconciler.js";
import { CronTriggers } from "./schedule.js";
import { getWorkload, specMismatches } from "./workload.js";

export interface ControllerOptions {
  /** Where policies are read and their status written (the CRs, or memory in local mode). */
  policies: PolicyStore;
  /** Reads live workloads (rollback verification); absent in local mode without a cluster. */
  kube?: KubeClient;
  source: PolicySource;
  reconciler: PolicyReconciler;
  events: EventRecorder;
  telemetry: Telemetry;
  log: Logger;
  resyncMs: number;
  finalizerTimeoutMs: number;
  concurrency?: number;
  health?: HealthMonitor;
  /** First retry delay after a failed reconcile; doubles up to 5 minutes. */
  retryBaseMs?: number;
  /** How soon to look again when a merged revert is not live yet (default: the health check interval, else 30 s). */
  rollbackRecheckMs?: number;
  /** How long a merged revert may take to go live before the policy is reported Failed (default: the health window, else 30 min). */
  rollbackTimeoutMs?: number;
  /** How soon to look again when another reconcile holds the policy's lock (default 5 s). */
  busyRetryMs?: number;
  now?: () => Date;
}

// When several triggers queue up for one policy, the most specific one is reported.
const PRIORITY: Trigger[] = ["created", "spec-changed", "health", "webhook", "schedule", "retry", "periodic"];

export class Controller {
  private readonly queue: WorkQueue;
  private readonly cron: CronTriggers;
  private readonly pending = new Map<string, Trigger>();
  private readonly healthReasons = new Map<string, string>();
  private readonly generations = new Map<string, number | undefined>();
  private readonly nudges = new Map<string, string | undefined>();
  private readonly savings = new Map<string, number>();
  /** When a merged revert was first seen not live, for reverts without an outcome note. */
  private readonly revertWaits = new Map<string, number>();
  private resync?: NodeJS.Timeout;
  private running = false;
  private readonly now: () => Date;

  constructor(private readonly o: ControllerOptions) {
    this.now = o.now ?? (() => new Date());
    this.queue = new WorkQueue({
      worker: (key) => this.process(key),
      concurrency: o.concurrency ?? 4,
      baseBackoffMs: o.retryBaseMs ?? 1000,
      onDepth: (d) => o.telemetry.queueDepth.set(d),
      onError: (key, err, retryIn) =>
        o.log.warn("reconcile failed; will retry", {
          policy: key,
          retryInMs: retryIn,
          err: errorMessage(err),
        }),
    });
    this.cron = new CronTriggers((key) => this.enqueue(key, "schedule"));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.o.source.start({
      add: (p) => this.onAdd(p),
      update: (p) => this.onUpdate(p),
      delete: (p) => this.onDelete(p),
    });
    // Stopped while the first list was still loading (leadership lost, API server down).
    if (!this.running) return;
    this.resync = setInterval(() => this.enqueueAll("periodic"), this.o.resyncMs);
    this.resync.unref?.();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.resync);
    this.cron.clearAll();
    await this.o.source.stop();
    await this.queue.stop();
    this.o.telemetry.queueDepth.set(0);
  }

  /** Queues one reconcile of namespace/name (e.g. after a GitHub webhook about its pull request). */
  enqueue(key: string, trigger: Trigger): void {
    if (!this.running) return;
    const prev = this.pending.get(key);
    if (!prev || PRIORITY.indexOf(trigger) < PRIORITY.indexOf(prev)) this.pending.set(key, trigger);
    this.queue.add(key);
  }

  enqueueAll(trigger: Trigger): void {
    for (const p of this.o.source.list()) this.enqueue(policyKey(p), trigger);
  }

  /** Called by the health monitor: roll back this policy's change. */
  regression(policy: CostOptimization, reason: string): void {
    const key = policyKey(policy);
    this.healthReasons.set(key, reason);
    this.enqueue(key, "health");
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private onAdd(p: CostOptimization): void {
    const key = policyKey(p);
    this.generations.set(key, p.metadata.generation);
    this.nudges.set(key, nudgeOf(p));
    this.cron.set(key, p.spec?.schedule);
    // A new leader resumes the post-merge watch of changes merged under the previous one.
    if (this.o.health) {
      const { effects } = next(p.status, { type: "resumed", windowMs: this.o.health.windowMs }, this.now());
      if (effects.watchHealth) this.o.health.track(p, effects.watchHealth.mergedAt);
    }
    const observed = p.status?.observedGeneration;
    this.enqueue(
      key,
      !p.status || p.status.phase === "Pending"
        ? "created"
        : observed !== p.metadata.generation
          ? "spec-changed"
          : "periodic",
    );
  }

  private onUpdate(p: CostOptimization): void {
    const key = policyKey(p);
    this.cron.set(key, p.spec?.schedule);
    if (p.metadata.deletionTimestamp) {
      this.enqueue(key, "spec-changed");
      return;
    }
    const nudge = nudgeOf(p);
    if (nudge !== this.nudges.get(key)) {
      this.nudges.set(key, nudge);
      if (nudge !== undefined) this.enqueue(key, "webhook");
    }
    // Status-only updates (mostly our own writes) leave generation alone and are not work.
    if (this.generations.get(key) === p.metadata.generation) return;
    this.generations.set(key, p.metadata.generation);
    this.enqueue(key, "spec-changed");
  }

  private onDelete(p: CostOptimization): void {
    const key = policyKey(p);
    this.cron.clear(key);
    this.queue.forget(key);
    this.pending.delete(key);
    this.generations.delete(key);
    this.nudges.delete(key);
    this.o.health?.untrack(key);
    this.o.reconciler.forget?.(p);
    this.savings.delete(key);
    this.revertWaits.delete(key);
    this.updateSavings();
  }

  private async process(key: string): Promise<void> {
    const trigger = this.pending.get(key) ?? "retry";
    this.pending.delete(key);
    const [namespace, name] = splitKey(key);
    let policy = await this.o.policies.get(namespace, name);
    if (!policy) return;
    if (policy.metadata.deletionTimestamp) return this.finalize(key, policy);
    policy = await this.o.policies.ensureFinalizer(policy);

    const started = process.hrtime.bigint();
    const target = `${policy.spec.targetWorkload.kind} ${policyTarget(policy).namespace}/${policy.spec.targetWorkload.name}`;
    const specChanged = policy.status?.observedGeneration !== policy.metadata.generation;
    policy = await this.apply(key, policy, { type: "picked-up", target, specChanged });

    let event: LifecycleEvent;
    let failure: unknown;
    try {
      if (trigger === "health") {
        const reason = this.healthReasons.get(key) ?? "health regression";
        this.healthReasons.delete(key);
        event = { type: "regression", reason, result: await this.o.reconciler.rollback(policy, reason) };
      } else {
        event = await this.o.reconciler.reconcile(policy, trigger);
      }
    } catch (err) {
      failure = err;
      event = { type: "error", message: errorMessage(err), reason: errorReason(err) };
    }
    await this.apply(key, policy, event);
    this.o.telemetry.optimizationDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (failure) throw failure;
  }

  /** Asks the lifecycle what the event means and carries out its effects; returns the policy as written. */
  private async apply(
    key: string,
    policy: CostOptimization,
    event: LifecycleEvent,
  ): Promise<CostOptimization> {
    const { status, effects } = next(policy.status, event, this.now());
    if (effects.checkRevert)
      return this.apply(key, policy, await this.revertChecked(key, policy, effects.checkRevert));
    for (const e of effects.announce) await this.o.events.record(policy, e);
    const updated = effects.write ? await this.writeStatus(policy, status) : policy;
    this.count(effects.metrics);
    for (const e of effects.events) await this.o.events.record(updated, e);
    if (effects.keepAppliedChanges) {
      // Later analyses replace currentRecommendation; the originals a rollback must restore are kept here.
      const changes = status.currentRecommendation?.changes ?? [];
      await this.o.policies.annotate(policy, { [APPLIED_CHANGES_ANNOTATION]: JSON.stringify(changes) });
    }
    if (effects.watchHealth) this.o.health?.track(updated, effects.watchHealth.mergedAt);
    const later = this.requeueDelay(effects);
    if (later !== undefined) this.queue.add(key, later);
    return updated;
  }

  private requeueDelay(effects: Effects): number | undefined {
    if (effects.recheckRevert) return this.o.rollbackRecheckMs ?? this.o.health?.intervalMs ?? 30_000;
    if (effects.requeueAfterMs === "busy") return this.o.busyRetryMs ?? 5000;
    return effects.requeueAfterMs;
  }

  private count(metrics: Effects["metrics"]): void {
    const t = this.o.telemetry;
    if (metrics.created) t.optimizationsCreated.inc();
    if (metrics.applied) t.optimizationsApplied.inc({ optimization_type: metrics.applied });
    if (metrics.failed) t.optimizationsFailed.inc({ reason: metrics.failed });
    if (metrics.rolledBack) t.rollbacks.inc();
    if (metrics.pullRequest) t.pullRequests.inc({ state: metrics.pullRequest });
  }

  /** What the live workload shows after a merged revert, against the originals of the applied change. */
  private async revertChecked(
    key: string,
    policy: CostOptimization,
    note: OutcomeNote,
  ): Promise<LifecycleEvent> {
    const changes = appliedChanges(policy) ?? policy.status?.currentRecommendation?.changes;
    let mismatches: string[] = [];
    // Without the originals or a cluster there is nothing to compare: the merge is taken as live.
    if (changes?.length && this.o.kube) {
      const live = await getWorkload(this.o.kube, policyTarget(policy));
      mismatches = live ? specMismatches(live, changes, "current") : ["the workload was not found"];
    }
    const now = this.now().getTime();
    const waitedMs = now - this.revertMergedAt(key, note, now);
    if (!mismatches.length) this.revertWaits.delete(key);
    const timeoutMs = this.o.rollbackTimeoutMs ?? this.o.health?.windowMs ?? 30 * 60_000;
    return { type: "revert-checked", note, mismatches, waitedMs, timeoutMs };
  }

  /** When the revert was merged: the webhook's time on the outcome note, else when this replica first saw it. */
  private revertMergedAt(key: string, note: OutcomeNote, now: number): number {
    const at = Date.parse(note.at);
    if (Number.isFinite(at)) return at;
    const first = this.revertWaits.get(key) ?? now;
    this.revertWaits.set(key, first);
    return first;
  }

  private async finalize(key: string, policy: CostOptimization): Promise<void> {
    if (!hasFinalizer(policy)) return;
    const deadline = Date.parse(policy.metadata.deletionTimestamp ?? "") + this.o.finalizerTimeoutMs;
    const remaining = deadline - this.now().getTime();
    try {
      const result = await withTimeout(this.o.reconciler.finalize(policy), Math.max(0, remaining));
      await this.apply(key, policy, { type: "deleted", result });
    } catch (err) {
      if (this.now().getTime() < deadline) {
        // Retry, but never later than the deadline: deletion must not hang on GitHub.
        this.queue.add(key, Math.max(1, deadline - this.now().getTime()));
        throw err;
      }
      const message = `could not open revert pull requests within ${Math.round(this.o.finalizerTimeoutMs / 1000)}s (${errorMessage(err)}); releasing the finalizer`;
      await this.apply(key, policy, { type: "delete-timed-out", message });
    }
    await this.o.policies.releaseFinalizer(policy);
    this.o.health?.untrack(key);
  }

  private async writeStatus(
    policy: CostOptimization,
    next: CostOptimizationStatus,
  ): Promise<CostOptimization> {
    const status: CostOptimizationStatus = {
      ...next,
      observedGeneration: policy.metadata.generation,
      conditions: withConditions(next, policy.status?.conditions, policy.metadata.generation, this.now()),
    };
    const updated = await this.o.policies.patchStatus(
      policy,
      mergeDiff(policy.status as Record<string, unknown> | undefined, status),
    );
    this.savings.set(policyKey(policy), status.totalSavings ?? 0);
    this.updateSavings();
    return updated;
  }

  private updateSavings(): void {
    let sum = 0;
    for (const v of this.savings.values()) sum += v;
    this.o.telemetry.totalMonthlySavings.set(sum);
  }
}

/** The changes (with their original values) of the optimization that was applied last. */
export const APPLIED_CHANGES_ANNOTATION = "costopt.dev/applied-changes";

function appliedChanges(p: CostOptimization): ResourceChange[] | undefined {
  const raw = p.metadata.annotations?.[APPLIED_CHANGES_ANNOTATION];
  if (!raw) return undefined;
  try {
    const changes = JSON.parse(raw) as ResourceChange[];
    return Array.isArray(changes) && changes.length ? changes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Annotations other replicas write to ask the leader for a reconcile (a pull request outcome
 * from a webhook, a /costopt recheck): any change to them is work, like a spec change.
 */
export const NUDGE_ANNOTATIONS = ["costopt.dev/outcome", "costopt.dev/reconcile-requested"];

function nudgeOf(p: CostOptimization): string | undefined {
  const a = p.metadata.annotations;
  if (!a) return undefined;
  const values = NUDGE_ANNOTATIONS.map((k) => a[k] ?? "");
  return values.some(Boolean) ? values.join("\n") : undefined;
}

/** A merge patch turning `prev` into `next` at the top level: removed fields become null. */
function mergeDiff(prev: Record<string, unknown> | undefined, next: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...next };
  for (const k of Object.keys(prev ?? {})) if (!(k in out) || out[k] === undefined) out[k] = null;
  return out;
}

/** The control loop's key of a policy: <namespace>/<name> (one loop per cluster, so no cluster prefix). */
const policyKey = (p: CostOptimization): string => keyOf(policyRefOf(p));

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

function errorMessage(err: unknown): string {
  // Status and Events are read by everyone with kubectl: no URL in them keeps its credentials.
  if (err instanceof KubeError) return redactText(`Kubernetes API ${err.code}: ${err.message}`);
  return redactText(err instanceof Error ? err.message : String(err));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
