// A UsageSource that reads its backing source once per distinct window for every workload it
// will be asked about, then answers from memory. A pass over many policies then costs one read
// (one file scan, or one batch of namespace queries) per window instead of one per policy.

import {
  type TimeWindow,
  type UsageSource,
  type WorkloadRef,
  type WorkloadUsage,
  workloadKey,
} from "./types.js";

export interface PlannedRead {
  workload: WorkloadRef;
  /** How far back from `now` this workload's policy looks, seconds. */
  seconds: number;
}

export function prefetchedUsage(source: UsageSource, planned: PlannedRead[], now: Date): UsageSource {
  const end = Math.floor(now.getTime() / 1000);
  const bySeconds = new Map<number, WorkloadRef[]>();
  for (const p of planned) bySeconds.set(p.seconds, [...(bySeconds.get(p.seconds) ?? []), p.workload]);
  const reads = new Map<string, Promise<Map<string, WorkloadUsage>>>();
  const windowKey = (w: TimeWindow) => `${w.start}-${w.end}`;
  return {
    description: source.description,
    async usage(workloads: WorkloadRef[], window: TimeWindow): Promise<Map<string, WorkloadUsage>> {
      const key = windowKey(window);
      const everyone = bySeconds.get(window.end - window.start);
      // A window nobody planned for (or another end time) goes straight to the source.
      if (window.end !== end || !everyone) return source.usage(workloads, window);
      let read = reads.get(key);
      if (!read) {
        read = source.usage(everyone, window);
        reads.set(key, read);
      }
      const all = await read;
      return new Map(
        workloads.flatMap((w) => {
          const u = all.get(workloadKey(w));
          return u ? [[workloadKey(w), u] as const] : [];
        }),
      );
    },
  };
}
