// SPOT_INSTANCES: move a workload that tolerates losing pods at short notice onto spot
// capacity, as node affinity plus a toleration. Only when every item of the eligibility
// checklist passes; the checklist is reported either way.

import { allowedDisruptions } from "../pdb.js";
import { describePeak } from "../peaks.js";
import type { EligibilityCheck, Toleration } from "../types.js";
import { type Strategy, type StrategyContext, withApplied } from "./types.js";

export interface SpotSettings {
  /** The node label spot capacity carries. Default Karpenter's karpenter.sh/capacity-type=spot; see SPOT_PRESETS. */
  label: { key: string; value: string };
  /** Added so pods may land on tainted spot nodes; harmless where spot nodes are not tainted. */
  toleration: Toleration;
  /** "required" pins pods to spot (the saving is then real); "preferred" falls back to on-demand. Default "required". */
  affinity: "required" | "preferred";
  /** Fewest replicas that can ride out one spot interruption. Default 2. */
  minReplicas: number;
  /** Treat emptyDir as acceptable scratch space (it is lost with the node). Default false. */
  allowEmptyDir: boolean;
  /** A workload without a PodDisruptionBudget passes. Default false: without one a drain or reclaim may take every pod at once. */
  allowWithoutPdb: boolean;
  /** A workload without pod anti-affinity or topology spread passes. Default false: its pods may share the node that is reclaimed. */
  allowWithoutSpread: boolean;
}

function preset(key: string, value: string): Pick<SpotSettings, "label" | "toleration"> {
  return { label: { key, value }, toleration: { key, operator: "Equal", value, effect: "NoSchedule" } };
}

/** Labels (and the matching taints) that spot nodes carry on common platforms. */
export const SPOT_PRESETS = {
  karpenter: preset("karpenter.sh/capacity-type", "spot"),
  gke: preset("cloud.google.com/gke-spot", "true"),
  eks: preset("eks.amazonaws.com/capacityType", "SPOT"),
  aks: preset("kubernetes.azure.com/scalesetpriority", "spot"),
} as const;

export const DEFAULT_SPOT_SETTINGS: SpotSettings = {
  ...SPOT_PRESETS.karpenter,
  affinity: "required",
  minReplicas: 2,
  allowEmptyDir: false,
  allowWithoutPdb: false,
  allowWithoutSpread: false,
};

export const spotStrategy: Strategy<SpotSettings> = (ctx, draft, s) => {
  if (alreadyOnSpot(ctx, s))
    return {
      ...draft,
      notes: [...draft.notes, `spot: already scheduled on ${s.label.key}=${s.label.value}`],
    };
  const replicas = draft.replicas?.proposed ?? 0;
  const eligibility = checklist(ctx, replicas, s);
  const failed = eligibility.filter((e) => !e.passed);
  if (failed.length > 0)
    return {
      ...draft,
      notes: [...draft.notes, ...failed.map((e) => `spot: not eligible: ${e.detail}`)],
    };
  const expression = { key: s.label.key, operator: "In", values: [s.label.value] };
  const nodeAffinity =
    s.affinity === "required"
      ? {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [expression] }],
          },
        }
      : {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, preference: { matchExpressions: [expression] } },
          ],
        };
  return {
    ...draft,
    placement: { capacityType: "spot", nodeAffinity, tolerations: [s.toleration], eligibility },
    appliedTypes: withApplied(draft, "SPOT_INSTANCES"),
  };
};

function alreadyOnSpot(ctx: StrategyContext, s: SpotSettings): boolean {
  return ctx.workload.nodeSelector?.[s.label.key] === s.label.value;
}

/** A daily peak on a near-idle baseline is a job, not a service; names the peak, or undefined. */
function batchLike(ctx: StrategyContext): string | undefined {
  const peak = ctx.peaks[0];
  if (!peak) return undefined;
  const hours = ctx.peaks.reduce((n, k) => n + k.hours, 0);
  return hours <= 6 ? describePeak(peak) : undefined;
}

function checklist(ctx: StrategyContext, replicas: number, s: SpotSettings): EligibilityCheck[] {
  const w = ctx.workload;
  const check = (name: string, passed: boolean, ok: string, fail: string): EligibilityCheck => ({
    check: name,
    passed,
    detail: passed ? ok : fail,
  });
  const disruptions = allowedDisruptions(w.pdb, replicas);
  const batch = batchLike(ctx);
  const strategy = w.updateStrategy?.type ?? "RollingUpdate";
  const local = [
    w.localState.hostPath && "hostPath",
    w.localState.persistentVolumeClaim && "persistentVolumeClaim",
    w.localState.emptyDir && !s.allowEmptyDir && "emptyDir",
  ].filter((v): v is string => typeof v === "string");
  return [
    check("kind", w.ref.kind === "Deployment", "a Deployment", `a ${w.ref.kind}, not a Deployment`),
    check(
      "replicas",
      replicas >= s.minReplicas,
      `${replicas} replicas`,
      `${replicas} replica(s); at least ${s.minReplicas} are needed to survive an interruption`,
    ),
    check(
      "pdb",
      (w.pdb !== undefined || s.allowWithoutPdb) && disruptions >= 1 && (!w.pdb || disruptions < replicas),
      w.pdb
        ? `the PodDisruptionBudget allows ${disruptions} of ${replicas} pods to be disrupted at once`
        : "no PodDisruptionBudget (allowed by allowWithoutPdb)",
      !w.pdb
        ? "no PodDisruptionBudget: a drain before a spot reclaim could evict every pod at once"
        : disruptions < 1
          ? `the PodDisruptionBudget allows no disruption at ${replicas} replicas, so spot nodes could not be drained`
          : `the PodDisruptionBudget allows all ${replicas} pods to be disrupted at once`,
    ),
    check(
      "spread",
      s.allowWithoutSpread || w.spread?.podAntiAffinity === true || w.spread?.topologySpread === true,
      w.spread?.topologySpread
        ? "topologySpreadConstraints spread the pods"
        : w.spread?.podAntiAffinity
          ? "pod anti-affinity spreads the pods"
          : "no spreading (allowed by allowWithoutSpread)",
      w.spread
        ? "no pod anti-affinity or topologySpreadConstraints: one reclaimed node could take several pods at once"
        : "pod spreading unknown: the pod template is not in the repository (a chart renders it); set allowWithoutSpread to accept",
    ),
    check(
      "batch",
      batch === undefined,
      "steady service load, not a batch",
      `batch-like load (${batch}): a run interrupted by a reclaim starts over`,
    ),
    check(
      "updateStrategy",
      strategy === "RollingUpdate",
      "rolling update replaces pods one at a time",
      `update strategy ${strategy} takes every pod down at once`,
    ),
    check(
      "localState",
      local.length === 0,
      "no node-local state",
      `volumes ${local.join(", ")} tie pods to a node or to data`,
    ),
  ];
}
