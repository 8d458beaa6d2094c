// The seam between the reconcile pass and a recommendation engine: the built-in engine and the
// external optimizer's adapter both implement Recommender. Apart from types.ts so the engine's
// settings (which depend on the shared types) are not a dependency of every type.

import type { PolicyRef } from "../api/refs.js";
import type { CostOptimizationSpec } from "../api/types.js";
import type { WorkloadUsage } from "../metrics/types.js";
import type { EngineSettingsOverrides } from "./settings.js";
import type { PricingConfig, Recommendation, WorkloadState } from "./types.js";

export interface RecommendInput {
  policy: PolicyRef;
  spec: CostOptimizationSpec;
  workload: WorkloadState;
  /** Undefined when the source had no data for the workload: the result is notEnoughData. */
  usage: WorkloadUsage | undefined;
  pricing?: PricingConfig;
  /** Injected clock; the core never reads the system time. */
  now: Date;
  /** Overrides of strategy, scoring and gate settings (defaults documented in each module). */
  settings?: EngineSettingsOverrides;
  /** Where the usage came from, for evidence ("prometheus http://...", "file demo.om"). */
  source?: string;
}

/** The built-in engine and the external optimizer client both implement this. */
export interface Recommender {
  readonly name: string;
  recommend(input: RecommendInput): Promise<Recommendation>;
}
