// Incremental usage against a real Prometheus (backfilled by promtool): a sequence of passes that
// each read only the new and the departed samples answers what one full read of the same window
// answers, within the sketch's error; a lost, damaged or outdated checkpoint costs a full read
// that says so, never a different answer.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GenerateOptions, writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { IncrementalUsageSource } from "../../src/metrics/incremental.js";
import { DEFAULT_START, demoOptions } from "../../src/metrics/presets.js";
import { PrometheusUsageSource } from "../../src/metrics/prometheus-source.js";
import { RELATIVE_ACCURACY } from "../../src/metrics/sketch.js";
import type { TimeWindow, WorkloadRef, WorkloadUsage } from "../../src/metrics/types.js";
import { MemoryStore } from "../../src/state/memory.js";
import { RedisStore } from "../../src/state/redis.js";
import { type RunningPrometheus, startPrometheus } from "../support/prometheus.js";
import { type PrivateRedis, startRedis } from "../support/redis-server.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { tempDir } from "./om.js";

const Mi = 2 ** 20;
const DAY = 86_400;
const WINDOW = 2 * DAY;

function dataset(seed: number): GenerateOptions {
  const o = demoOptions(seed);
  o.durationSeconds = WINDOW + DAY;
  o.workloads.push(
    {
      namespace: "demo",
      kind: "StatefulSet",
      name: "postgres",
      replicas: 2,
      shape: "steady",
      oomKillsPerWeek: 20,
      restartsPerWeek: 10,
      memoryGrowthPerDay: 0.05,
      containers: [
        { name: "postgres", cpuMillicores: 400, memoryBytes: 900 * Mi },
        { name: "exporter", cpuMillicores: 20, memoryBytes: 30 * Mi },
      ],
    },
    {
      namespace: "demo",
      kind: "Deployment",
      name: "checkout",
      replicas: 3,
      shape: "diurnal",
      hpa: { minReplicas: 2, maxReplicas: 6 },
      containers: [{ name: "checkout", cpuMillicores: 600, memoryBytes: 500 * Mi }],
    },
    // Its Jobs are renamed below: only kube_job_owner ties their pods to it, no pod name does.
    {
      namespace: "batch",
      kind: "CronJob",
      name: "report",
      replicas: 2,
      shape: "steady",
      containers: [{ name: "report", cpuMillicores: 300, memoryBytes: 400 * Mi }],
    },
  );
  return o;
}

/** Writes the dataset with the CronJob's Jobs named as if made by hand (kubectl create job --from). */
async function writeDataset(file: string, seed: number): Promise<void> {
  await writeOpenMetricsFile(file, dataset(seed));
  const renamed = readFileSync(file, "utf8").replace(/\breport-(\d{8,10})/g, "adhoc-$1");
  if (/pod="report-/.test(renamed)) throw new Error("the CronJob's pods still carry its name");
  writeFileSync(file, renamed);
}

/** Without kube-state-metrics: pods matched by name, no restart series. */
const legacy: GenerateOptions = {
  workloads: [
    {
      namespace: "legacy",
      kind: "Deployment",
      name: "monolith",
      replicas: 2,
      shape: "bursty",
      containers: [{ name: "app", cpuMillicores: 800, memoryBytes: 2048 * Mi }],
    },
  ],
  start: DEFAULT_START,
  durationSeconds: WINDOW + DAY,
  resolutionSeconds: 300,
  seed: 9,
  kubeStateMetrics: false,
};

const refsOf = (...os: GenerateOptions[]): WorkloadRef[] =>
  os.flatMap((o) => o.workloads.map((w) => ({ namespace: w.namespace, kind: w.kind, name: w.name })));

let prom: RunningPrometheus;
let other: RunningPrometheus;
let refs: WorkloadRef[];

beforeAll(async () => {
  const dir = await tempDir();
  const files = [join(dir, "a.om"), join(dir, "legacy.om"), join(dir, "b.om")];
  await writeDataset(files[0] as string, 42);
  await writeOpenMetricsFile(files[1] as string, legacy);
  await writeDataset(files[2] as string, 43);
  refs = refsOf(dataset(42), legacy);
  [prom, other] = await Promise.all([
    startPrometheus({ files: [files[0] as string, files[1] as string] }),
    // The same workloads with other usage: what a Prometheus that lost its data and was refilled holds.
    startPrometheus({ files: [files[2] as string, files[1] as string] }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([prom?.stop(), other?.stop()]);
});

const near = (got: number | undefined, want: number, what: string) =>
  expect(Math.abs((got ?? Number.NaN) - want), what).toBeLessThanOrEqual(
    RELATIVE_ACCURACY * Math.abs(want) + 1e-9,
  );

/** Everything the strategies read, equal within the sketch's error (counts exactly). */
function expectSame(got: Map<string, WorkloadUsage>, want: Map<string, WorkloadUsage>, pass: string): void {
  expect([...got.keys()].sort(), pass).toEqual([...want.keys()].sort());
  for (const [key, w] of want) {
    const g = got.get(key) as WorkloadUsage;
    const what = `${pass} ${key}`;
    expect(g.window, what).toEqual(w.window);
    expect([g.stepSeconds, g.ownership, g.hpa], what).toEqual([w.stepSeconds, w.ownership, w.hpa]);
    expect(
      g.containers.map((c) => c.container),
      what,
    ).toEqual(w.containers.map((c) => c.container));
    for (const wc of w.containers) {
      const gc = g.containers.find((c) => c.container === wc.container);
      const at = `${what} ${wc.container}`;
      for (const s of ["p50", "p90", "p95", "p99", "max"] as const)
        near(gc?.cpu[s], wc.cpu[s], `${at} cpu ${s}`);
      for (const s of ["p95", "max"] as const) near(gc?.memory[s], wc.memory[s], `${at} memory ${s}`);
      expect(
        [gc?.samples, gc?.coverage, gc?.oomKills, gc?.restarts, gc?.firstSample, gc?.lastSample],
        at,
      ).toEqual([wc.samples, wc.coverage, wc.oomKills, wc.restarts, wc.firstSample, wc.lastSample]);
      expect(
        gc?.daily?.map((d) => [d.day, d.cpuCount, d.memoryCount]),
        at,
      ).toEqual(wc.daily?.map((d) => [d.day, d.cpuCount, d.memoryCount]));
      wc.daily?.forEach((d, i) => {
        const gd = gc?.daily?.[i];
        near(gd?.cpuSum, d.cpuSum, `${at} day ${d.day} cpuSum`);
        near(gd?.cpuMax, d.cpuMax, `${at} day ${d.day} cpuMax`);
        near(gd?.memoryMax, d.memoryMax, `${at} day ${d.day} memoryMax`);
      });
    }
    w.profile.cpu.forEach((v, h) => {
      if (v === null) expect(g.profile.cpu[h], `${what} profile ${h}`).toBeNull();
      else near(g.profile.cpu[h] ?? undefined, v, `${what} profile cpu ${h}`);
    });
    expect(g.profile.replicas, what).toEqual(w.profile.replicas);
  }
}

/**
 * Every workload's checkpoint but legacy's failed to match Prometheus (legacy's data is the same
 * file in both servers) and says so.
 */
function expectMismatchOutsideLegacy(got: Map<string, WorkloadUsage>): void {
  const notes = [...got].map(([k, u]) => [k, (u.notes ?? []).some((n) => n.includes("does not match"))]);
  expect(notes).toEqual([...got.keys()].map((k) => [k, !k.startsWith("legacy/")]));
}

const fullNotes = (u: Map<string, WorkloadUsage>) =>
  [...u.values()].map((w) => (w.notes ?? []).find((n) => n.startsWith("usage read in full")));

function windowEnding(end: number): TimeWindow {
  return { start: end - WINDOW, end };
}

describe("incremental usage", () => {
  it("a sequence of passes reads a fraction of the samples and answers what a full read answers", async () => {
    const source = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
    const incremental = new IncrementalUsageSource(source, new MemoryStore());
    const reference = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
    // 30-minute passes, one off the step, one twice at the same time, one crossing hours.
    const first = DEFAULT_START + WINDOW + 3600;
    const ends = [0, 1800, 3600, 5400, 5400 + 420, 5400 + 420, 9000, 16_200, 18_000].map((d) => first + d);
    let fullSamples = 0;
    let steadySamples = 0;
    let aheadSamples = 0;
    const leaving: string[] = [];
    for (const [k, end] of ends.entries()) {
      const before = source.stats.samplesTouched;
      const fullBefore = reference.stats.samplesTouched;
      const got = await incremental.usage(refs, windowEnding(end));
      const want = await reference.usage(refs, windowEnding(end));
      expectSame(got, want, `pass ${k}`);
      // The CronJob's pods are known only through kube_job_owner, in the points leaving too.
      expect(got.get("batch/CronJob/report")?.containers.map((c) => c.samples)).toEqual([
        want.get("batch/CronJob/report")?.containers[0]?.samples ?? -1,
      ]);
      if (k === 0) {
        expect(
          fullNotes(got).every((n) => n?.includes("first pass")),
          "first pass says so",
        ).toBe(true);
        expect(incremental.lastPass.full.size).toBe(1);
      } else {
        expect(
          fullNotes(got).every((n) => n === undefined),
          `pass ${k} is incremental`,
        ).toBe(true);
        expect(incremental.lastPass.incremental).toBe(refs.length);
        const read = source.stats.samplesTouched - before;
        leaving.push(incremental.lastPass.leaving);
        if (incremental.lastPass.leaving === "read") aheadSamples = Math.max(aheadSamples, read);
        else steadySamples = Math.max(steadySamples, read);
      }
      fullSamples = reference.stats.samplesTouched - fullBefore;
    }
    // The first incremental pass reads the points that leave over the next hours too; the passes
    // of those hours take theirs from memory (the same time twice leaves none).
    expect(leaving).toEqual(["read", "held", "held", "held", "none", "held", "held", "held"]);
    // Each pass that holds its leaving points reads a few per cent of a 2-day window; the one
    // that reads ahead, about the 12 hours ahead (a quarter of the window).
    expect(steadySamples).toBeLessThan(0.05 * fullSamples);
    expect(aheadSamples).toBeLessThan(0.3 * fullSamples);
  }, 120_000);

  it("without remote read (range queries at the grid step) the passes answer what a full read answers too", async () => {
    const source = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300, read: "query-range" });
    const incremental = new IncrementalUsageSource(source, new MemoryStore());
    const reference = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
    const first = DEFAULT_START + WINDOW + 3600;
    const leaving: string[] = [];
    for (const end of [0, 1800, 3600, 9000].map((d) => first + d)) {
      const got = await incremental.usage(refs, windowEnding(end));
      expectSame(got, await reference.usage(refs, windowEnding(end)), `query-range pass ending ${end}`);
      leaving.push(incremental.lastPass.leaving);
    }
    expect(source.mode).toBe("query-range");
    expect(leaving).toEqual(["none", "read", "held", "held"]);
  }, 120_000);

  it("a window of another length, a gap longer than the window and a damaged checkpoint each cost a full read that says why", async () => {
    const store = new MemoryStore();
    const source = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
    const incremental = new IncrementalUsageSource(source, store);
    const reference = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
    // The first window starts before the data does.
    const early = DEFAULT_START + DAY / 2;
    await incremental.usage(refs, windowEnding(early));
    const end = early + WINDOW + 3600;
    const gap = await incremental.usage(refs, windowEnding(end));
    expectSame(gap, await reference.usage(refs, windowEnding(end)), "after a gap");
    expect(fullNotes(gap).every((n) => n?.includes("gap"))).toBe(true);

    const shorter = { start: end - DAY, end };
    const changed = await incremental.usage(refs, shorter);
    expectSame(changed, await reference.usage(refs, shorter), "shorter window");
    expect(fullNotes(changed).every((n) => n?.includes("the window changed"))).toBe(true);

    // Damage every checkpoint: flip a byte in the middle.
    const damaged = end + 1800;
    const keys = [
      ...(store as unknown as { checkpoints: Map<string, { value: Buffer }> }).checkpoints.keys(),
    ];
    const values = await store.usageCheckpoints(keys);
    await store.putUsageCheckpoints(
      keys.map((k, i) => {
        const b = Buffer.from(values[i] as Buffer);
        b[b.length >> 1] = (b[b.length >> 1] as number) ^ 0xff;
        return [k, b];
      }),
      3600,
    );
    const fixed = await incremental.usage(refs, windowEnding(damaged));
    expectSame(fixed, await reference.usage(refs, windowEnding(damaged)), "damaged checkpoint");
    expect(fullNotes(fixed).every((n) => n?.includes("unreadable"))).toBe(true);
  }, 120_000);

  it("a Prometheus whose data was replaced does not match the checkpoints: full read, the new data's answer", async () => {
    const store = new MemoryStore();
    const end = DEFAULT_START + WINDOW + 3600;
    const before = new IncrementalUsageSource(
      new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 }),
      store,
      "prometheus",
    );
    await before.usage(refs, windowEnding(end));
    // The same name, other data (lost and refilled).
    const after = new IncrementalUsageSource(
      new PrometheusUsageSource({ url: other.url, resolutionSeconds: 300 }),
      store,
      "prometheus",
    );
    const got = await after.usage(refs, windowEnding(end + 1800));
    const want = await new PrometheusUsageSource({ url: other.url, resolutionSeconds: 300 }).usage(
      refs,
      windowEnding(end + 1800),
    );
    expectSame(got, want, "after the reset");
    // Only the legacy namespace's data (the same file in both) still matches its checkpoint.
    expectMismatchOutsideLegacy(got);
  }, 120_000);

  it("points read ahead are used only while Prometheus keeps its start time: after a restart with other data a pass finds the mismatch", async () => {
    const proxy = await startTcpProxy(Number(new URL(prom.url).port));
    try {
      const incremental = new IncrementalUsageSource(
        new PrometheusUsageSource({ url: proxy.url, resolutionSeconds: 300 }),
        new MemoryStore(),
        "prometheus",
      );
      const end = DEFAULT_START + WINDOW + 3600;
      await incremental.usage(refs, windowEnding(end));
      await incremental.usage(refs, windowEnding(end + 1800));
      expect(incremental.lastPass.leaving).toBe("read");
      await incremental.usage(refs, windowEnding(end + 3600));
      expect(incremental.lastPass.leaving).toBe("held");
      // Restarted behind the same address, with other data.
      proxy.retarget(Number(new URL(other.url).port));
      const got = await incremental.usage(refs, windowEnding(end + 5400));
      expect(incremental.lastPass.leaving).toBe("read");
      const want = await new PrometheusUsageSource({ url: other.url, resolutionSeconds: 300 }).usage(
        refs,
        windowEnding(end + 5400),
      );
      expectSame(got, want, "after the restart");
      expectMismatchOutsideLegacy(got);
    } finally {
      await proxy.down();
    }
  }, 120_000);

  it("a checkpoint another process wrote since is the one a pass slides, not the copy this process holds", async () => {
    const store = new MemoryStore();
    const end = DEFAULT_START + WINDOW + 3600;
    const mine = new IncrementalUsageSource(
      new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 }),
      store,
      "prometheus",
    );
    await mine.usage(refs, windowEnding(end));
    await mine.usage(refs, windowEnding(end + 1800));
    expect(mine.lastPass.incremental).toBe(refs.length);
    // Another process, whose Prometheus of the same name holds other data, rewrites the checkpoints.
    const theirs = new IncrementalUsageSource(
      new PrometheusUsageSource({ url: other.url, resolutionSeconds: 300 }),
      store,
      "prometheus",
    );
    await theirs.usage(refs, windowEnding(end + 3600));
    const got = await mine.usage(refs, windowEnding(end + 5400));
    const want = await new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 }).usage(
      refs,
      windowEnding(end + 5400),
    );
    expectSame(got, want, "after another writer");
    // The checkpoints in the Store are of the other data, except legacy's (the same in both).
    expectMismatchOutsideLegacy(got);
  }, 120_000);
});

describe("incremental usage with Redis", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("checkpoints survive in Redis; losing Redis costs one full read with the same answer", async () => {
    const store = await RedisStore.connect(redis.url, { unavailableAfterMs: 200 });
    try {
      const source = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
      const reference = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
      const end = DEFAULT_START + WINDOW + 3600;
      await new IncrementalUsageSource(source, store).usage(refs, windowEnding(end));
      // A new process (a restarted service) picks up the checkpoints.
      const next = new IncrementalUsageSource(source, store);
      const second = await next.usage(refs, windowEnding(end + 1800));
      expect(next.lastPass.incremental).toBe(refs.length);
      expectSame(second, await reference.usage(refs, windowEnding(end + 1800)), "from Redis");

      // Redis restarts empty: one full read, same answer, then incremental again.
      await redis.stop();
      await redis.start();
      const third = await next.usage(refs, windowEnding(end + 3600));
      expectSame(third, await reference.usage(refs, windowEnding(end + 3600)), "after losing Redis");
      expect(next.lastPass.incremental).toBe(0);
      const fourth = await next.usage(refs, windowEnding(end + 5400));
      expectSame(fourth, await reference.usage(refs, windowEnding(end + 5400)), "after the full read");
      expect(next.lastPass.incremental).toBe(refs.length);
    } finally {
      await store.close();
    }
  }, 120_000);
});
