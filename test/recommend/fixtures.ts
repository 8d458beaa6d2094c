// Builders for recommender inputs. Usage statistics are computed from explicit sample series
// (constant, diurnal...) so tests state the distribution, not the statistics.

import type { CostOptimizationSpec } from "../../src/api/types.js";
import { DailyCollector, dayOf } from "../../src/metrics/daily.js";
import type { ContainerUsage, HourlyProfile, WorkloadUsage } from "../../src/metrics/types.js";
import type { RecommendInput } from "../../src/recommend/recommender.js";
import type { ContainerRecommendation, Recommendation, WorkloadState } from "../../src/recommend/types.js";

export const MI = 2 ** 20;
export const GI = 2 ** 30;
export const DAY = 86400;
export const STEP = 300;
/** A Monday, midnight UTC. */
export const NOW = new Date("2026-11-23T00:00:00Z");
export const NOW_S = NOW.getTime() / 1000;

export function spec(over: Partial<CostOptimizationSpec> = {}): CostOptimizationSpec {
  return {
    targetWorkload: { name: "web", kind: "Deployment" },
    optimizationType: "CPU",
    maxChangePercent: 100,
    minConfidence: 0.5,
    dryRun: false,
    autoApply: false,
    rollbackOnFailure: true,
    maxRiskLevel: "CRITICAL",
    metricsWindow: "7d",
    ...over,
  };
}

export function workload(over: Partial<WorkloadState> = {}): WorkloadState {
  return {
    ref: { namespace: "shop", kind: "Deployment", name: "web" },
    replicas: 3,
    containers: [{ name: "app", resources: { cpuRequest: 1000, memoryRequest: GI, memoryLimit: GI } }],
    labels: { app: "web" },
    updateStrategy: { type: "RollingUpdate" },
    localState: { emptyDir: false, hostPath: false, persistentVolumeClaim: false },
    ...over,
  };
}

/** Nearest-rank percentile, as the sources compute it. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Hour-of-week (0 = Sunday 00:00) of each 5-minute sample in a window ending at NOW. */
export function hourOfWeek(t: number): number {
  return Math.floor((((t % (7 * DAY)) + 7 * DAY) % (7 * DAY)) / 3600 + 96) % 168;
}

export interface SeriesOptions {
  days?: number;
  /** millicores per pod at unix time t */
  cpu: (t: number) => number;
  /** bytes per pod at unix time t */
  memory?: (t: number) => number;
  replicas?: number;
  oomKills?: number;
  restarts?: number;
  /** Share of the window at its end that has data (a short history). */
  coverage?: number;
  container?: string;
}

/** A workload whose pods all follow the same per-pod series, sampled every 5 minutes. */
export function usageFrom(o: SeriesOptions): WorkloadUsage {
  const days = o.days ?? 7;
  const replicas = o.replicas ?? 3;
  const start = NOW_S - days * DAY;
  const first = NOW_S - Math.round(days * DAY * (o.coverage ?? 1));
  const cpu: number[] = [];
  const mem: number[] = [];
  const sums = Array.from({ length: 168 }, () => ({ cpu: 0, n: 0 }));
  const daily = new DailyCollector();
  for (let t = first; t < NOW_S; t += STEP) {
    const c = o.cpu(t);
    const m = o.memory ? o.memory(t) : 300 * MI;
    for (let r = 0; r < replicas; r++) {
      cpu.push(c);
      mem.push(m);
      daily.cpu(dayOf(t), c);
      daily.memory(dayOf(t), m);
    }
    const bucket = sums[hourOfWeek(t)] as { cpu: number; n: number };
    bucket.cpu += c * replicas;
    bucket.n++;
  }
  const profile: HourlyProfile = {
    cpu: sums.map((b) => (b.n ? b.cpu / b.n : null)),
    replicas: sums.map((b) => (b.n ? replicas : null)),
  };
  const container: ContainerUsage = {
    container: o.container ?? "app",
    cpu: {
      p50: percentile(cpu, 50),
      p90: percentile(cpu, 90),
      p95: percentile(cpu, 95),
      p99: percentile(cpu, 99),
      max: Math.max(...cpu),
    },
    memory: { p95: percentile(mem, 95), max: Math.max(...mem) },
    samples: cpu.length,
    coverage: (NOW_S - first) / (NOW_S - start),
    firstSample: first,
    lastSample: NOW_S - STEP,
    oomKills: o.oomKills ?? 0,
    restarts: o.restarts ?? 0,
    daily: daily.result(),
  };
  return {
    workload: { namespace: "shop", kind: "Deployment", name: "web" },
    window: { start, end: NOW_S },
    stepSeconds: STEP,
    containers: [container],
    profile,
  };
}

/** Busy 08:00-20:00 UTC every day at `peak`, `trough` at night, per pod. */
export function diurnal(peak: number, trough: number): (t: number) => number {
  return (t) => {
    const hour = Math.floor((t % DAY) / 3600);
    return hour >= 8 && hour < 20 ? peak : trough;
  };
}

export function input(over: Partial<RecommendInput> = {}): RecommendInput {
  return {
    policy: { name: "web-cost", namespace: "shop" },
    spec: spec(),
    workload: workload(),
    usage: usageFrom({ cpu: () => 200 }),
    now: NOW,
    ...over,
  };
}

/** The named container's recommendation (the first when no name is given); fails the test when absent. */
export function containerOf(r: Recommendation, name?: string): ContainerRecommendation {
  const c = name === undefined ? r.containers[0] : r.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name ?? "#0"} in the recommendation`);
  return c;
}
