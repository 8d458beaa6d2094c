// REPLICAS: enough pods that the busiest hour's total CPU sits at a target utilization of the
// per-replica request. For an HPA-managed workload the HPA owns spec.replicas, so the proposal
// is for its minReplicas and is sized on the quietest hour (the HPA adds pods above it).

import { formatCpu } from "../../api/quantity.js";
import { effectiveCpu } from "../cost.js";
import { pdbReplicaFloor, replicaFloor } from "../pdb.js";
import { peakCpu, troughCpu } from "../profile.js";
import { type Proposal, type Strategy, type StrategyContext, withApplied } from "./types.js";

export interface ReplicaSettings {
  /** Share of the per-replica CPU request the busiest hour may use. Default 0.7 (room for bursts within the hour and for a pod to go away). */
  targetUtilization: number;
  /** Never fewer replicas than this, whatever the policy says. Default 1 (the policy's spec.minReplicas and the 2-replica rule apply on top, see replicaFloor). */
  minReplicas: number;
  /** Keep enough replicas that the PDB still lets a node drain evict one pod. Default true. */
  pdbKeepOneDisruption: boolean;
  /** Propose replica changes for a StatefulSet (each replica owns its data). Default false. */
  allowStatefulSet: boolean;
}

export const DEFAULT_REPLICA_SETTINGS: ReplicaSettings = {
  targetUtilization: 0.7,
  minReplicas: 1,
  pdbKeepOneDisruption: true,
  allowStatefulSet: false,
};

export const replicaStrategy: Strategy<ReplicaSettings> = (ctx, draft, s) => {
  const current = draft.replicas;
  const note = (text: string): Proposal => ({ ...draft, notes: [...draft.notes, text] });
  if (ctx.workload.ref.kind === "CronJob")
    return note("replicas: a CronJob runs its pods per scheduled Job; nothing to size");
  if (!current || ctx.workload.ref.kind === "DaemonSet")
    return note("replicas: a DaemonSet runs one pod per node; nothing to size");
  if (ctx.workload.ref.kind === "StatefulSet" && !s.allowStatefulSet)
    return note("replicas: left alone on a StatefulSet (each replica owns its data)");
  const perReplica = draft.containers.reduce((sum, c) => sum + effectiveCpu(c.current), 0);
  if (perReplica <= 0) return note("replicas: no CPU request to size replicas against");

  const hpa = current.field === "hpa.minReplicas";
  // Fixed replicas must carry the busiest hour; an HPA's minimum only the quietest (it adds pods above).
  const demand = hpa ? troughCpu(ctx.usage.profile) : peakCpu(ctx.usage.profile);
  if (demand === undefined) return note("replicas: no hourly usage profile");
  const label = hpa ? "quietest hour's total CPU" : "busiest hour's total CPU";

  const needed = Math.ceil(demand / (perReplica * s.targetUtilization));
  const pdbFloor = pdbReplicaFloor(ctx.workload.pdb, s.pdbKeepOneDisruption);
  const floor = replicaFloor(ctx.spec.minReplicas, current.current, ctx.workload.pdb, s.pdbKeepOneDisruption);
  if (floor === undefined || pdbFloor === undefined)
    return note("replicas: the PodDisruptionBudget allows no disruption at any size");
  const least = Math.max(s.minReplicas, floor);
  let proposed = Math.max(needed, least);
  const notes = [
    `replicas: ${label} ${formatCpu(demand)} / (${formatCpu(perReplica)} per replica x ${s.targetUtilization}) = ${needed}`,
  ];
  if (least > needed) notes.push(`replicas: raised to ${least} (${floorReason(ctx, least, pdbFloor)})`);
  const hpaMax = ctx.workload.hpa?.maxReplicas ?? ctx.usage.hpa?.maxReplicas;
  if (hpa && hpaMax !== undefined && proposed > hpaMax) {
    proposed = hpaMax;
    notes.push(`replicas: capped at the HPA's maxReplicas ${hpaMax}`);
  }
  return {
    ...draft,
    replicas: { ...current, proposed },
    notes: [...draft.notes, ...notes],
    appliedTypes: proposed !== current.current ? withApplied(draft, "REPLICAS") : draft.appliedTypes,
    // With a fixed count, the same total load spreads over the new number of pods.
    loadFactor: hpa ? 1 : current.current / proposed,
  };
};

/** Why the floor is what it is, in the words of the setting that set it. */
export function floorReason(ctx: StrategyContext, floor: number, pdbFloor: number): string {
  if (ctx.workload.pdb && pdbFloor === floor) return "PodDisruptionBudget";
  if (ctx.spec.minReplicas !== undefined) return `spec.minReplicas ${ctx.spec.minReplicas}`;
  if (floor === 2) return "at least 2 for a workload running 2 or more; set spec.minReplicas to allow 1";
  return "minimum";
}
