// MEMORY: request = limit from the peak working set plus a buffer. Memory is not compressible:
// a pod over its limit is OOM-killed, so the peak (not a percentile) is what must fit, and the
// request equals the limit so the scheduler reserves what the pod may really use. A working
// set that grows steadily (a leak, a cache) is projected to the horizon: the past peak is
// what it needed, not what it will need. A limit is only added where none is written when
// the policy asks for it (spec.addMemoryLimit): adding one changes how the pod fails.

import { measuredMemory, memorySetting } from "../../api/quantity.js";
import { MEMORY_ROUNDING_FINE, roundMemoryUp } from "../rounding.js";
import type { ContainerEvidence, ContainerRecommendation } from "../types.js";
import { type Strategy, type StrategyContext, withApplied } from "./types.js";

const MI = 2 ** 20;

export interface MemorySettings {
  /** Buffer on top of the peak working set, percent. Default 15 (KRR's). */
  bufferPercent: number;
  /** The buffer for a tight, stationary working set (peak within tightRatio of p95, no trend, no OOM kill). Default 10: few unseen peaks to cover. */
  tightBufferPercent: number;
  tightRatio: number;

  /** After an OOM kill the value is at least used + this many bytes. Default 100Mi. */
  oomMinExtraBytes: number;
  /** ...and at least used x this factor. Default 1.2. */
  oomMultiplier: number;
  /** Smallest value ever proposed, bytes. Default 100Mi. */
  floorBytes: number;
  /** Set an existing limit equal to the request (default true). When false an existing limit is only raised if needed. */
  limitEqualsRequest: boolean;
  /** [bound, step] pairs: values below bound round up to a multiple of step. Default MEMORY_ROUNDING_FINE (rounding.ts). */
  roundingSteps: [number, number][];
}

export const DEFAULT_MEMORY_SETTINGS: MemorySettings = {
  bufferPercent: 15,
  tightBufferPercent: 10,
  tightRatio: 1.15,
  oomMinExtraBytes: 100 * MI,
  oomMultiplier: 1.2,
  floorBytes: 100 * MI,
  limitEqualsRequest: true,
  roundingSteps: MEMORY_ROUNDING_FINE,
};

export const memoryStrategy: Strategy<MemorySettings> = (ctx, draft, settings) => {
  const containers = draft.containers.map((c) => sizeMemory(c, settings, ctx));
  const changed = containers.some(
    (c, i) =>
      c.proposed.memoryRequest !== draft.containers[i]?.proposed.memoryRequest ||
      c.proposed.memoryLimit !== draft.containers[i]?.proposed.memoryLimit,
  );
  return { ...draft, containers, appliedTypes: changed ? withApplied(draft, "MEMORY") : draft.appliedTypes };
};

/** How much to add on top of the peak, by how the working set behaved (see MemorySettings). */
function bufferFor(e: ContainerEvidence, s: MemorySettings): { percent: number; why: string } {
  const ratio = e.memory.p95 > 0 ? e.memory.max / e.memory.p95 : 1;
  const steady = !e.trends?.memory && !e.trends?.memoryStep && e.oomKills === 0;
  if (steady && ratio <= s.tightRatio)
    return { percent: s.tightBufferPercent, why: " (steady, peak near p95)" };
  return { percent: s.bufferPercent, why: "" };
}

function sizeMemory(
  c: ContainerRecommendation,
  s: MemorySettings,
  ctx: StrategyContext,
): ContainerRecommendation {
  // A working set of 0 means no memory series, not a container that needs nothing.
  if (!c.evidence || c.evidence.memory.max <= 0)
    return { ...c, notes: [...c.notes, "no memory usage data: memory left unchanged"] };
  const notes = [...c.notes];
  let used = c.evidence.memory.max;
  let reason = `peak ${measuredMemory(used)}`;
  const growth = c.evidence.trends?.memory;
  if (growth && growth.slopePerDay > 0) {
    // The peak so far is today's; the recommendation must hold horizonDays from now.
    const projected = used + growth.slopePerDay * ctx.horizonDays;
    reason = `peak ${measuredMemory(used)} growing ${measuredMemory(growth.slopePerDay)}/day (R² ${growth.r2.toFixed(2)} over ${growth.days} days), projected to ${measuredMemory(projected)} in ${Math.round(ctx.horizonDays)} days`;
    used = projected;
  }
  const buffer = bufferFor(c.evidence, s);
  let value = used * (1 + buffer.percent / 100);
  reason = `${reason} + ${buffer.percent}%${buffer.why}`;
  if (c.evidence.oomKills > 0) {
    // The working set is sampled, and the kill happens at the limit: what the container
    // actually needed was at least the limit it was killed at.
    used = Math.max(used, c.current.memoryLimit ?? 0);
    const oomFloor = Math.max(used + s.oomMinExtraBytes, used * s.oomMultiplier);
    if (oomFloor > value) {
      value = oomFloor;
      reason = `${c.evidence.oomKills} OOM kill(s): max(used + ${memorySetting(s.oomMinExtraBytes)}, used x ${s.oomMultiplier}) with used ${measuredMemory(used)}`;
    }
  }
  let request = roundMemoryUp(value, s.roundingSteps);
  // The floor applies after rounding so it reads as written ("100Mi", not "112Mi").
  if (request < s.floorBytes) {
    request = s.floorBytes;
    notes.push(`memory at the floor ${memorySetting(s.floorBytes)}`);
  } else notes.push(`memory ${memorySetting(request)} from ${reason}, rounded up`);
  let limit = c.current.memoryLimit;
  if (limit === undefined) {
    if (ctx.spec.addMemoryLimit) {
      limit = request;
      notes.push(
        `memory limit ${memorySetting(limit)} added, equal to the request, as the policy asks (spec.addMemoryLimit)`,
      );
    }
  } else if (s.limitEqualsRequest) limit = request;
  else if (limit < request) {
    limit = request;
    notes.push("memory limit raised to the request (a limit below the request is invalid)");
  }
  return { ...c, proposed: { ...c.proposed, memoryRequest: request, memoryLimit: limit }, notes };
}
