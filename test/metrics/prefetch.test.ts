import { describe, expect, it } from "vitest";
import { prefetchedUsage } from "../../src/metrics/prefetch.js";
import type { TimeWindow, UsageSource, WorkloadRef, WorkloadUsage } from "../../src/metrics/types.js";
import { workloadKey } from "../../src/metrics/types.js";

const ref = (name: string): WorkloadRef => ({ namespace: "shop", kind: "Deployment", name });

/** A source that records each read and answers with an empty usage per workload. */
function recordingSource() {
  const reads: { names: string[]; window: TimeWindow }[] = [];
  const source: UsageSource = {
    description: "recording",
    async usage(workloads, window) {
      reads.push({ names: workloads.map((w) => w.name), window });
      return new Map(
        workloads.map((w) => [workloadKey(w), { workload: w, window } as unknown as WorkloadUsage]),
      );
    },
  };
  return { source, reads };
}

describe("prefetchedUsage", () => {
  const now = new Date("2026-01-19T00:00:00Z");
  const end = now.getTime() / 1000;

  it("reads once per distinct window for every planned workload and answers each caller with its own", async () => {
    const { source, reads } = recordingSource();
    const usage = prefetchedUsage(
      source,
      [
        { workload: ref("a"), seconds: 7 * 86400 },
        { workload: ref("b"), seconds: 7 * 86400 },
        { workload: ref("c"), seconds: 14 * 86400 },
      ],
      now,
    );
    const week = { start: end - 7 * 86400, end };
    const [a, b] = await Promise.all([usage.usage([ref("a")], week), usage.usage([ref("b")], week)]);
    const c = await usage.usage([ref("c")], { start: end - 14 * 86400, end });
    expect(reads.map((r) => r.names)).toEqual([["a", "b"], ["c"]]);
    expect([...a.keys()]).toEqual(["shop/Deployment/a"]);
    expect([...b.keys()]).toEqual(["shop/Deployment/b"]);
    expect([...c.keys()]).toEqual(["shop/Deployment/c"]);
  });

  it("passes an unplanned window straight to the source", async () => {
    const { source, reads } = recordingSource();
    const usage = prefetchedUsage(source, [{ workload: ref("a"), seconds: 86400 }], now);
    await usage.usage([ref("a")], { start: end - 3600, end });
    await usage.usage([ref("a")], { start: end - 3600, end });
    expect(reads).toHaveLength(2);
  });
});
