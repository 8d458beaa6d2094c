// Whether each container's usage held still over the window: growth or decline and step
// changes from the per-day statistics, detected once per recommendation and attached to the
// container's evidence, so sizing, confidence, risk and the PR all read the same finding.

import type { WorkloadUsage } from "../metrics/types.js";
import type { Proposal } from "./strategies/types.js";
import type { ContainerTrends } from "./types.js";

export type { ContainerTrends };

import { detectStep, detectTrend, type Trend, type TrendSettings } from "./trend.js";

/** The base proposal with each container's trends in its evidence. */
export function withTrends(
  base: Proposal,
  usage: WorkloadUsage,
  horizonDays: number,
  s: TrendSettings,
  containerMapping: Record<string, string> = {},
): Proposal {
  const containers = base.containers.map((c) => {
    if (!c.evidence) return c;
    const used = usage.containers.find((u) => (containerMapping[u.container] ?? u.container) === c.name);
    const daily = used?.daily;
    if (!daily) return c;
    const trends: ContainerTrends = {};
    const cpu = detectTrend(daily, "cpuMean", horizonDays, s);
    const memory = detectTrend(daily, "memoryMax", horizonDays, s);
    if (cpu) trends.cpu = cpu;
    else trends.cpuStep = detectStep(daily, "cpuMean", s);
    if (memory) trends.memory = memory;
    else trends.memoryStep = detectStep(daily, "memoryMax", s);
    for (const k of Object.keys(trends) as (keyof ContainerTrends)[]) if (!trends[k]) delete trends[k];
    return { ...c, evidence: { ...c.evidence, trends } };
  });
  return { ...base, containers };
}

/** The growth a trend adds until the horizon, as a factor >= 1 (never projected downward). */
export function growthFactor(t: Trend | undefined, horizonDays: number): number {
  if (!t || t.slopePerDay <= 0) return 1;
  // The last complete day ends now; its level is where the horizon starts.
  return (t.level + t.slopePerDay * horizonDays) / t.level;
}
