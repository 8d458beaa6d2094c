// Risk LOW..CRITICAL: what could go wrong if the change is merged. Each factor adds points;
// the score is their sum capped at 1 and the level comes from fixed thresholds.

import { measuredMemory, memorySetting } from "../api/quantity.js";
import type { RiskLevel } from "../api/types.js";
import { effectiveCpu, effectiveMemory } from "./cost.js";
import { describePeak, type PeriodicPeak } from "./peaks.js";
import type { Proposal } from "./strategies/types.js";
import type { Factor, Risk, WorkloadState } from "./types.js";

export interface RiskSettings {
  /** Points per unit of the largest relative reduction (a 50% cut adds half of this). Default 0.5. */
  reductionWeight: number;
  /** p99/p50 of CPU at or above which load counts as bursty / very bursty. Defaults 2 and 4. */
  burstyRatio: number;
  veryBurstyRatio: number;
  /** Points for any OOM kill in the window. Default 0.3. */
  oomPoints: number;
  /** Restarts in the window that count as a history of restarts. Default 3. */
  restartThreshold: number;
  /** Points for ending at a single replica. Default 0.15. */
  singleReplicaPoints: number;
  /** Points for a StatefulSet. Default 0.15. */
  statefulSetPoints: number;
  /** A memory limit under this multiple of the observed max counts as thin headroom. Default 1.1. */
  memoryHeadroom: number;
  /** Points when growing memory reaches the proposed value before the horizon, and before twice the horizon. Defaults 0.4 and 0.1. */
  timeToLimitPoints: [number, number];
  /** Points for a daily peak above the proposed per-pod CPU request. Default 0.1. */
  uncoveredPeakPoints: number;
  /** Score thresholds for MEDIUM, HIGH and CRITICAL. Defaults 0.25, 0.5, 0.75. */
  levels: [number, number, number];
}

export const DEFAULT_RISK_SETTINGS: RiskSettings = {
  reductionWeight: 0.5,
  burstyRatio: 2,
  veryBurstyRatio: 4,
  oomPoints: 0.3,
  restartThreshold: 3,
  singleReplicaPoints: 0.15,
  statefulSetPoints: 0.15,
  memoryHeadroom: 1.1,
  timeToLimitPoints: [0.4, 0.1],
  uncoveredPeakPoints: 0.1,
  levels: [0.25, 0.5, 0.75],
};

export function assessRisk(
  workload: WorkloadState,
  p: Proposal,
  s: RiskSettings,
  missedPeaks: PeriodicPeak[] = [],
  horizonDays = 7,
): Risk {
  const factors: Factor[] = [];
  const add = (name: string, score: number, detail: string) => {
    if (score > 0) factors.push({ name, score: Math.round(score * 100) / 100, detail });
  };

  const cut = largestReduction(p);
  if (cut)
    add("reduction", cut.share * s.reductionWeight, `${cut.what} cut by ${Math.round(cut.share * 100)}%`);

  for (const c of p.containers) {
    const e = c.evidence;
    if (!e) continue;
    const ratio = e.cpu.p50 > 0 ? e.cpu.p99 / e.cpu.p50 : 0;
    if (ratio >= s.veryBurstyRatio) add("burstiness", 0.2, `${c.name}: CPU p99 is ${ratio.toFixed(1)}x p50`);
    else if (ratio >= s.burstyRatio) add("burstiness", 0.1, `${c.name}: CPU p99 is ${ratio.toFixed(1)}x p50`);
    if (e.oomKills > 0) add("oom", s.oomPoints, `${c.name}: ${e.oomKills} OOM kill(s) in the window`);
    if (e.restarts >= s.restartThreshold)
      add("restarts", 0.1, `${c.name}: ${e.restarts} restarts in the window`);
    const growth = e.trends?.memory;
    const sized = effectiveMemory(c.proposed);
    if (growth && growth.slopePerDay > 0 && sized > 0) {
      const days = Math.max(0, (sized - e.memory.max) / growth.slopePerDay);
      const [soon, later] = s.timeToLimitPoints;
      const detail = `${c.name}: memory grows ${measuredMemory(growth.slopePerDay)}/day and reaches ${memorySetting(sized)} in ${Math.round(days)} days`;
      if (days < horizonDays) add("timeToLimit", soon, `${detail}, before the next recommendation`);
      else if (days < 2 * horizonDays) add("timeToLimit", later, detail);
    }
    const limit = c.proposed.memoryLimit;
    if (limit !== undefined && e.memory.max > 0) {
      const headroom = limit / e.memory.max;
      if (headroom < 1)
        add(
          "memoryLimit",
          0.4,
          `${c.name}: memory limit ${memorySetting(limit)} is below the observed max ${measuredMemory(e.memory.max)}`,
        );
      else if (headroom < s.memoryHeadroom)
        add(
          "memoryLimit",
          0.2,
          `${c.name}: memory limit leaves ${Math.round((headroom - 1) * 100)}% over the observed max`,
        );
    }
  }

  if (p.replicas && p.replicas.proposed <= 1 && p.replicas.field === "spec.replicas")
    add("singleReplica", s.singleReplicaPoints, "a single replica: any restart is an outage");
  if (workload.ref.kind === "StatefulSet")
    add("statefulSet", s.statefulSetPoints, "a StatefulSet: pods are restarted one by one and own data");
  if (p.loadFactor > 1) {
    const counts = p.replicas ? `${p.replicas.current} -> ${p.replicas.proposed} replicas: ` : "";
    add("consolidation", 0.1, `${counts}${p.loadFactor.toFixed(2)}x load per pod`);
  }
  for (const k of missedPeaks)
    add(
      "periodicPeak",
      s.uncoveredPeakPoints,
      `${describePeak(k)}: ${Math.round(k.perPodCpu * p.loadFactor)}m per pod, above the CPU request (throttled daily)`,
    );
  if (p.placement) add("spot", 0.1, "spot nodes can be reclaimed at short notice");
  const sched = p.scheduledScaling;
  if (sched) {
    // The deeper the night-time cut, the shorter of pods an unusual night leaves the workload.
    const low = sched.windows[0]?.desiredReplicas ?? sched.baselineReplicas;
    const drop = sched.baselineReplicas > 0 ? 1 - low / sched.baselineReplicas : 0;
    add(
      "schedule",
      0.05 + 0.1 * drop,
      `${sched.baselineReplicas} -> ${low} replicas in quiet hours; an unusual night would be short of pods`,
    );
  }

  const score = Math.min(
    1,
    factors.reduce((sum, f) => sum + f.score, 0),
  );
  return { level: levelOf(score, s), score: Math.round(score * 100) / 100, factors };
}

export function levelOf(score: number, s: RiskSettings): RiskLevel {
  const [medium, high, critical] = s.levels;
  if (score >= critical) return "CRITICAL";
  if (score >= high) return "HIGH";
  if (score >= medium) return "MEDIUM";
  return "LOW";
}

function largestReduction(p: Proposal): { what: string; share: number } | undefined {
  let best: { what: string; share: number } | undefined;
  const consider = (what: string, from: number, to: number) => {
    if (from <= 0 || to >= from) return;
    const share = (from - to) / from;
    if (!best || share > best.share) best = { what, share };
  };
  for (const c of p.containers) {
    consider(`${c.name} CPU request`, effectiveCpu(c.current), effectiveCpu(c.proposed));
    consider(`${c.name} memory request`, effectiveMemory(c.current), effectiveMemory(c.proposed));
  }
  if (p.replicas) consider("replicas", p.replicas.current, p.replicas.proposed);
  return best;
}
