// A seeded generator of realistic cluster metrics as an OpenMetrics file that
// `promtool tsdb create-blocks-from openmetrics` accepts and FileUsageSource reads: timestamps in
// seconds, one metric family after another (OpenMetrics forbids interleaving), each series'
// samples in time order, `# EOF` last. Every pod and container draws from its own seeded stream,
// so a family can be written in its own pass without holding the others in memory.

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import type { WorkloadKind } from "../api/types.js";
import { hourOfWeek } from "./grid.js";
import { gaussian, mulberry32, seedFrom, suffix } from "./prng.js";
import * as S from "./series.js";

/**
 * diurnal: busy afternoons, quiet nights, quieter weekends. bursty: diurnal plus short spikes.
 * steady: flat with noise. idle: a few percent of the level. batch: near idle except a nightly
 * run 01:00-03:00 UTC.
 */
export type LoadShape = "diurnal" | "bursty" | "steady" | "idle" | "batch";

export interface ContainerSpec {
  name: string;
  /** CPU usage at the busiest time of the shape, millicores. */
  cpuMillicores: number;
  /** Typical working set, bytes. */
  memoryBytes: number;
  /** What the manifests request (not written as metrics; presets carry it for demos). */
  requests?: { cpuMillicores: number; memoryBytes: number };
}

export interface WorkloadSpec {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  replicas: number;
  containers: ContainerSpec[];
  shape: LoadShape;
  /** Slow growth of the working set, as a share of memoryBytes per day (a leak, a cache). */
  memoryGrowthPerDay?: number;
  /** OOM kills per container per week: the working set climbs to 1.5x and the container restarts. */
  oomKillsPerWeek?: number;
  /** Other restarts (reason Error) per container per week. */
  restartsPerWeek?: number;
  /** Managed by an HPA: minReplicas pods always, more pods in busy hours up to maxReplicas. */
  hpa?: { minReplicas: number; maxReplicas: number };
}

export interface GenerateOptions {
  workloads: WorkloadSpec[];
  /** Unix seconds of the first sample; rounded down to the resolution. */
  start: number;
  durationSeconds: number;
  resolutionSeconds: number;
  seed: number;
  /** Write kube-state-metrics series (owners, restarts, reasons, HPA); default true. */
  kubeStateMetrics?: boolean;
}

export interface GenerateStats {
  series: number;
  samples: number;
  bytes: number;
}

const Reason = { None: 0, OOMKilled: 1, Error: 2 } as const;
type Reason = (typeof Reason)[keyof typeof Reason];

interface PodInstance {
  workload: WorkloadSpec;
  name: string;
  replicaSet?: string;
  /** The Job owning a CronJob's pod. */
  job?: string;
  /** Index of the pod's first and last sample. */
  from: number;
  to: number;
}

interface ContainerSim {
  cpu: Float64Array;
  memory: Float64Array;
  restarts: Int32Array;
  reason: Int8Array;
}

/** Writes the whole file to out (not ended); resolves when everything is handed to the stream. */
export async function writeOpenMetrics(options: GenerateOptions, out: Writable): Promise<GenerateStats> {
  const res = Math.max(1, Math.round(options.resolutionSeconds));
  const t0 = Math.floor(options.start / res) * res;
  const n = Math.floor(options.durationSeconds / res) + 1;
  const ksm = options.kubeStateMetrics !== false;
  const pods = options.workloads.flatMap((w) => podInstances(w, options.seed, t0, res, n));
  const stats: GenerateStats = { series: 0, samples: 0, bytes: 0 };
  let buf = "";
  const flush = async (force = false) => {
    if (buf.length < 1 << 20 && !force) return;
    stats.bytes += Buffer.byteLength(buf);
    const ok = out.write(buf);
    buf = "";
    if (!ok) await once(out, "drain");
  };
  const series = async (
    name: string,
    labels: string,
    from: number,
    to: number,
    value: (i: number) => string,
  ) => {
    stats.series++;
    stats.samples += to - from + 1;
    const head = `${name}{${labels}} `;
    for (let i = from; i <= to; i++) {
      buf += `${head}${value(i)} ${t0 + i * res}\n`;
      if (buf.length >= 1 << 20) await flush();
    }
  };
  const sim = (p: PodInstance, c: ContainerSpec) => simulate(p, c, options.seed, t0, res);
  const containerLabels = (p: PodInstance, c: ContainerSpec) =>
    `namespace="${p.workload.namespace}",pod="${p.name}",container="${c.name}"`;

  buf += "# TYPE container_cpu_usage_seconds counter\n";
  for (const p of pods) {
    for (const c of p.workload.containers) {
      const s = sim(p, c);
      await series(S.CPU, containerLabels(p, c), p.from, p.to, (i) => fmt(s.cpu[i] as number));
    }
  }
  buf += "# TYPE container_memory_working_set_bytes gauge\n";
  for (const p of pods) {
    for (const c of p.workload.containers) {
      const s = sim(p, c);
      await series(S.MEMORY, containerLabels(p, c), p.from, p.to, (i) =>
        String(Math.round(s.memory[i] as number)),
      );
    }
  }
  if (ksm) {
    buf += "# TYPE kube_pod_container_status_restarts counter\n";
    for (const p of pods) {
      for (const c of p.workload.containers) {
        const s = sim(p, c);
        await series(S.RESTARTS, containerLabels(p, c), p.from, p.to, (i) => String(s.restarts[i]));
      }
    }
    // kube-state-metrics exports the reason of the last termination while it is the last one.
    buf += "# TYPE kube_pod_container_status_last_terminated_reason gauge\n";
    for (const p of pods) {
      for (const c of p.workload.containers) {
        const s = sim(p, c);
        for (const [reason, label] of [
          [Reason.OOMKilled, "OOMKilled"],
          [Reason.Error, "Error"],
        ] as const) {
          for (const [from, to] of runsOf(s.reason, reason, p.from, p.to)) {
            await series(S.TERMINATED, `${containerLabels(p, c)},reason="${label}"`, from, to, () => "1");
          }
        }
      }
    }
    buf += "# TYPE kube_pod_owner gauge\n";
    for (const p of pods) {
      const [kind, owner] = p.replicaSet
        ? ["ReplicaSet", p.replicaSet]
        : p.job
          ? ["Job", p.job]
          : [p.workload.kind, p.workload.name];
      const labels = `namespace="${p.workload.namespace}",pod="${p.name}",owner_kind="${kind}",owner_name="${owner}",owner_is_controller="true"`;
      await series(S.POD_OWNER, labels, p.from, p.to, () => "1");
    }
    buf += "# TYPE kube_replicaset_owner gauge\n";
    const replicaSets = new Map<string, PodInstance>();
    for (const p of pods) if (p.replicaSet) replicaSets.set(`${p.workload.namespace}/${p.replicaSet}`, p);
    for (const p of replicaSets.values()) {
      const labels = `namespace="${p.workload.namespace}",replicaset="${p.replicaSet}",owner_kind="Deployment",owner_name="${p.workload.name}",owner_is_controller="true"`;
      await series(S.REPLICASET_OWNER, labels, 0, n - 1, () => "1");
    }
    buf += "# TYPE kube_job_owner gauge\n";
    for (const p of pods) {
      if (!p.job) continue;
      const labels = `namespace="${p.workload.namespace}",job_name="${p.job}",owner_kind="CronJob",owner_name="${p.workload.name}",owner_is_controller="true"`;
      await series(S.JOB_OWNER, labels, p.from, p.to, () => "1");
    }
    const scaled = options.workloads.filter((w) => w.hpa);
    const hpaLabels = (w: WorkloadSpec) => `namespace="${w.namespace}",horizontalpodautoscaler="${w.name}"`;
    buf += "# TYPE kube_horizontalpodautoscaler_info gauge\n";
    for (const w of scaled) {
      const labels = `${hpaLabels(w)},scaletargetref_kind="${w.kind}",scaletargetref_name="${w.name}"`;
      await series(S.HPA_INFO, labels, 0, n - 1, () => "1");
    }
    for (const [metric, field] of [
      [S.HPA_MIN, "minReplicas"],
      [S.HPA_MAX, "maxReplicas"],
    ] as const) {
      buf += `# TYPE ${metric} gauge\n`;
      for (const w of scaled) await series(metric, hpaLabels(w), 0, n - 1, () => String(w.hpa?.[field]));
    }
  }
  buf += "# EOF\n";
  await flush(true);
  return stats;
}

/** Writes the file at path and closes it. */
export async function writeOpenMetricsFile(path: string, options: GenerateOptions): Promise<GenerateStats> {
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  const stats = await writeOpenMetrics(options, out);
  out.end();
  await done;
  return stats;
}

/** Counters keep 6 decimals (microseconds of CPU); enough, and keeps lines short. */
function fmt(v: number): string {
  return String(Math.round(v * 1e6) / 1e6);
}

function* runsOf(values: Int8Array, want: number, from: number, to: number): Generator<[number, number]> {
  let start = -1;
  for (let i = from; i <= to + 1; i++) {
    const on = i <= to && values[i] === want;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      yield [start, i - 1];
      start = -1;
    }
  }
}

/** The load factor (0..~1) of a shape at time t, before noise. */
function shapeFactor(shape: LoadShape, t: number): number {
  const how = hourOfWeek(t);
  const hour = (how % 24) + (t % 3600) / 3600;
  const weekend = how < 24 || how >= 144;
  const day = 0.2 + 0.8 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 3)) / 24));
  switch (shape) {
    case "diurnal":
    case "bursty":
      return day * (weekend ? 0.45 : 1);
    case "steady":
      return 0.7;
    case "idle":
      return 0.04;
    case "batch":
      return hour >= 1 && hour < 3 ? 0.9 : 0.03;
  }
}

function podInstances(w: WorkloadSpec, seed: number, t0: number, res: number, n: number): PodInstance[] {
  const rnd = mulberry32(seedFrom(seed, w.namespace, w.name, "pods"));
  const replicaSet = w.kind === "Deployment" ? `${w.name}-${suffix(rnd, 10)}` : undefined;
  // A CronJob's Jobs are named <cronjob>-<minutes since the epoch>; here each of its pods
  // stands for one Job running through the window.
  const jobOf = (ordinal: number) =>
    w.kind === "CronJob" ? `${w.name}-${Math.floor(t0 / 60) + ordinal}` : undefined;
  const podName = (ordinal: number) =>
    w.kind === "StatefulSet"
      ? `${w.name}-${ordinal}`
      : w.kind === "DaemonSet"
        ? `${w.name}-${suffix(rnd, 5)}`
        : w.kind === "CronJob"
          ? `${jobOf(ordinal)}-${suffix(rnd, 5)}`
          : `${replicaSet}-${suffix(rnd, 5)}`;
  const base = w.hpa ? w.hpa.minReplicas : w.replicas;
  const pods: PodInstance[] = [];
  for (let k = 0; k < base; k++) {
    const job = jobOf(k);
    pods.push({ workload: w, name: podName(k), replicaSet, ...(job ? { job } : {}), from: 0, to: n - 1 });
  }
  if (w.hpa) {
    // Extra pods come in busy hours, one threshold per slot; each scale-up is a new pod.
    const extra = w.hpa.maxReplicas - w.hpa.minReplicas;
    for (let k = 0; k < extra; k++) {
      const threshold = 0.45 + (0.5 * (k + 1)) / (extra + 1);
      let from = -1;
      for (let i = 0; i <= n; i++) {
        const busy = i < n && shapeFactor(w.shape, t0 + i * res) >= threshold;
        if (busy && from < 0) from = i;
        if (!busy && from >= 0) {
          pods.push({ workload: w, name: podName(base + k), replicaSet, from, to: i - 1 });
          from = -1;
        }
      }
    }
  }
  return pods;
}

function simulate(p: PodInstance, c: ContainerSpec, seed: number, t0: number, res: number): ContainerSim {
  const w = p.workload;
  const n = p.to + 1;
  const rnd = mulberry32(seedFrom(seed, w.namespace, p.name, c.name));
  const sim: ContainerSim = {
    cpu: new Float64Array(n),
    memory: new Float64Array(n),
    restarts: new Int32Array(n),
    reason: new Int8Array(n),
  };
  // Restart times, drawn up front so the working set can climb towards each OOM kill.
  const weeks = ((p.to - p.from) * res) / (7 * 86_400);
  const events = new Map<number, Reason>();
  const draw = (perWeek: number | undefined, reason: Reason) => {
    const count = Math.floor((perWeek ?? 0) * weeks + rnd());
    for (let k = 0; k < count; k++) events.set(p.from + 1 + Math.floor(rnd() * (p.to - p.from)), reason);
  };
  draw(w.oomKillsPerWeek, Reason.OOMKilled);
  draw(w.restartsPerWeek, Reason.Error);
  const ooms = [...events].filter(([, r]) => r === Reason.OOMKilled).map(([i]) => i);
  ooms.sort((a, b) => a - b);

  let counter = rnd() * 50;
  let restarts = 0;
  let reason: Reason = Reason.None;
  let lastStart = p.from;
  let burst = 0;
  for (let i = p.from; i <= p.to; i++) {
    const t = t0 + i * res;
    const event = events.get(i);
    if (event !== undefined) {
      restarts++;
      reason = event;
      counter = 0;
      lastStart = i;
    }
    if (w.shape === "bursty" && burst === 0 && rnd() < 0.01) burst = 1 + Math.floor(rnd() * 4);
    const spike = burst > 0 ? 2.5 + rnd() * 2 : 1;
    if (burst > 0) burst--;
    const cores = (c.cpuMillicores / 1000) * shapeFactor(w.shape, t) * spike * Math.exp(0.15 * gaussian(rnd));
    counter += cores * res;
    const days = (t - t0) / 86_400;
    let mem = c.memoryBytes * (1 + (w.memoryGrowthPerDay ?? 0) * days) * (1 + 0.02 * gaussian(rnd));
    if (w.shape === "batch") mem *= 1 + 0.6 * shapeFactor(w.shape, t);
    const nextOom = ooms.find((o) => o > i);
    if (nextOom !== undefined) mem *= 1 + (0.5 * (i - lastStart)) / Math.max(1, nextOom - lastStart);
    sim.cpu[i] = counter;
    sim.memory[i] = mem;
    sim.restarts[i] = restarts;
    sim.reason[i] = reason;
  }
  return sim;
}
