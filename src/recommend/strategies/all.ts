// ALL: every applicable type as one coherent change. Replicas are settled first against the
// current requests; requests are then sized for the per-pod load at that count (the draft's
// loadFactor), so the total CPU reserved covers demand once instead of both cuts stacking.
// Spot and the schedule come last, as they depend on the final replica count and requests.

import { cpuStrategy } from "./cpu.js";
import { memoryStrategy } from "./memory.js";
import { replicaStrategy } from "./replicas.js";
import { scheduledScalingStrategy } from "./scheduled-scaling.js";
import type { StrategySettings } from "./settings.js";
import { spotStrategy } from "./spot.js";
import type { Strategy } from "./types.js";

export const allStrategy: Strategy<StrategySettings> = (ctx, draft, s) => {
  let p = replicaStrategy(ctx, draft, s.replicas);
  p = cpuStrategy(ctx, p, s.cpu);
  p = memoryStrategy(ctx, p, s.memory);
  if (p.loadFactor > 1)
    p = {
      ...p,
      notes: [
        ...p.notes,
        "memory is sized on the observed per-pod peak; with more load per pod it may grow (watch the first days)",
      ],
    };
  p = spotStrategy(ctx, p, s.spot);
  // On spot, quiet hours must still survive an interruption.
  const quietFloor = p.placement ? Math.max(s.scheduledScaling.minReplicas, s.spot.minReplicas) : undefined;
  return scheduledScalingStrategy(ctx, p, {
    ...s.scheduledScaling,
    minReplicas: quietFloor ?? s.scheduledScaling.minReplicas,
  });
};
