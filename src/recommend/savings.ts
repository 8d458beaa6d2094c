// Totals across recommendations. Several policies may target one workload (CPU, then ALL...):
// their savings are alternatives on the same pods, not additions, so a total counts each
// workload once, at the largest saving any of its recommendations offers.

import { workloadKey } from "../metrics/types.js";
import { roundUsd } from "./cost.js";
import type { Recommendation } from "./types.js";

export interface SavingsTotal {
  /** USD per month, each workload counted once. */
  monthlySavings: number;
  workloads: number;
  /** Recommendations left out because another for the same workload saves more. */
  overlapping: number;
}

export function savingsByWorkload(
  recs: readonly Pick<Recommendation, "target" | "monthlySavings">[],
): SavingsTotal {
  const best = new Map<string, number>();
  for (const r of recs) {
    const key = workloadKey(r.target);
    best.set(key, Math.max(best.get(key) ?? Number.NEGATIVE_INFINITY, r.monthlySavings));
  }
  const total = [...best.values()].reduce((sum, v) => sum + v, 0);
  return { monthlySavings: roundUsd(total), workloads: best.size, overlapping: recs.length - best.size };
}
