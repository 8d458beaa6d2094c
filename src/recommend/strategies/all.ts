// ALL: every applicable type as one coherent change. Replicas and per-pod requests are decided
// together: for each replica count the policy allows (from the floor up to today's count, and
// within maxChangePercent of it), the requests are sized for the load each pod then carries;
// a count whose requests would have to rise by more than maxChangePercent is not an option
// (the stepped request would leave each pod short); of the rest the cheapest wins, ties going
// to more pods. So a chart with `cpu: 1m` keeps its replica count and gets a CPU request,
// instead of 30 pods of 1m. Spot and the schedule come last, judged on the final count.

import { RESOURCE_FIELDS } from "../../api/types.js";
import { podHourlyCost } from "../cost.js";
import { pdbReplicaFloor, replicaFloor } from "../pdb.js";
import { cpuStrategy } from "./cpu.js";
import { memoryStrategy } from "./memory.js";
import { floorReason, replicaStrategy } from "./replicas.js";
import { scheduledScalingStrategy } from "./scheduled-scaling.js";
import type { StrategySettings } from "./settings.js";
import { spotStrategy } from "./spot.js";
import { type Proposal, type Strategy, type StrategyContext, withApplied } from "./types.js";

/** Requests sized for `n` pods carrying today's total load. */
function sizedAt(ctx: StrategyContext, draft: Proposal, s: StrategySettings, n: number): Proposal {
  const current = draft.replicas?.current ?? n;
  let p: Proposal = {
    ...draft,
    replicas: draft.replicas ? { ...draft.replicas, proposed: n } : undefined,
    loadFactor: current / n,
  };
  p = cpuStrategy(ctx, p, s.cpu);
  return memoryStrategy(ctx, p, s.memory);
}

/** Whether some value would have to rise by more than maxChangePercent (stepping would leave it short). */
function needsBiggerStep(p: Proposal, maxChangePercent: number): boolean {
  const share = maxChangePercent / 100;
  return p.containers.some((c) =>
    RESOURCE_FIELDS.some((f) => {
      const from = c.current[f];
      const to = c.proposed[f];
      return from !== undefined && to !== undefined && from > 0 && to > from * (1 + share);
    }),
  );
}

function monthlyCostAt(p: Proposal, ctx: StrategyContext): number {
  return (
    podHourlyCost(
      p.containers.map((c) => c.proposed),
      ctx.prices,
      false,
    ) * (p.replicas?.proposed ?? 1)
  );
}

/** The replica count and requests chosen together (fixed replicas only; an HPA keeps its own logic). */
function jointSizing(ctx: StrategyContext, draft: Proposal, s: StrategySettings): Proposal {
  const replicas = draft.replicas;
  if (replicas?.field !== "spec.replicas" || ctx.workload.ref.kind !== "Deployment") {
    const p = replicaStrategy(ctx, draft, s.replicas);
    return memoryStrategy(ctx, cpuStrategy(ctx, p, s.cpu), s.memory);
  }
  const current = replicas.current;
  const floor = replicaFloor(
    ctx.spec.minReplicas,
    current,
    ctx.workload.pdb,
    s.replicas.pdbKeepOneDisruption,
  );
  if (floor === undefined) {
    const p = sizedAt(ctx, draft, s, current);
    return {
      ...p,
      notes: [...p.notes, "replicas: the PodDisruptionBudget allows no disruption at any size"],
    };
  }
  const share = ctx.spec.maxChangePercent / 100;
  const lowest = Math.max(floor, s.replicas.minReplicas, Math.ceil(current * (1 - share)));
  const highest = Math.max(current, Math.min(lowest, Math.floor(current * (1 + share))));
  let best: { n: number; p: Proposal; cost: number } | undefined;
  const rejected: number[] = [];
  for (let n = Math.min(lowest, highest); n <= highest; n++) {
    const p = sizedAt(ctx, draft, s, n);
    // Today's count is always an option: it consolidates nothing, so stepping cannot leave pods short of today.
    if (n !== current && needsBiggerStep(p, ctx.spec.maxChangePercent)) {
      rejected.push(n);
      continue;
    }
    const cost = monthlyCostAt(p, ctx);
    if (!best || cost < best.cost - 1e-9 || (Math.abs(cost - best.cost) <= 1e-9 && n > best.n))
      best = { n, p, cost };
  }
  const chosen = best ?? { n: current, p: sizedAt(ctx, draft, s, current), cost: 0 };
  const notes: string[] = [];
  if (chosen.n !== current)
    notes.push(
      `replicas: ${current} -> ${chosen.n}, sized together with the requests (the cheapest count from ${Math.min(lowest, highest)} to ${highest} whose requests stay within maxChangePercent)`,
    );
  else
    notes.push(
      `replicas: ${current} kept; no other count from ${Math.min(lowest, highest)} to ${highest} costs less`,
    );
  if (chosen.n === floor && floor > Math.ceil(current * (1 - share)) && floor < current)
    notes.push(
      `replicas: not below ${floor} (${floorReason(ctx, floor, pdbReplicaFloor(ctx.workload.pdb, s.replicas.pdbKeepOneDisruption) ?? floor)})`,
    );
  if (rejected.length > 0)
    notes.push(
      `replicas: ${rejected.join(", ")} not proposed: each pod's request would have to rise by more than maxChangePercent ${ctx.spec.maxChangePercent}`,
    );
  return {
    ...chosen.p,
    notes: [...chosen.p.notes, ...notes],
    appliedTypes: chosen.n !== current ? withApplied(chosen.p, "REPLICAS") : chosen.p.appliedTypes,
  };
}

export const allStrategy: Strategy<StrategySettings> = (ctx, draft, s) => {
  let p = jointSizing(ctx, draft, s);
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
