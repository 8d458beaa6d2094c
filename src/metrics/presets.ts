// Named workload sets for the generator: the demo cluster and the benchmark's large one.

import type { WorkloadKind } from "../api/types.js";
import type { GenerateOptions, LoadShape, WorkloadSpec } from "./generator.js";
import { mulberry32, seedFrom } from "./prng.js";

const Mi = 2 ** 20;
const Gi = 2 ** 30;

/** 2026-01-05 00:00 UTC, a Monday: the fixed start of generated data, so files are reproducible. */
export const DEFAULT_START = Date.UTC(2026, 0, 5) / 1000;
export const WEEK = 7 * 86_400;

/**
 * The demo namespace: four Deployments, all heavily over-provisioned (usage peaks are a small
 * share of the requests), so every optimization type has something large to say.
 */
export function demoWorkloads(namespace = "demo"): WorkloadSpec[] {
  const container = (name: string, cpu: number, mem: number, reqCpu: number, reqMem: number) => ({
    name,
    cpuMillicores: cpu,
    memoryBytes: mem,
    requests: { cpuMillicores: reqCpu, memoryBytes: reqMem },
  });
  return [
    {
      namespace,
      kind: "Deployment",
      name: "frontend-web",
      replicas: 5,
      shape: "diurnal",
      containers: [container("web", 450, 700 * Mi, 2000, 4 * Gi)],
    },
    {
      namespace,
      kind: "Deployment",
      name: "api-gateway",
      replicas: 8,
      shape: "bursty",
      memoryGrowthPerDay: 0.01,
      containers: [container("gateway", 220, 380 * Mi, 1000, 2 * Gi)],
    },
    {
      namespace,
      kind: "Deployment",
      name: "batch-processor",
      replicas: 10,
      shape: "batch",
      restartsPerWeek: 1,
      containers: [container("processor", 1400, 1400 * Mi, 4000, 8 * Gi)],
    },
    {
      namespace,
      kind: "Deployment",
      name: "microservice-analytics",
      replicas: 6,
      shape: "idle",
      containers: [container("analytics", 300, 160 * Mi, 500, 1 * Gi)],
    },
  ];
}

/** Seven days of the demo at 5-minute resolution. */
export function demoOptions(seed = 42): GenerateOptions {
  return {
    workloads: demoWorkloads(),
    start: DEFAULT_START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed,
  };
}

const SHAPES: LoadShape[] = ["diurnal", "bursty", "steady", "idle", "batch"];
const KINDS: WorkloadKind[] = ["Deployment", "Deployment", "Deployment", "StatefulSet", "DaemonSet"];

/**
 * `count` workloads spread over namespaces of `perNamespace`, each with `containers` containers
 * and `pods` pods, a mix of shapes and kinds; some leak memory, some get OOM-killed.
 */
export function fleetWorkloads(
  count: number,
  opts: { perNamespace?: number; containers?: number; pods?: number; seed?: number } = {},
): WorkloadSpec[] {
  const perNamespace = opts.perNamespace ?? 50;
  const rnd = mulberry32(seedFrom(opts.seed ?? 1, "fleet"));
  const out: WorkloadSpec[] = [];
  for (let k = 0; k < count; k++) {
    const ns = `team-${String(Math.floor(k / perNamespace)).padStart(3, "0")}`;
    const shape = SHAPES[k % SHAPES.length] as LoadShape;
    const containers = Array.from({ length: opts.containers ?? 2 }, (_, c) => ({
      name: c === 0 ? "app" : `sidecar-${c}`,
      cpuMillicores: Math.round((c === 0 ? 200 : 30) * (0.3 + 3 * rnd())),
      memoryBytes: Math.round((c === 0 ? 300 : 40) * Mi * (0.5 + 2 * rnd())),
    }));
    out.push({
      namespace: ns,
      kind: KINDS[k % KINDS.length] as WorkloadKind,
      name: `svc-${String(k).padStart(4, "0")}`,
      replicas: opts.pods ?? 2,
      shape,
      containers,
      memoryGrowthPerDay: k % 7 === 0 ? 0.03 : undefined,
      oomKillsPerWeek: k % 23 === 0 ? 2 : undefined,
      restartsPerWeek: k % 11 === 0 ? 1 : undefined,
    });
  }
  return out;
}
