// What a strategy sees and returns. A strategy transforms a draft proposal, so ALL can run
// several in sequence on the same draft and the results compose instead of stacking.

import type { CostOptimizationSpec, OptimizationType } from "../../api/types.js";
import type { WorkloadUsage } from "../../metrics/types.js";
import type { PeriodicPeak } from "../peaks.js";
import type {
  ContainerRecommendation,
  PlacementChange,
  PriceList,
  ReplicaChange,
  ScheduledScalingChange,
  WorkloadState,
} from "../types.js";

export interface StrategyContext {
  workload: WorkloadState;
  usage: WorkloadUsage;
  spec: CostOptimizationSpec;
  /** Days the recommendation must hold (horizon.ts): growth is projected this far. */
  horizonDays: number;
  /** Daily peaks of the workload's CPU (peaks.ts). */
  peaks: PeriodicPeak[];
  /** The workload's prices, so ALL can compare replica counts by cost. */
  prices: PriceList;
}

export interface Proposal {
  containers: ContainerRecommendation[];
  replicas?: ReplicaChange;
  placement?: PlacementChange;
  scheduledScaling?: ScheduledScalingChange;
  appliedTypes: OptimizationType[];
  notes: string[];
  /**
   * current / proposed replicas when replicas were consolidated before requests were sized
   * (ALL): the same load spread over fewer pods puts more CPU on each. 1 otherwise.
   */
  loadFactor: number;
}

export type Strategy<S> = (ctx: StrategyContext, draft: Proposal, settings: S) => Proposal;

export function withApplied(draft: Proposal, type: OptimizationType): OptimizationType[] {
  return draft.appliedTypes.includes(type) ? draft.appliedTypes : [...draft.appliedTypes, type];
}
