// How many pods a month is really paid for, before and after a proposal. Fixed replicas are
// what they say; an HPA never drops below minReplicas but otherwise follows load (the
// profile's pod count); a schedule alternates between its quiet and busy counts.

import type { WorkloadUsage } from "../metrics/types.js";
import type { CostInputs } from "./cost.js";
import { HOURS_PER_WEEK, meanReplicas, present } from "./profile.js";
import type { Proposal } from "./strategies/types.js";
import type { WorkloadState } from "./types.js";

export function costInputs(
  workload: WorkloadState,
  usage: WorkloadUsage | undefined,
  proposal: Proposal,
  spotLabel: { key: string; value: string },
): CostInputs {
  const onSpot = workload.nodeSelector?.[spotLabel.key] === spotLabel.value;
  return {
    current: {
      containers: proposal.containers.map((c) => c.current),
      replicas: averageReplicas(proposal, usage, "current"),
      spot: onSpot,
    },
    proposed: {
      containers: proposal.containers.map((c) => c.proposed),
      replicas: averageReplicas(proposal, usage, "proposed"),
      spot: onSpot || proposal.placement !== undefined,
    },
  };
}

function averageReplicas(
  p: Proposal,
  usage: WorkloadUsage | undefined,
  which: "current" | "proposed",
): number {
  const observed = usage ? present(usage.profile.replicas) : [];
  // A DaemonSet runs one pod per node: what was observed is the best count there is.
  if (!p.replicas) return (usage && meanReplicas(usage.profile)) ?? 1;
  if (which === "proposed" && p.scheduledScaling) {
    const quiet = p.scheduledScaling.windows.reduce((n, w) => n + w.durationHours * w.days.length, 0);
    const low = p.scheduledScaling.windows[0]?.desiredReplicas ?? p.scheduledScaling.baselineReplicas;
    return (low * quiet + p.scheduledScaling.baselineReplicas * (HOURS_PER_WEEK - quiet)) / HOURS_PER_WEEK;
  }
  const count = p.replicas[which];
  if (p.replicas.field === "hpa.minReplicas" && observed.length > 0)
    return observed.reduce((sum, r) => sum + Math.max(count, r), 0) / observed.length;
  return count;
}
