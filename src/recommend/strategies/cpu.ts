// CPU: the request covers a high percentile of observed usage plus a margin.
// No CPU limit is ever added (limits throttle; most clusters should not have them); an
// existing limit is kept in proportion to the request, and flagged when that proportional
// limit would sit below the observed maximum.

import { formatCpu } from "../../api/quantity.js";
import type { CpuStats } from "../../metrics/types.js";
import { describePeak } from "../peaks.js";
import { CPU_ROUNDING_FINE, roundCpuUp } from "../rounding.js";
import { growthFactor } from "../stationarity.js";
import type { ContainerRecommendation } from "../types.js";
import { type Proposal, type Strategy, type StrategyContext, withApplied } from "./types.js";

export interface CpuSettings {
  /**
   * The usage statistic the request must cover. Default "p90": CPU is compressible, so the top
   * tenth borrows the node's slack. Chosen with marginPercent and roundingSteps on the replay
   * benchmark (npm run bench -- --only recommend --sweep): the leanest setting that keeps the
   * share of samples above 1.2x the request at or below KRR simple's (p95) on every seed, once
   * daily peaks are covered (coverDailyPeaks) and growth projected.
   */
  percentile: keyof CpuStats;
  /** Headroom added on top of that statistic, percent. Default 0 (see percentile; 10% cost 7% of the savings for no measurable risk). */
  marginPercent: number;
  /** Smallest request ever proposed, millicores. Default 10 (10m). */
  floorMillicores: number;
  /** An existing limit: "proportional" keeps limit/request as it was (default); "keep" leaves the limit as written. */
  limitPolicy: "proportional" | "keep";
  /** Raise the request to cover a daily peak (peaks.ts) the percentile misses, e.g. a nightly batch. Default true. */
  coverDailyPeaks: boolean;
  /** [bound, step] pairs: requests below bound round up to a multiple of step. Default CPU_ROUNDING_FINE (rounding.ts). */
  roundingSteps: [number, number][];
}

export const DEFAULT_CPU_SETTINGS: CpuSettings = {
  percentile: "p90",
  marginPercent: 0,
  floorMillicores: 10,
  limitPolicy: "proportional",
  coverDailyPeaks: true,
  roundingSteps: CPU_ROUNDING_FINE,
};

export const cpuStrategy: Strategy<CpuSettings> = (ctx, draft, settings) => {
  const containers = draft.containers.map((c) =>
    sizeCpu(c, settings, draft, ctx, peakShare(c, draft, settings, ctx)),
  );
  const changed = containers.some(
    (c, i) =>
      c.proposed.cpuRequest !== draft.containers[i]?.proposed.cpuRequest ||
      c.proposed.cpuLimit !== draft.containers[i]?.proposed.cpuLimit,
  );
  // An HPA's CPU target is a share of the request: a smaller request makes it scale out sooner.
  const hpaNote =
    changed && draft.replicas?.field === "hpa.minReplicas"
      ? [
          "CPU: the HPA's utilization target is relative to the request; expect more replicas at the same load",
        ]
      : [];
  return {
    ...draft,
    containers,
    notes: [...draft.notes, ...hpaNote],
    appliedTypes: changed ? withApplied(draft, "CPU") : draft.appliedTypes,
  };
};

/**
 * How the sized figure came about, in the terms of the evidence table (which shows per-pod
 * statistics): "p95 481m", or "per-pod p95 16m x 6 -> 1 replicas (6.00x load per pod)".
 */
function sizedFrom(perPod: number, s: CpuSettings, draft: Proposal): string {
  const { loadFactor, replicas } = draft;
  if (loadFactor === 1) return `${s.percentile} ${formatCpu(perPod)}`;
  const counts = replicas ? ` x ${replicas.current} -> ${replicas.proposed} replicas` : "";
  return `per-pod ${s.percentile} ${formatCpu(perPod)}${counts} (${loadFactor.toFixed(2)}x load per pod)`;
}

/**
 * This container's part of the highest daily peak per pod (at the proposed count), when the
 * percentile misses it: the pod's peak split in proportion to each container's percentile.
 */
function peakShare(
  c: ContainerRecommendation,
  draft: Proposal,
  s: CpuSettings,
  ctx: StrategyContext,
): { millicores: number; name: string } | undefined {
  if (!s.coverDailyPeaks || !c.evidence) return undefined;
  const top = [...ctx.peaks].sort((a, b) => b.perPodCpu - a.perPodCpu)[0];
  if (!top) return undefined;
  const total = draft.containers.reduce((sum, x) => sum + (x.evidence?.cpu[s.percentile] ?? 0), 0);
  const share = total > 0 ? c.evidence.cpu[s.percentile] / total : 1 / draft.containers.length;
  return { millicores: top.perPodCpu * draft.loadFactor * share, name: describePeak(top) };
}

function sizeCpu(
  c: ContainerRecommendation,
  s: CpuSettings,
  draft: Proposal,
  ctx: StrategyContext,
  peak: { millicores: number; name: string } | undefined,
): ContainerRecommendation {
  if (!c.evidence) return { ...c, notes: [...c.notes, "no CPU usage data: CPU left unchanged"] };
  const { loadFactor } = draft;
  const notes = [...c.notes];
  const perPod = c.evidence.cpu[s.percentile];
  const growth = growthFactor(c.evidence.trends?.cpu, ctx.horizonDays);
  let used = perPod * loadFactor * growth;
  if (peak && peak.millicores * growth > used) {
    used = peak.millicores * growth;
    notes.push(
      `CPU request covers the ${peak.name} (${formatCpu(Math.round(used))}), above the ${s.percentile}`,
    );
  }
  let request = roundCpuUp(used * (1 + s.marginPercent / 100), s.roundingSteps);
  if (request < s.floorMillicores) {
    request = s.floorMillicores;
    notes.push(`CPU request at the floor ${formatCpu(s.floorMillicores)}`);
  } else {
    const grown =
      growth > 1
        ? ` x ${growth.toFixed(2)} (CPU growing ${Math.round((growth - 1) * 100)}% by the horizon)`
        : "";
    notes.push(
      `CPU request ${formatCpu(request)} = ${sizedFrom(perPod, s, draft)}${grown} + ${s.marginPercent}%, rounded up`,
    );
  }
  const limit = proposeLimit(c, request, s, c.evidence.cpu.max * loadFactor * growth, notes);
  return { ...c, proposed: { ...c.proposed, cpuRequest: request, cpuLimit: limit }, notes };
}

function proposeLimit(
  c: ContainerRecommendation,
  request: number,
  s: CpuSettings,
  observedMax: number,
  notes: string[],
): number | undefined {
  const { cpuRequest: oldRequest, cpuLimit: oldLimit } = c.current;
  if (oldLimit === undefined) return undefined;
  let limit = oldLimit;
  if (s.limitPolicy === "proportional" && oldRequest !== undefined && oldRequest > 0) {
    limit = roundCpuUp(request * (oldLimit / oldRequest));
    notes.push(`CPU limit kept in proportion (${(oldLimit / oldRequest).toFixed(2)}x the request)`);
  }
  // Kubernetes rejects a limit below the request.
  if (limit < request) {
    limit = request;
    notes.push("CPU limit raised to the request (a limit below the request is invalid)");
  }
  if (limit < observedMax)
    notes.push(
      `flag: CPU limit ${formatCpu(limit)} is below the observed max ${formatCpu(observedMax)}; expect throttling at peaks`,
    );
  return limit;
}
