// Usage sources at fleet size: 1,000 workloads x 2 containers x 2 pods, 7 days at 5-minute
// resolution (scale 1). Reports the file source's wall time and peak RSS (in a child process,
// so generation does not count), then our namespace-batched Prometheus plan against KRR's
// per-workload plan, each against a fresh Prometheus on the same TSDB blocks: wall time,
// queries, samples touched (stats=all) and the server's peak RSS. The generated file and the
// blocks are cached under .bench/ keyed by the parameters (building them takes minutes).
// Then incremental usage (src/metrics/incremental.ts) with its checkpoints in a private Redis: a
// cold pass over the same window, then steady-state passes that each add 30 minutes of new data
// (the dataset runs STEADY_PASSES x 30 minutes past the window), each next to KRR's plan run in
// the same way: in a child process of its own, so its peak RSS is the plan's alone.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FileUsageSource } from "../../src/metrics/file-source.js";
import { writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { IncrementalUsageSource, LEAVING_AHEAD_SECONDS } from "../../src/metrics/incremental.js";
import { OwnerIndex } from "../../src/metrics/ownership.js";
import { DEFAULT_START, fleetWorkloads, WEEK } from "../../src/metrics/presets.js";
import { PrometheusClient } from "../../src/metrics/prometheus-client.js";
import { PrometheusUsageSource } from "../../src/metrics/prometheus-source.js";
import * as S from "../../src/metrics/series.js";
import type { WorkloadRef } from "../../src/metrics/types.js";
import { RedisStore } from "../../src/state/redis.js";
import { backfill, startPrometheus } from "../support/prometheus.js";
import { startRedis } from "../support/redis-server.js";
import { type BenchResult, median, peakRssMiB, peakRssOfPid, runBench } from "./harness.js";

const RESOLUTION = 300;
const SEED = 1;
const RUNS = 3;
const KRR_CONCURRENCY = 6;
const PASS_SECONDS = 1800;
// A whole read-ahead cycle: one pass in 24 reads the points about to leave the window, so the
// mean of these passes is the steady state's cost.
const STEADY_PASSES = LEAVING_AHEAD_SECONDS / PASS_SECONDS;
const window = { start: DEFAULT_START, end: DEFAULT_START + WEEK };
const self = fileURLToPath(import.meta.url);

function setup(scale: number) {
  const count = Math.max(1, Math.round(1000 * scale));
  const specs = fleetWorkloads(count, { containers: 2, pods: 2, seed: SEED });
  const refs: WorkloadRef[] = specs.map((w) => ({ namespace: w.namespace, kind: w.kind, name: w.name }));
  const dir = join(
    process.cwd(),
    ".bench",
    `metrics-w${count}-c2-p2-d7+${STEADY_PASSES}x${PASS_SECONDS}s-r${RESOLUTION}-s${SEED}-v1`,
  );
  return { count, specs, refs, dir, file: join(dir, "data.om"), blocks: join(dir, "blocks") };
}

async function ensureData(scale: number): Promise<BenchResult[]> {
  const s = setup(scale);
  if (existsSync(join(s.dir, "done"))) return [];
  await rm(s.dir, { recursive: true, force: true });
  await mkdir(s.dir, { recursive: true });
  let t = performance.now();
  const stats = await writeOpenMetricsFile(s.file, {
    workloads: s.specs,
    start: window.start,
    durationSeconds: WEEK + STEADY_PASSES * PASS_SECONDS,
    resolutionSeconds: RESOLUTION,
    seed: SEED,
  });
  const genS = (performance.now() - t) / 1000;
  process.stderr.write(
    `metrics bench: generated ${stats.samples} samples (${(stats.bytes / 2 ** 30).toFixed(2)} GiB) in ${genS.toFixed(1)} s\n`,
  );
  t = performance.now();
  await backfill(s.file, s.blocks);
  const fillS = (performance.now() - t) / 1000;
  process.stderr.write(`metrics bench: promtool backfill took ${fillS.toFixed(1)} s\n`);
  await writeFile(join(s.dir, "done"), JSON.stringify({ ...stats, genS, fillS }));
  return [
    {
      benchmark: "metrics",
      metric: "dataset samples (generated once, cached)",
      value: stats.samples,
      unit: "samples",
    },
    { benchmark: "metrics", metric: "generate OpenMetrics file", value: genS, unit: "s" },
    { benchmark: "metrics", metric: "promtool backfill", value: fillS, unit: "s" },
  ];
}

/** Child mode: one file-source pass, reporting wall time and this process's peak RSS. */
async function fileSourceChild(scale: number): Promise<void> {
  const s = setup(scale);
  const t = performance.now();
  const usage = await new FileUsageSource({ path: s.file }).usage(s.refs, window);
  const wallS = (performance.now() - t) / 1000;
  process.stdout.write(
    `FILE_SOURCE ${JSON.stringify({ wallS, rssMiB: peakRssMiB(), workloads: usage.size })}\n`,
  );
}

function runFileSource(scale: number): { wallS: number; rssMiB: number; workloads: number } {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", self, "--file-source-child", "--scale", String(scale)],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("FILE_SOURCE "));
  if (r.status !== 0 || !line) throw new Error(`file source run failed (exit ${r.status})`);
  return JSON.parse(line.slice("FILE_SOURCE ".length));
}

interface PassRun {
  wallS: number;
  /** costopt's own CPU time (all its threads, GC included), for the incremental passes. */
  cpuS?: number;
  /** Where an incremental pass took its leaving points from (PassReport.leaving). */
  leaving?: string;
  samples: number;
  queries: number;
}

/**
 * Child mode: the incremental source against a running Prometheus and Redis, a cold pass and
 * STEADY_PASSES passes 30 minutes apart; or KRR's plan once. Reports this process's peak RSS.
 */
async function planChild(scale: number, plan: string, url: string, redisUrl: string): Promise<void> {
  const s = setup(scale);
  if (plan === "krr") {
    const containers = new Map(
      s.specs.map((w) => [`${w.namespace}/${w.name}`, w.containers.map((c) => c.name)]),
    );
    const r = await krr(url, s.refs, containers);
    process.stdout.write(`PLAN ${JSON.stringify({ passes: [r], rssMiB: peakRssMiB() })}\n`);
    return;
  }
  if (plan === "full") {
    // The plan without checkpoints (one full read), for a like-for-like RSS baseline.
    const r = await ours(url, s.refs, "remote-read");
    process.stdout.write(`PLAN ${JSON.stringify({ passes: [r], rssMiB: peakRssMiB() })}\n`);
    return;
  }
  const store = await RedisStore.connect(redisUrl, { prefix: "bench:" });
  const source = new PrometheusUsageSource({ url, timeoutMs: 300_000, read: "remote-read" });
  const incremental = new IncrementalUsageSource(source, store);
  const passes: PassRun[] = [];
  const checkpointBytes: number[] = [];
  for (let k = 0; k <= STEADY_PASSES; k++) {
    const shift = k * PASS_SECONDS;
    const before = { ...source.stats };
    const cpu = process.cpuUsage();
    const t = performance.now();
    const usage = await incremental.usage(s.refs, { start: window.start + shift, end: window.end + shift });
    const wallS = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuS = (used.user + used.system) / 1e6;
    if (usage.size !== s.refs.length)
      throw new Error(`incremental pass ${k} found ${usage.size} of ${s.refs.length}`);
    const expected = k === 0 ? 0 : s.refs.length;
    if (incremental.lastPass.incremental !== expected)
      throw new Error(
        `pass ${k}: ${incremental.lastPass.incremental} incremental, ${JSON.stringify([...incremental.lastPass.full])}`,
      );
    passes.push({
      wallS,
      cpuS,
      leaving: incremental.lastPass.leaving,
      samples: source.stats.samplesTouched - before.samplesTouched,
      queries: source.stats.queries - before.queries,
    });
    checkpointBytes.push(incremental.lastPass.checkpointBytes);
  }
  await store.close();
  // What the source keeps between passes (checkpoints held, points read ahead), the rest collected.
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const heldMiB = (m.heapUsed + m.external) / 2 ** 20;
  process.stdout.write(
    `PLAN ${JSON.stringify({ passes, rssMiB: peakRssMiB(), checkpointBytes, heldMiB })}\n`,
  );
}

interface ChildPlan {
  passes: PassRun[];
  rssMiB: number;
  checkpointBytes?: number[];
  /** Heap and external memory after the passes and a full GC (the incremental child). */
  heldMiB?: number;
}

function runPlanChild(scale: number, plan: string, url: string, redisUrl: string): ChildPlan {
  const r = spawnSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", self, "--plan-child", plan, url, redisUrl, "--scale", String(scale)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 2 ** 20 },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("PLAN "));
  if (r.status !== 0 || !line) throw new Error(`${plan} plan run failed (exit ${r.status})`);
  return JSON.parse(line.slice("PLAN ".length));
}

/** Bytes Redis holds for the keys under prefix (MEMORY USAGE, key and value with overhead). */
async function redisBytes(url: string, prefix: string): Promise<{ bytes: number; keys: number }> {
  const { Redis } = await import("ioredis");
  const r = new Redis(url);
  let bytes = 0;
  let keys = 0;
  let cursor = "0";
  do {
    const [next, batch] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    for (const k of batch) {
      bytes += (await r.memory("USAGE", k)) ?? 0;
      keys++;
    }
  } while (cursor !== "0");
  await r.quit();
  return { bytes, keys };
}

/** The incremental sequence and KRR's plan, each in a child process, each on a fresh Prometheus. */
async function incrementalRows(scale: number, blocks: string): Promise<BenchResult[]> {
  const s = setup(scale);
  const containerCount = s.specs.reduce((n, w) => n + w.containers.length, 0);
  const redis = await startRedis();
  try {
    const inc = await onFreshPrometheus(blocks, async (url) =>
      runPlanChild(scale, "incremental", url, redis.url),
    );
    // KRR's run is the anchor of every ratio below, so it is the median of RUNS (one run swung
    // between 12 s and 25 s with the machine's load).
    const krrRuns: (ChildPlan & { promRssMiB: number })[] = [];
    for (let k = 0; k < RUNS; k++)
      krrRuns.push(
        await onFreshPrometheus(blocks, async (url) => runPlanChild(scale, "krr", url, redis.url)),
      );
    const full = await onFreshPrometheus(blocks, async (url) => runPlanChild(scale, "full", url, redis.url));
    const incChild = inc;
    const cold = incChild.passes[0] as PassRun;
    const steady = incChild.passes.slice(1);
    const krrPass: PassRun = {
      wallS: median(krrRuns.map((r) => (r.passes[0] as PassRun).wallS)),
      samples: median(krrRuns.map((r) => (r.passes[0] as PassRun).samples)),
      queries: median(krrRuns.map((r) => (r.passes[0] as PassRun).queries)),
    };
    const krrRss = Math.max(...krrRuns.map((r) => r.rssMiB));
    const krrPromRss = Math.max(...krrRuns.map((r) => r.promRssMiB));
    const mem = await redisBytes(redis.url, "bench:usage:");
    const perContainer = mem.bytes / containerCount;
    const steadyWall = median(steady.map((p) => p.wallS));
    const steadySamples = median(steady.map((p) => p.samples));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const meanWall = mean(steady.map((p) => p.wallS));
    const meanSamples = mean(steady.map((p) => p.samples));
    const readAhead = steady.filter((p) => p.leaving === "read").length;
    const n = `median of ${steady.length}`;
    const all = `mean of ${steady.length}`;
    return [
      row(`KRR plan (child process): wall time (median of ${RUNS})`, krrPass.wallS, "s"),
      row("KRR plan (child process): samples touched", krrPass.samples, "samples"),
      row(`KRR plan (child process): Prometheus peak RSS (max of ${RUNS})`, krrPromRss, "MiB"),
      row(`KRR plan (child process): client peak RSS (max of ${RUNS})`, krrRss, "MiB"),
      row("incremental, cold pass: wall time", cold.wallS, "s"),
      row("incremental, cold pass: samples touched", cold.samples, "samples"),
      row(`incremental, steady pass (+30 min): wall time (${n})`, steadyWall, "s"),
      row(`incremental, steady pass (+30 min): wall time (${all})`, meanWall, "s"),
      row(
        `incremental, steady pass (+30 min): wall time (max of ${steady.length})`,
        Math.max(...steady.map((p) => p.wallS)),
        "s",
      ),
      row(
        `incremental, steady pass (+30 min): costopt CPU time (${n})`,
        median(steady.map((p) => p.cpuS ?? Number.NaN)),
        "s",
      ),
      row(
        `incremental, steady passes that read the leaving points ahead (of ${steady.length})`,
        readAhead,
        "passes",
      ),
      row(`incremental, steady pass (+30 min): samples touched (${n})`, steadySamples, "samples"),
      row(`incremental, steady pass (+30 min): samples touched (${all})`, meanSamples, "samples"),
      row(
        `incremental, steady pass (+30 min): queries (${n})`,
        median(steady.map((p) => p.queries)),
        "queries",
      ),
      row("incremental, all passes: Prometheus peak RSS", inc.promRssMiB, "MiB"),
      row("full read, one pass (child process): wall time", (full.passes[0] as PassRun).wallS, "s"),
      row("full read, one pass (child process): costopt peak RSS", full.rssMiB, "MiB"),
      row("incremental, all passes: costopt peak RSS", incChild.rssMiB, "MiB"),
      row(
        "incremental, after the passes: costopt heap + external memory, after a full GC (whole process)",
        incChild.heldMiB ?? Number.NaN,
        "MiB",
      ),
      row(`incremental: Redis memory of the checkpoints (${mem.keys} keys)`, mem.bytes / 2 ** 20, "MiB"),
      {
        ...row(
          `incremental: checkpoint per container (${containerCount} containers, Redis MEMORY USAGE)`,
          perContainer,
          "B",
        ),
        target: "<= 2048",
        ok: perContainer <= 2048,
      },
      row(
        "incremental: checkpoint per container, encoded bytes only",
        (incChild.checkpointBytes?.at(-1) ?? 0) / containerCount,
        "B",
      ),
      ratio("incremental cold pass wall time", cold.wallS, krrPass.wallS, 100),
      ratio("incremental steady pass wall time (median)", steadyWall, krrPass.wallS, 5),
      ratio("incremental steady pass wall time (mean: read-ahead included)", meanWall, krrPass.wallS, 5),
      ratio("incremental steady pass samples touched (median)", steadySamples, krrPass.samples, 2),
      ratio("incremental steady pass samples touched (mean)", meanSamples, krrPass.samples, 2),
      ratio("incremental costopt peak RSS vs KRR client", incChild.rssMiB, krrRss, 1000),
    ];
  } finally {
    await redis.stop();
  }
}

interface PlanRun {
  wallS: number;
  queries: number;
  samples: number;
  promRssMiB: number;
}

/** Our plan: the Prometheus usage source as the recommender calls it. */
async function ours(
  url: string,
  refs: WorkloadRef[],
  read: "remote-read" | "query-range",
): Promise<Omit<PlanRun, "promRssMiB">> {
  const source = new PrometheusUsageSource({ url, timeoutMs: 300_000, read });
  const t = performance.now();
  const usage = await source.usage(refs, window);
  const wallS = (performance.now() - t) / 1000;
  if (usage.size !== refs.length) throw new Error(`our plan found ${usage.size} of ${refs.length} workloads`);
  if (source.mode !== read) throw new Error(`our plan fell back from ${read} to ${source.mode}`);
  return { wallS, queries: source.stats.queries, samples: source.stats.samplesTouched };
}

/**
 * KRR's plan (robusta_krr: PercentileCPULoader and MaxMemoryLoader): per workload and container,
 * an instant quantile_over_time over a subquery of max(rate(...)) by (container, pod, job) for
 * the workload's pods, and the same with max_over_time of the working set; step = the data's
 * resolution, six queries in flight. Pods are listed beforehand (KRR lists them too, uncounted).
 */
async function krr(
  url: string,
  refs: WorkloadRef[],
  containers: Map<string, string[]>,
): Promise<Omit<PlanRun, "promRssMiB">> {
  const pods = await podsByWorkload(url, refs);
  const client = new PrometheusClient({ url, timeoutMs: 300_000 });
  const duration = `${window.end - window.start}s`;
  const step = `${RESOLUTION}s`;
  const queries: string[] = [];
  for (const w of refs) {
    const podRegex = S.promString((pods.get(`${w.namespace}/${w.name}`) ?? []).join("|"));
    for (const c of containers.get(`${w.namespace}/${w.name}`) ?? []) {
      const sel = `namespace="${w.namespace}",pod=~"${podRegex}",container="${c}"`;
      queries.push(
        `quantile_over_time(0.95, max(rate(${S.CPU}{${sel}}[${step}])) by (container, pod, job)[${duration}:${step}])`,
        `max_over_time(max(${S.MEMORY}{${sel}}) by (container, pod, job)[${duration}:${step}])`,
      );
    }
  }
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: KRR_CONCURRENCY }, async () => {
      while (next < queries.length) {
        const q = queries[next++] as string;
        const r = await client.query(q, window.end);
        if (r.length === 0) throw new Error(`KRR query found nothing: ${q}`);
      }
    }),
  );
  return {
    wallS: (performance.now() - t) / 1000,
    queries: client.stats.queries,
    samples: client.stats.samplesTouched,
  };
}

/**
 * For scale, not a contender: the plain plan of one CPU and one memory query per namespace
 * (p95 of the 5-minute rate and the peak working set of each pod), which reads every sample
 * once but yields two numbers per pod where our plan yields the full statistics.
 */
async function plainPlan(url: string, refs: WorkloadRef[]): Promise<Omit<PlanRun, "promRssMiB">> {
  const client = new PrometheusClient({ url, timeoutMs: 300_000 });
  const t = performance.now();
  const range = `${window.end - window.start}s`;
  for (const ns of new Set(refs.map((r) => r.namespace))) {
    const sel = (m: string) => S.containerSelector(m, ns);
    await client.query(
      `quantile_over_time(0.95, rate(${sel(S.CPU)}[${RESOLUTION}s])[${range}:${RESOLUTION}s])`,
      window.end,
    );
    await client.query(`max_over_time(${sel(S.MEMORY)}[${range}])`, window.end);
  }
  return {
    wallS: (performance.now() - t) / 1000,
    queries: client.stats.queries,
    samples: client.stats.samplesTouched,
  };
}

async function podsByWorkload(url: string, refs: WorkloadRef[]): Promise<Map<string, string[]>> {
  const client = new PrometheusClient({ url });
  const owners = new OwnerIndex();
  const out = new Map<string, string[]>();
  for (const ns of new Set(refs.map((r) => r.namespace))) {
    const sel = `{namespace="${ns}"}`;
    const series = await client.series(
      [S.POD_OWNER + sel, S.REPLICASET_OWNER + sel],
      window.start,
      window.end,
    );
    for (const l of series) {
      if (l.__name__ === S.REPLICASET_OWNER)
        owners.addReplicaSetOwner(ns, l.replicaset ?? "", l.owner_kind ?? "", l.owner_name ?? "");
    }
    const candidates = refs.filter((r) => r.namespace === ns);
    for (const l of series) {
      if (l.__name__ !== S.POD_OWNER) continue;
      owners.addPodOwner(ns, l.pod ?? "", l.owner_kind ?? "", l.owner_name ?? "");
      const w = owners.resolve(ns, l.pod ?? "", candidates)?.workload;
      if (!w) continue;
      const key = `${ns}/${w.name}`;
      out.set(key, [...(out.get(key) ?? []), l.pod ?? ""]);
    }
  }
  return out;
}

async function onFreshPrometheus<T>(
  blocks: string,
  plan: (url: string) => Promise<T>,
): Promise<T & { promRssMiB: number }> {
  const prom = await startPrometheus({ blocksDir: blocks });
  try {
    const r = await plan(prom.url);
    return { ...r, promRssMiB: peakRssOfPid(prom.pid) };
  } finally {
    await prom.stop();
  }
}

const medianOf = (runs: PlanRun[], k: keyof PlanRun) => median(runs.map((r) => r[k]));

const b = "metrics";
const row = (metric: string, value: number, unit: string): BenchResult => ({
  benchmark: b,
  metric,
  value,
  unit,
});
/** ours / KRR in percent, against a ceiling. */
const ratio = (metric: string, ours: number, krr: number, ceilingPercent: number): BenchResult => ({
  ...row(`ours / KRR ${metric}`, (100 * ours) / krr, "%"),
  target: `<= ${ceilingPercent}`,
  ok: ours <= (ceilingPercent / 100) * krr,
});

function planRows(name: string, runs: PlanRun[]): BenchResult[] {
  const n = runs.length > 1 ? ` (median of ${runs.length})` : "";
  return [
    row(`prometheus, ${name}: wall time${n}`, medianOf(runs, "wallS"), "s"),
    row(`prometheus, ${name}: queries`, medianOf(runs, "queries"), "queries"),
    row(`prometheus, ${name}: samples touched`, medianOf(runs, "samples"), "samples"),
    row(`prometheus, ${name}: server peak RSS${n}`, medianOf(runs, "promRssMiB"), "MiB"),
  ];
}

const scaleArg = () => {
  const i = process.argv.indexOf("--scale");
  return i >= 0 ? Number(process.argv[i + 1]) : 1;
};
if (process.argv.includes("--file-source-child")) {
  await fileSourceChild(scaleArg());
} else if (process.argv.includes("--plan-child")) {
  const i = process.argv.indexOf("--plan-child");
  const [plan, url, redisUrl] = process.argv.slice(i + 1, i + 4) as [string, string, string];
  await planChild(scaleArg(), plan, url, redisUrl);
} else {
  await runBench(async ({ scale }) => {
    const results = await ensureData(scale);
    const s = setup(scale);
    const containers = new Map(
      s.specs.map((w) => [`${w.namespace}/${w.name}`, w.containers.map((c) => c.name)]),
    );
    const fileRuns = Array.from({ length: RUNS }, () => runFileSource(scale));
    const fileRss = Math.max(...fileRuns.map((r) => r.rssMiB));
    results.push(
      row(`workloads (x 2 containers x 2 pods, 7 d at 5 min)`, s.count, "workloads"),
      row(`file source wall time (median of ${RUNS})`, median(fileRuns.map((r) => r.wallS)), "s"),
      { ...row("file source peak RSS (max of runs)", fileRss, "MiB"), target: "<= 500", ok: fileRss <= 500 },
    );
    const oursRuns: PlanRun[] = [];
    const krrRuns: PlanRun[] = [];
    const plainRuns: PlanRun[] = [];
    for (let k = 0; k < RUNS; k++) {
      oursRuns.push(await onFreshPrometheus(s.blocks, (url) => ours(url, s.refs, "remote-read")));
      krrRuns.push(await onFreshPrometheus(s.blocks, (url) => krr(url, s.refs, containers)));
      plainRuns.push(await onFreshPrometheus(s.blocks, (url) => plainPlan(url, s.refs)));
      process.stderr.write(
        `metrics bench: run ${k + 1}: ours ${JSON.stringify(oursRuns[k])} krr ${JSON.stringify(krrRuns[k])}\n`,
      );
    }
    // The fallback path for servers without remote read, once, for comparison.
    const rangeRun = await onFreshPrometheus(s.blocks, (url) => ours(url, s.refs, "query-range"));
    results.push(
      ...planRows("ours (remote read)", oursRuns),
      ...planRows("KRR plan", krrRuns),
      ...planRows("ours (range-query fallback)", [rangeRun]),
      ...planRows("plain p95/max plan, for scale", plainRuns),
      ratio("wall time", medianOf(oursRuns, "wallS"), medianOf(krrRuns, "wallS"), 5),
      ratio("samples touched", medianOf(oursRuns, "samples"), medianOf(krrRuns, "samples"), 20),
      ratio("server peak RSS", medianOf(oursRuns, "promRssMiB"), medianOf(krrRuns, "promRssMiB"), 100),
      ...(await incrementalRows(scale, s.blocks)),
    );
    return results;
  });
}
