// One strategy per optimization type.

import type { OptimizationType } from "../../api/types.js";
import { allStrategy } from "./all.js";
import { cpuStrategy } from "./cpu.js";
import { memoryStrategy } from "./memory.js";
import { replicaStrategy } from "./replicas.js";
import { scheduledScalingStrategy } from "./scheduled-scaling.js";
import type { StrategySettings } from "./settings.js";
import { spotStrategy } from "./spot.js";
import type { Proposal, StrategyContext } from "./types.js";

export function runStrategy(
  type: OptimizationType,
  ctx: StrategyContext,
  draft: Proposal,
  s: StrategySettings,
): Proposal {
  switch (type) {
    case "CPU":
      return cpuStrategy(ctx, draft, s.cpu);
    case "MEMORY":
      return memoryStrategy(ctx, draft, s.memory);
    case "REPLICAS":
      return replicaStrategy(ctx, draft, s.replicas);
    case "SPOT_INSTANCES":
      return spotStrategy(ctx, draft, s.spot);
    case "SCHEDULED_SCALING":
      return scheduledScalingStrategy(ctx, draft, s.scheduledScaling);
    case "ALL":
      return allStrategy(ctx, draft, s);
  }
}
