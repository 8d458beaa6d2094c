// Post-merge health: once a merged change is live (rollout finished and the pod template
// carries the proposed values), watch the workload for a window and report a regression —
// new OOM kills, a rise in restarts, CPU throttling above a threshold, or readiness lost on
// two checks in a row (one not-ready sample is usually a node drain, not our change).

import { policyKey, policyRefOf, type WorkloadRef } from "../api/refs.js";
import { policyTarget } from "../api/target.js";
import type { CostOptimization } from "../api/types.js";
import type { Logger } from "../telemetry/logger.js";
import type { KubeClient } from "./client.js";
import {
  getWorkload,
  type HealthSample,
  sampleHealth,
  specMismatches,
  type ThrottlingSource,
} from "./workload.js";

export interface HealthThresholds {
  windowMs: number;
  throttlingRatio: number;
  restartIncrease: number;
}

/** Regressions of `sample` against the baseline taken when the change went live. */
export function assessHealth(
  baseline: HealthSample,
  sample: HealthSample,
  t: HealthThresholds,
  notReadyStreak: number,
): string[] {
  const out: string[] = [];
  if (sample.oomKills > baseline.oomKills) {
    out.push(`${sample.oomKills - baseline.oomKills} container(s) OOM-killed since the change went live`);
  }
  const rise = sample.restarts - baseline.restarts;
  if (rise >= t.restartIncrease) out.push(`restarts rose by ${rise} (threshold ${t.restartIncrease})`);
  if (sample.throttling !== undefined && sample.throttling > t.throttlingRatio) {
    out.push(
      `CPU throttling ${(sample.throttling * 100).toFixed(0)}% above the ${(t.throttlingRatio * 100).toFixed(0)}% threshold`,
    );
  }
  if (!sample.ready && notReadyStreak >= 2) out.push("the workload lost readiness");
  return out;
}

interface Tracked {
  policy: CostOptimization;
  ref: WorkloadRef;
  since: number;
  baseline?: HealthSample;
  liveAt?: number;
  notReady: number;
  /** Tracked again by a new leader: the window runs from the merge, not from this replica's first look. */
  resumed: boolean;
}

export interface HealthMonitorOptions {
  kube: KubeClient;
  thresholds: HealthThresholds;
  /** How often tracked workloads are sampled. */
  intervalMs: number;
  onRegression: (policy: CostOptimization, reason: string) => void;
  log: Logger;
  throttling?: ThrottlingSource;
  now?: () => number;
}

export class HealthMonitor {
  private readonly tracked = new Map<string, Tracked>();
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly o: HealthMonitorOptions) {
    this.now = o.now ?? Date.now;
  }

  /** How long a merged change is watched once live; also how long a merged revert may take to go live. */
  get windowMs(): number {
    return this.o.thresholds.windowMs;
  }

  /** How often tracked workloads are sampled; also how often a merged revert is looked for. */
  get intervalMs(): number {
    return this.o.intervalMs;
  }

  /** Starts watching a policy whose change was just merged, or (a new leader) merged at `mergedAt` (ms). Idempotent. */
  track(policy: CostOptimization, mergedAt?: number): void {
    const key = policyKey(policyRefOf(policy));
    const existing = this.tracked.get(key);
    if (existing) {
      existing.policy = policy;
      return;
    }
    const now = this.now();
    const since = Math.min(mergedAt ?? now, now);
    this.tracked.set(key, {
      policy,
      ref: policyTarget(policy),
      since,
      notReady: 0,
      resumed: mergedAt !== undefined,
    });
  }

  untrack(key: string): void {
    this.tracked.delete(key);
  }

  isTracking(key: string): boolean {
    return this.tracked.has(key);
  }

  start(): void {
    this.timer = setInterval(() => void this.checkAll(), this.o.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.tracked.clear();
  }

  async checkAll(): Promise<void> {
    for (const [key, t] of [...this.tracked]) {
      try {
        await this.check(key, t);
      } catch (err) {
        this.o.log.warn("health check failed", { policy: key, err });
      }
    }
  }

  private async check(key: string, t: Tracked): Promise<void> {
    const w = await getWorkload(this.o.kube, t.ref);
    if (!w) return;
    const windowSeconds = Math.max(60, Math.round(this.o.intervalMs / 1000));
    const sample = await sampleHealth(this.o.kube, t.ref, w, this.o.throttling, windowSeconds);
    const now = this.now();
    if (!t.baseline) {
      const changes = t.policy.status?.currentRecommendation?.changes ?? [];
      if (!sample.rolloutComplete || specMismatches(w, changes, "proposed").length) {
        // Not live yet (GitOps sync or rollout pending); give up quietly after a long wait.
        if (now - t.since > 4 * this.o.thresholds.windowMs) this.untrack(key);
        return;
      }
      t.baseline = sample;
      t.liveAt = now;
      return;
    }
    t.notReady = sample.ready ? 0 : t.notReady + 1;
    const regressions = assessHealth(t.baseline, sample, this.o.thresholds, t.notReady);
    if (regressions.length) {
      this.untrack(key);
      this.o.onRegression(t.policy, regressions.join("; "));
      return;
    }
    if (now - (t.resumed ? t.since : (t.liveAt ?? now)) >= this.o.thresholds.windowMs) this.untrack(key);
  }
}
