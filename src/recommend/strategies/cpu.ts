// CPU: the request covers a high percentile of observed usage plus a margin.
// No CPU limit is ever added (limits throttle; most clusters should not have them); an
// existing limit is kept in proportion to the request, and flagged when that proportional
// limit would sit below the observed maximum.

import { formatCpu } from "../../api/quantity.js";
import type { CpuStats } from "../../metrics/types.js";
import { roundCpuUp } from "../rounding.js";
import { growthFactor } from "../stationarity.js";
import type { ContainerRecommendation } from "../types.js";
import { type Proposal, type Strategy, withApplied } from "./types.js";

export interface CpuSettings {
  /** The usage statistic the request must cover. Default "p95": brief bursts above it are absorbed by the node's slack, as CPU is compressible. */
  percentile: keyof CpuStats;
  /** Headroom added on top of that statistic, percent. Default 10. */
  marginPercent: number;
  /** Smallest request ever proposed, millicores. Default 10 (10m). */
  floorMillicores: number;
  /** An existing limit: "proportional" keeps limit/request as it was (default); "keep" leaves the limit as written. */
  limitPolicy: "proportional" | "keep";
}

export const DEFAULT_CPU_SETTINGS: CpuSettings = {
  percentile: "p95",
  marginPercent: 10,
  floorMillicores: 10,
  limitPolicy: "proportional",
};

export const cpuStrategy: Strategy<CpuSettings> = (ctx, draft, settings) => {
  const containers = draft.containers.map((c) => sizeCpu(c, settings, draft, ctx.horizonDays));
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

function sizeCpu(
  c: ContainerRecommendation,
  s: CpuSettings,
  draft: Proposal,
  horizonDays: number,
): ContainerRecommendation {
  if (!c.evidence) return { ...c, notes: [...c.notes, "no CPU usage data: CPU left unchanged"] };
  const { loadFactor } = draft;
  const notes = [...c.notes];
  const perPod = c.evidence.cpu[s.percentile];
  const growth = growthFactor(c.evidence.trends?.cpu, horizonDays);
  const used = perPod * loadFactor * growth;
  let request = roundCpuUp(used * (1 + s.marginPercent / 100));
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
