// SCHEDULED_SCALING: find hours of the week that are reliably quiet (nights, weekends) and
// propose a KEDA ScaledObject that runs fewer pods then. KEDA cron triggers can only raise
// the count, so the ScaledObject's minReplicaCount is the quiet-hours count and one cron
// trigger per busy window brings the workload back to its baseline.

import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../../api/types.js";
import { effectiveCpu } from "../cost.js";
import { replicaFloor } from "../pdb.js";
import { describePeak } from "../peaks.js";
import { HOURS_PER_WEEK } from "../profile.js";
import type { LowWindow, ScheduledScalingChange } from "../types.js";
import { type Proposal, type Strategy, withApplied } from "./types.js";

export interface ScheduledScalingSettings {
  /** An hour is quiet when its total CPU is at most this share of the busiest hour's. Default 0.3. */
  lowShare: number;
  /** Shortest quiet stretch worth a schedule, hours. Default 4 (shorter ones flap). */
  minWindowHours: number;
  /** History the profile must span so every hour of the week was seen, days. Default 7. */
  minHistoryDays: number;
  /** Share of the per-replica request the quiet hours may use. Default 0.7. */
  targetUtilization: number;
  /** Fewest replicas in quiet hours. Default 1 (the policy's spec.minReplicas and the 2-replica rule apply on top, see replicaFloor). */
  minReplicas: number;
  /** Hours a busy stretch is kept after its load drops, so nothing scales in while a peak (a batch running late) has not ended. Default 1. */
  padAfterHours: number;
  /** Hours the baseline returns before a busy stretch. Default 0: the cron trigger scales out on the hour and pods start within minutes. */
  padBeforeHours: number;
  /** Time zone written into the cron triggers; the profile is UTC. Default "Etc/UTC". */
  timezone: string;
}

export const DEFAULT_SCHEDULED_SCALING_SETTINGS: ScheduledScalingSettings = {
  lowShare: 0.3,
  minWindowHours: 4,
  minHistoryDays: 7,
  targetUtilization: 0.7,
  minReplicas: 1,
  padAfterHours: 1,
  padBeforeHours: 0,
  timezone: "Etc/UTC",
};

interface Run {
  start: number;
  length: number;
}

export const scheduledScalingStrategy: Strategy<ScheduledScalingSettings> = (ctx, draft, s) => {
  const skip = (why: string): Proposal => ({
    ...draft,
    notes: [...draft.notes, `scheduled scaling: ${why}`],
  });
  const { workload, usage } = ctx;
  if (workload.ref.kind !== "Deployment") return skip(`not proposed for a ${workload.ref.kind}`);
  if (!draft.replicas || draft.replicas.field === "hpa.minReplicas")
    return skip("an HPA already manages replicas; KEDA would add a second autoscaler");
  if (usage.window.end - usage.window.start < s.minHistoryDays * 86400)
    return skip(`needs at least ${s.minHistoryDays} days of history to see every hour of the week`);
  const cpu = usage.profile.cpu;
  if (cpu.length !== HOURS_PER_WEEK || cpu.some((v) => v === null || !Number.isFinite(v)))
    return skip("some hours of the week have no data, so no pattern can be trusted");
  const hourly = cpu as number[];
  const peak = Math.max(...hourly);
  if (peak <= 0) return skip("no CPU usage at all");

  const quiet = quietRuns(hourly, peak * s.lowShare, s.minWindowHours, s.padBeforeHours, s.padAfterHours);
  if (quiet.length === 0) return skip("no stable quiet window (load is flat or quiet hours are too short)");

  const baseline = draft.replicas.proposed;
  const perReplica = draft.containers.reduce((sum, c) => sum + effectiveCpu(c.proposed), 0);
  if (perReplica <= 0) return skip("no CPU request to size replicas against");
  const quietDemand = Math.max(...quiet.flatMap((r) => hoursOf(r).map((h) => hourly[h] as number)));
  const floor = Math.max(
    s.minReplicas,
    replicaFloor(ctx.spec.minReplicas, draft.replicas.current, workload.pdb, true) ?? baseline,
  );
  const low = Math.max(floor, Math.ceil(quietDemand / (perReplica * s.targetUtilization)));
  if (low >= baseline) return skip(`quiet hours still need ${low} of ${baseline} replicas`);

  const windows: LowWindow[] = groupByTimeOfDay(quiet).map((w) => ({ ...w, desiredReplicas: low }));
  const busy = complement(quiet);
  const name = workload.ref.name;
  const scaledObject = {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: {
      name: `${name}-schedule`,
      namespace: workload.ref.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicaCount: low,
      maxReplicaCount: baseline,
      triggers: groupByTimeOfDay(busy).map((w) => ({
        type: "cron",
        metadata: {
          timezone: s.timezone,
          start: cron(w.startHour, w.days),
          end: cron((w.startHour + w.durationHours) % 24, shiftDays(w.days, w.startHour + w.durationHours)),
          desiredReplicas: String(baseline),
        },
      })),
    },
  };
  const quietHours = quiet.reduce((n, r) => n + r.length, 0);
  const padded =
    s.padAfterHours > 0
      ? [
          `scheduled scaling: scale-in waits ${s.padAfterHours} h after the load drops${ctx.peaks[0] ? ` (e.g. after the ${describePeak(ctx.peaks[0])})` : ""}, so nothing scales in while a peak runs late`,
        ]
      : [];
  return {
    ...draft,
    scheduledScaling: {
      fileName: `${name}-scaledobject.yaml`,
      scaledObject,
      windows,
      baselineReplicas: baseline,
    },
    appliedTypes: withApplied(draft, "SCHEDULED_SCALING"),
    notes: [
      ...draft.notes,
      `scheduled scaling: ${low} replica(s) for ${quietHours} quiet hours a week, ${baseline} otherwise`,
      ...padded,
      "scheduled scaling: KEDA will own the replica count; remove spec.replicas from the manifest so Git does not fight it",
    ],
  };
};

/**
 * Maximal cyclic runs of hours at or below `threshold`, at least `minLength` long, after every
 * busy hour has been widened by padBefore hours before it and padAfter hours after it.
 */
function quietRuns(
  hourly: number[],
  threshold: number,
  minLength: number,
  padBefore: number,
  padAfter: number,
): Run[] {
  const busy = hourly.map((v) => v > threshold);
  const quiet = busy.map((_, h) => {
    for (let d = -padAfter; d <= padBefore; d++)
      if (busy[(h + d + HOURS_PER_WEEK) % HOURS_PER_WEEK]) return false;
    return true;
  });
  if (quiet.every(Boolean)) return [];
  // Start scanning right after a busy hour so a run that wraps past Saturday midnight stays whole.
  const offset = (quiet.lastIndexOf(false) + 1) % HOURS_PER_WEEK;
  const runs: Run[] = [];
  let current: Run | undefined;
  for (let i = 0; i < HOURS_PER_WEEK; i++) {
    const h = (offset + i) % HOURS_PER_WEEK;
    if (quiet[h]) {
      if (current) current.length++;
      else current = { start: h, length: 1 };
    } else if (current) {
      runs.push(current);
      current = undefined;
    }
  }
  if (current) runs.push(current);
  return runs.filter((r) => r.length >= minLength).sort((a, b) => a.start - b.start);
}

function hoursOf(r: Run): number[] {
  return Array.from({ length: r.length }, (_, i) => (r.start + i) % HOURS_PER_WEEK);
}

/** The busy runs between the quiet ones. */
function complement(quiet: Run[]): Run[] {
  const runs: Run[] = [];
  quiet.forEach((r, i) => {
    const next = quiet[(i + 1) % quiet.length] as Run;
    const start = (r.start + r.length) % HOURS_PER_WEEK;
    // Quiet runs are maximal, so a busy hour always separates them: length > 0.
    runs.push({ start, length: (next.start - start + HOURS_PER_WEEK) % HOURS_PER_WEEK });
  });
  return runs;
}

/** Runs with the same time of day and length become one window over several days. */
function groupByTimeOfDay(runs: Run[]): Omit<LowWindow, "desiredReplicas">[] {
  const groups = new Map<string, Omit<LowWindow, "desiredReplicas">>();
  for (const r of runs) {
    const startHour = r.start % 24;
    const key = `${startHour}/${r.length}`;
    const day = Math.floor(r.start / 24);
    const g = groups.get(key);
    if (g) g.days.push(day);
    else groups.set(key, { days: [day], startHour, durationHours: r.length });
  }
  return [...groups.values()];
}

function shiftDays(days: number[], hours: number): number[] {
  const shift = Math.floor(hours / 24);
  return days.map((d) => (d + shift) % 7);
}

function cron(hour: number, days: number[]): string {
  return `0 ${hour} * * ${[...new Set(days)].sort((a, b) => a - b).join(",")}`;
}

/** The same schedule with another quiet-hours count (used when a gate steps the change). */
export function withQuietReplicas(change: ScheduledScalingChange, replicas: number): ScheduledScalingChange {
  const spec = change.scaledObject.spec as Record<string, unknown>;
  return {
    ...change,
    windows: change.windows.map((w) => ({ ...w, desiredReplicas: replicas })),
    scaledObject: { ...change.scaledObject, spec: { ...spec, minReplicaCount: replicas } },
  };
}
