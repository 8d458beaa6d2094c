// Usage for a pass over many policies. Each policy asks for its own workload and window; read
// naively, a metrics file would be scanned (or Prometheus queried) once per policy. The pass
// instead reads once per distinct window, for every workload that wants that window.

import { parseWindow } from "../api/duration.js";
import { policyTarget } from "../api/target.js";
import type { CostOptimization } from "../api/types.js";
import { type PlannedRead, prefetchedUsage } from "../metrics/prefetch.js";
import type { UsageSource } from "../metrics/types.js";

/** Every policy's workload and window; a policy with an invalid window is left to fail on its own. */
export function plannedReads(policies: readonly CostOptimization[]): PlannedRead[] {
  return policies.flatMap((p) => {
    const seconds = parseWindow(p.spec.metricsWindow);
    return seconds ? [{ workload: policyTarget(p), seconds }] : [];
  });
}

/** `source`, read once per distinct window for all `policies`, evaluated as of `now`. */
export function usageForPass(
  source: UsageSource,
  policies: readonly CostOptimization[],
  now: Date,
): UsageSource {
  return prefetchedUsage(source, plannedReads(policies), now);
}
