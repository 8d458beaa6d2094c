// Learn on the first half of a trace, replay the second against the proposed requests. Three
// recommenders see the same learning half: costopt's engine (through the same accumulator the
// Prometheus and file sources use), KRR's `simple` strategy and the VPA recommender's target.

import { UsageAccumulator } from "../../../src/metrics/accumulator.js";
import { makeGrid } from "../../../src/metrics/grid.js";
import type { WorkloadUsage } from "../../../src/metrics/types.js";
import { OPENCOST_DEFAULT_PRICES } from "../../../src/recommend/cost.js";
import { recommend } from "../../../src/recommend/engine.js";
import type { EngineSettingsOverrides } from "../../../src/recommend/settings.js";
import type { WorkloadState } from "../../../src/recommend/types.js";
import { DAY, DAYS, PODS, START, STEP, type Trace } from "./traces.js";

const MI = 2 ** 20;
const GI = 2 ** 30;
const LEARN_STEPS = (DAYS / 2) * (DAY / STEP);
const REF = { namespace: "bench", kind: "Deployment" as const, name: "web" };
/** What the workload requests before any recommender touches it (generous, as most do). */
export const CURRENT = { cpu: 1000, memory: GI };

export interface Sizing {
  cpu: number;
  memory: number;
  /** costopt only: the recommendation's confidence. */
  confidence?: number;
}

export interface Outcome {
  /** USD per month saved against CURRENT for all pods. */
  savings: number;
  /** Pod-hours in which the working set rose above the memory (request = limit): an OOM kill, and the crash loop after it. */
  oomEvents: number;
  /** Share of replayed CPU samples above 1.2x the request (throttled or starving neighbours). */
  cpuOverShare: number;
  /** oomEvents + cpuOverShare, the risk figure. */
  risk: number;
}

function monthlyCost(s: { cpu: number; memory: number }): number {
  const p = OPENCOST_DEFAULT_PRICES;
  return ((s.cpu / 1000) * p.cpuCoreHour + (s.memory / GI) * p.ramGiBHour) * 730 * PODS;
}

export function replay(trace: Trace, sizing: Sizing): Outcome {
  let oom = 0;
  let over = 0;
  let samples = 0;
  for (let pod = 0; pod < PODS; pod++) {
    const cpu = trace.cpu[pod] as Float64Array;
    const mem = trace.memory[pod] as Float64Array;
    const hours = new Set<number>();
    for (let i = LEARN_STEPS; i < cpu.length; i++) {
      samples++;
      if ((cpu[i] as number) > 1.2 * sizing.cpu) over++;
      if ((mem[i] as number) > sizing.memory) hours.add(Math.floor((i * STEP) / 3600));
    }
    oom += hours.size;
  }
  const cpuOverShare = over / samples;
  return {
    savings: monthlyCost(CURRENT) - monthlyCost(sizing),
    oomEvents: oom,
    cpuOverShare,
    risk: oom + cpuOverShare,
  };
}

/** The learning half as WorkloadUsage, through the accumulator both real sources use. */
export function learnUsage(trace: Trace): WorkloadUsage {
  const window = { start: START, end: START + LEARN_STEPS * STEP };
  const grid = makeGrid(window, STEP);
  const acc = new UsageAccumulator([REF], window, grid);
  for (let pod = 0; pod < PODS; pod++) {
    const name = `web-5d8f9c7b6d-pod${pod}x`;
    const cpuSink = acc.cpuSeries(REF.namespace, name, "app");
    const memSink = acc.memorySeries(REF.namespace, name, "app");
    const cpu = trace.cpu[pod] as Float64Array;
    const mem = trace.memory[pod] as Float64Array;
    let counter = 0;
    for (let i = 0; i < grid.count && i < LEARN_STEPS; i++) {
      counter += ((cpu[i] as number) / 1000) * STEP;
      cpuSink.point(i, counter);
      memSink.point(i, mem[i] as number);
    }
  }
  const usage = acc.finish().get(`${REF.namespace}/${REF.kind}/${REF.name}`);
  if (!usage) throw new Error(`no usage learned for ${trace.shape}`);
  return usage;
}

const WORKLOAD: WorkloadState = {
  ref: REF,
  replicas: PODS,
  containers: [
    {
      name: "app",
      resources: { cpuRequest: CURRENT.cpu, memoryRequest: CURRENT.memory, memoryLimit: CURRENT.memory },
    },
  ],
  labels: {},
  updateStrategy: { type: "RollingUpdate" },
  localState: { emptyDir: false, hostPath: false, persistentVolumeClaim: false },
};

/** costopt's CPU and MEMORY recommendations, unstepped, learned from 14 days. */
export function costopt(usage: WorkloadUsage, settings?: EngineSettingsOverrides): Sizing {
  const run = (optimizationType: "CPU" | "MEMORY") =>
    recommend({
      policy: { name: "bench", namespace: "bench" },
      spec: {
        targetWorkload: { name: REF.name, kind: REF.kind },
        optimizationType,
        maxChangePercent: 100,
        minConfidence: 0,
        dryRun: true,
        autoApply: false,
        rollbackOnFailure: false,
        maxRiskLevel: "CRITICAL",
        metricsWindow: "14d",
        addMemoryLimit: true,
      },
      workload: WORKLOAD,
      usage,
      now: new Date((START + LEARN_STEPS * STEP) * 1000),
      // Sizing is compared, not rollout: maxChangePercent 100 and no stepping of raises.
      settings: { ...settings, gates: { stepIncreases: false } },
    });
  const cpu = run("CPU");
  const memory = run("MEMORY");
  return {
    cpu: cpu.containers[0]?.proposed.cpuRequest ?? CURRENT.cpu,
    memory: memory.containers[0]?.proposed.memoryRequest ?? CURRENT.memory,
    confidence: Math.min(cpu.confidence.score, memory.confidence.score),
  };
}

function pooled(series: Float64Array[]): Float64Array {
  const out = new Float64Array(PODS * LEARN_STEPS);
  series.forEach((s, pod) => {
    out.set(s.subarray(0, LEARN_STEPS), pod * LEARN_STEPS);
  });
  return out.sort();
}

function nearestRank(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

/**
 * KRR `simple` (robusta_krr/strategies/simple.py) as the issue defines it: CPU request = p95 of
 * usage, memory = max x 1.15, request = limit; KRR's floors of 10m and 100Mi.
 */
export function krrSimple(trace: Trace): Sizing {
  const cpu = nearestRank(pooled(trace.cpu), 0.95);
  const memory = Math.max(...trace.memory.map((m) => Math.max(...m.subarray(0, LEARN_STEPS)))) * 1.15;
  return { cpu: Math.max(10, cpu), memory: Math.max(100 * MI, memory) };
}

/** Weighted percentile: the smallest value whose cumulative weight reaches q of the total. */
function weightedPercentile(values: { v: number; w: number }[], q: number): number {
  const sorted = [...values].sort((a, b) => a.v - b.v);
  const total = sorted.reduce((s, x) => s + x.w, 0);
  let acc = 0;
  for (const x of sorted) {
    acc += x.w;
    if (acc >= q * total) return x.v;
  }
  return sorted[sorted.length - 1]?.v ?? 0;
}

/**
 * The VPA recommender's target: p90 of a CPU histogram whose samples decay with a 24 h
 * half-life, and p90 of the per-pod daily memory peaks (decaying the same way), each + 15%
 * safety margin; the VPA's pod minimums of 25m and 250Mi.
 */
export function vpaTarget(trace: Trace): Sizing {
  const end = LEARN_STEPS * STEP;
  const weight = (s: number) => 2 ** ((s - end) / DAY);
  const cpu: { v: number; w: number }[] = [];
  const peaks: { v: number; w: number }[] = [];
  for (let pod = 0; pod < PODS; pod++) {
    const c = trace.cpu[pod] as Float64Array;
    const m = trace.memory[pod] as Float64Array;
    for (let i = 0; i < LEARN_STEPS; i++) cpu.push({ v: c[i] as number, w: weight(i * STEP) });
    for (let d = 0; d < DAYS / 2; d++) {
      const day = m.subarray((d * DAY) / STEP, ((d + 1) * DAY) / STEP);
      peaks.push({ v: Math.max(...day), w: weight((d + 1) * DAY) });
    }
  }
  return {
    cpu: Math.max(25, weightedPercentile(cpu, 0.9) * 1.15),
    memory: Math.max(250 * MI, weightedPercentile(peaks, 0.9) * 1.15),
  };
}
