// The integration test: the generator writes a 7-day dataset, a real Prometheus is
// backfilled with it by promtool, and both usage sources must report the same statistics
// (CPU within 5%, memory within 1%) — the numbers the recommender turns into requests.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileUsageSource } from "../../src/metrics/file-source.js";
import {
  type GenerateOptions,
  type WorkloadSpec,
  writeOpenMetricsFile,
} from "../../src/metrics/generator.js";
import { DEFAULT_START, demoOptions, WEEK } from "../../src/metrics/presets.js";
import { PrometheusUsageSource } from "../../src/metrics/prometheus-source.js";
import type { WorkloadRef, WorkloadUsage } from "../../src/metrics/types.js";
import { type RunningPrometheus, startPrometheus } from "../support/prometheus.js";
import { EDGE_WINDOW, EDGE_WORKLOADS, edgeLines, expectEdgeUsage, expectNear } from "./edge-data.js";
import { omFile, tempDir } from "./om.js";

const Mi = 2 ** 20;
const window = { start: DEFAULT_START, end: DEFAULT_START + WEEK };

const extras: WorkloadSpec[] = [
  {
    namespace: "demo",
    kind: "StatefulSet",
    name: "postgres",
    replicas: 2,
    shape: "steady",
    oomKillsPerWeek: 3,
    restartsPerWeek: 1,
    memoryGrowthPerDay: 0.05,
    containers: [
      { name: "postgres", cpuMillicores: 400, memoryBytes: 900 * Mi },
      { name: "exporter", cpuMillicores: 20, memoryBytes: 30 * Mi },
    ],
  },
  {
    namespace: "demo",
    kind: "DaemonSet",
    name: "node-agent",
    replicas: 3,
    shape: "idle",
    containers: [{ name: "agent", cpuMillicores: 100, memoryBytes: 60 * Mi }],
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
];

/** A namespace scraped without kube-state-metrics: no owner, restart or HPA series. */
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
  durationSeconds: WEEK,
  resolutionSeconds: 300,
  seed: 9,
  kubeStateMetrics: false,
};

const refs = (o: GenerateOptions): WorkloadRef[] =>
  o.workloads.map((w) => ({ namespace: w.namespace, kind: w.kind, name: w.name }));

/**
 * Real scrapes are not on the second: timestamps with milliseconds, jitter and gaps of every
 * size the chunk encoding distinguishes (delta-of-delta in 14, 17, 20 and 64 bits).
 */
function jitterLines(): string[] {
  const pod = 'namespace="jitter",pod="api-6b7f9c8d5-x2k4p",container="api"';
  const lines: string[] = [];
  let t = window.start * 1000;
  let cpu = 0;
  for (let i = 0; i < 2000; i++) {
    const gap = i % 97 === 0 ? 1_000_000 : i % 41 === 0 ? 200_000 : i % 13 === 0 ? 30_000 : 0;
    t += 60_000 + ((i * 7919) % 1500) - 750 + gap;
    cpu += 0.05 + ((i * 31) % 17) / 100;
    lines.push(`container_cpu_usage_seconds_total{${pod}} ${cpu.toFixed(6)} ${(t / 1000).toFixed(3)}`);
  }
  return lines;
}

let prom: RunningPrometheus;
const files: Record<string, string> = {};
const demo = demoOptions(42);
demo.workloads.push(...extras);

beforeAll(async () => {
  const dir = await tempDir();
  files.demo = join(dir, "demo.om");
  files.legacy = join(dir, "legacy.om");
  await writeOpenMetricsFile(files.demo, demo);
  await writeOpenMetricsFile(files.legacy, legacy);
  files.edge = await omFile(edgeLines(), "edge.om", dir);
  files.jitter = await omFile(jitterLines(), "jitter.om", dir);
  prom = await startPrometheus({ files: [files.demo, files.legacy, files.edge, files.jitter] });
});

afterAll(async () => {
  await prom?.stop();
});

/** Every statistic the recommender reads, compared with the tolerances. */
function expectSameUsage(fromFile: Map<string, WorkloadUsage>, fromProm: Map<string, WorkloadUsage>): void {
  expect([...fromProm.keys()].sort()).toEqual([...fromFile.keys()].sort());
  for (const [key, f] of fromFile) {
    const p = fromProm.get(key) as WorkloadUsage;
    expect(p.stepSeconds, key).toBe(f.stepSeconds);
    expect(p.hpa, key).toEqual(f.hpa);
    expect(p.ownership, key).toBe(f.ownership);
    expect(p.containers.map((c) => c.container)).toEqual(f.containers.map((c) => c.container));
    for (const fc of f.containers) {
      const pc = p.containers.find((c) => c.container === fc.container);
      const what = `${key} ${fc.container}`;
      for (const s of ["p50", "p90", "p95", "p99", "max"] as const)
        expectNear(pc?.cpu[s], fc.cpu[s], 0.05, `${what} cpu ${s}`);
      for (const s of ["p95", "max"] as const)
        expectNear(pc?.memory[s], fc.memory[s], 0.01, `${what} memory ${s}`);
      expect(pc?.samples, what).toBe(fc.samples);
      expect(pc?.coverage, what).toBeCloseTo(fc.coverage, 6);
      expect([pc?.oomKills, pc?.restarts, pc?.firstSample, pc?.lastSample], what).toEqual([
        fc.oomKills,
        fc.restarts,
        fc.firstSample,
        fc.lastSample,
      ]);
    }
    for (let h = 0; h < 168; h++) {
      const [fv, pv] = [f.profile.cpu[h], p.profile.cpu[h]];
      if (fv === null || fv === undefined) expect(pv, `${key} profile hour ${h}`).toBeNull();
      else expectNear(pv ?? undefined, fv, 0.05, `${key} profile cpu hour ${h}`);
      const [fr, pr] = [f.profile.replicas[h], p.profile.replicas[h]];
      if (fr === null || fr === undefined) expect(pr, `${key} replicas hour ${h}`).toBeNull();
      else expect(pr, `${key} replicas hour ${h}`).toBeCloseTo(fr, 6);
    }
  }
}

describe("Prometheus and OpenMetrics file sources on a 7-day generated dataset", () => {
  let fromFile: Map<string, WorkloadUsage>;
  let fromProm: Map<string, WorkloadUsage>;

  beforeAll(async () => {
    fromFile = await new FileUsageSource({ path: files.demo as string }).usage(refs(demo), window);
    fromProm = await new PrometheusUsageSource({ url: prom.url }).usage(refs(demo), window);
  });

  it("report the same statistics for every workload and container", () => {
    expect(fromFile.size).toBe(demo.workloads.length);
    expectSameUsage(fromFile, fromProm);
  });

  it("show the demo workloads heavily over-provisioned", () => {
    for (const spec of demo.workloads.slice(0, 4)) {
      const u = fromProm.get(`demo/Deployment/${spec.name}`) as WorkloadUsage;
      const c = u.containers[0];
      const req = spec.containers[0]?.requests;
      expect(c?.cpu.p95, spec.name).toBeLessThan(0.5 * (req?.cpuMillicores ?? 0));
      expect(c?.memory.max, spec.name).toBeLessThan(0.5 * (req?.memoryBytes ?? 0));
      expect(c?.coverage, spec.name).toBeGreaterThan(0.99);
    }
  });

  it("show the shapes a recommender acts on: nightly batch, OOM kills, HPA scaling", () => {
    const batch = fromProm.get("demo/Deployment/batch-processor") as WorkloadUsage;
    // Tuesday 01:00-02:00 UTC against Tuesday noon.
    expect(batch.profile.cpu[48 + 1] ?? 0).toBeGreaterThan(10 * (batch.profile.cpu[48 + 12] ?? 0));
    const pg = fromProm.get("demo/StatefulSet/postgres") as WorkloadUsage;
    const postgres = pg.containers.find((c) => c.container === "postgres");
    expect(postgres?.oomKills).toBeGreaterThan(0);
    expect(postgres?.restarts).toBeGreaterThan(postgres?.oomKills ?? 0);
    const checkout = fromProm.get("demo/Deployment/checkout") as WorkloadUsage;
    expect(checkout.hpa).toEqual({ name: "checkout", minReplicas: 2, maxReplicas: 6 });
    // Wednesday 15:00 UTC (busy) against Wednesday 03:00 (quiet).
    expect(checkout.profile.replicas[72 + 15] ?? 0).toBeGreaterThan(checkout.profile.replicas[72 + 3] ?? 0);
    expect(fromProm.get("demo/DaemonSet/node-agent")?.profile.replicas[30]).toBe(3);
  });

  it("match pods by name when kube-state-metrics is missing, and say so", async () => {
    const f = await new FileUsageSource({ path: files.legacy as string }).usage(refs(legacy), window);
    const p = await new PrometheusUsageSource({ url: prom.url }).usage(refs(legacy), window);
    expectSameUsage(f, p);
    const monolith = p.get("legacy/Deployment/monolith");
    expect(monolith?.ownership).toBe("name-pattern");
    expect(monolith?.notes?.[0]).toMatch(/kube_pod_owner has no series in namespace legacy/);
    expect(monolith?.containers[0]?.samples).toBeGreaterThan(4000);
  });

  it("agree on counter resets, NaN and Inf samples and absent workloads", async () => {
    const p = await new PrometheusUsageSource({ url: prom.url }).usage(EDGE_WORKLOADS, EDGE_WINDOW);
    expectEdgeUsage(p);
    const f = await new FileUsageSource({ path: files.edge as string }).usage(EDGE_WORKLOADS, EDGE_WINDOW);
    expectSameUsage(f, p);
  });

  it("agree on jittered timestamps with milliseconds and gaps", async () => {
    const jitter: WorkloadRef[] = [{ namespace: "jitter", kind: "Deployment", name: "api" }];
    const days = { start: window.start, end: window.start + 2 * 86_400 };
    const f = await new FileUsageSource({ path: files.jitter as string, resolutionSeconds: 60 }).usage(
      jitter,
      days,
    );
    const p = await new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 60 }).usage(jitter, days);
    expect(f.get("jitter/Deployment/api")?.containers[0]?.samples).toBeGreaterThan(1000);
    expectSameUsage(f, p);
  });

  it("find nothing for a window without data", async () => {
    const empty = { start: window.start - 30 * 86_400, end: window.start - 20 * 86_400 };
    const source = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
    expect((await source.usage(refs(demo), empty)).size).toBe(0);
    expect((await new FileUsageSource({ path: files.demo as string }).usage(refs(demo), empty)).size).toBe(0);
  });

  it("ask Prometheus per namespace, never per workload: one remote read per namespace", async () => {
    const source = new PrometheusUsageSource({ url: prom.url, resolutionSeconds: 300 });
    await source.usage(refs(demo), window);
    // series, remote read, restarts/OOM, HPAs: one namespace, 4 calls for 7 workloads.
    expect(source.mode).toBe("remote-read");
    expect(source.stats.queries).toBe(4);
    expect(source.stats.samplesTouched).toBeGreaterThan(0);
  });

  it("give the same statistics through range queries, for servers without remote read", async () => {
    const source = new PrometheusUsageSource({ url: prom.url, read: "query-range" });
    expectSameUsage(fromFile, await source.usage(refs(demo), window));
    // resolution, series, CPU, memory, restarts/OOM, HPAs.
    expect(source.stats.queries).toBe(6);
    const edge = new PrometheusUsageSource({ url: prom.url, read: "query-range" });
    expectEdgeUsage(await edge.usage(EDGE_WORKLOADS, EDGE_WINDOW));
  });
});
