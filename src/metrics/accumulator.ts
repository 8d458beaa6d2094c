// The statistics, defined once for both sources. A source turns its data into grid points
// (see grid.ts) and feeds them, series by series, to the sinks handed out here; finish() pools
// them per workload and container. Definitions:
//
// - CPU: per pod and container, the rate of container_cpu_usage_seconds_total over the last
//   RATE_SECONDS (or one step when the step is coarser) at every grid point where the counter
//   has a finite value there and at every point in between; a counter that goes down restarted
//   from 0 (as Prometheus's rate() assumes). Rates of all pods of a container are pooled, and
//   p50..p99 are nearest-rank quantiles of the pool (sketch.ts), max is exact.
// - Memory: container_memory_working_set_bytes at every grid point, pooled the same way.
// - samples: the number of CPU rates; coverage: the share of grid points at which some pod of the
//   container has a CPU rate; first/last sample: the first and last such grid time.
// - restarts: increases of kube_pod_container_status_restarts_total between consecutive points
//   of an hourly grid (a decrease counts as a restart from 0); oomKills: those increases seen
//   while kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} is 1 — or, for a
//   container without a restart counter, the times that flag turns on inside the window.
// - daily: per UTC day, the sum, count and max of the CPU rates and the max of the working set
//   (daily.ts), pooled over the container's pods.
// - profile: per hour of week, the mean over the grid points at which the workload had any CPU
//   rate of (total CPU rate of all its pods and containers) and (number of pods with a rate).
// Non-finite values (NaN, +-Inf) count as no data.

import { DailyCollector, dayOf, mergeDays } from "./daily.js";
import { EVENT_STEP_SECONDS, type Grid, gridTime, hourOfWeek, RATE_SECONDS } from "./grid.js";
import { OwnerIndex, type Resolved } from "./ownership.js";
import { Sketch } from "./sketch.js";
import type { ContainerUsage, HpaInfo, TimeWindow, WorkloadRef, WorkloadUsage } from "./types.js";
import { workloadKey } from "./types.js";

export interface SeriesSink {
  /** Value at grid point i; points arrive in increasing i. */
  point(i: number, v: number): void;
}

interface PodContainer {
  namespace: string;
  pod: string;
  container: string;
  cpu: Sketch;
  memory: Sketch;
  hourCpu: Float64Array;
  daily: DailyCollector;
  /** Grid index ranges [from, to] with a CPU rate, flattened. */
  runs: number[];
  restartIncreases: { i: number; inc: number }[];
  hasRestartCounter: boolean;
  oomFlagged: number[];
}

interface HpaRecord extends HpaInfo {
  namespace: string;
  targetKind: string;
  targetName: string;
}

export class UsageAccumulator {
  readonly owners = new OwnerIndex();
  readonly eventGrid: Grid;
  private readonly records = new Map<string, PodContainer>();
  private readonly hpas = new Map<string, HpaRecord>();
  private readonly byNamespace = new Map<string, WorkloadRef[]>();
  private readonly rateSpan: number;
  /** Hour of week of each grid point, computed once rather than per sample. */
  private readonly hours: Uint8Array;
  /** UTC day (dayOf) of each grid point. */
  private readonly days: Int32Array;

  constructor(
    workloads: readonly WorkloadRef[],
    readonly window: TimeWindow,
    readonly grid: Grid,
  ) {
    for (const w of workloads) {
      const list = this.byNamespace.get(w.namespace) ?? [];
      list.push(w);
      this.byNamespace.set(w.namespace, list);
    }
    // Align the hourly grid with the main one so both sources pick the same points.
    const step = Math.ceil(EVENT_STEP_SECONDS / grid.step) * grid.step;
    const start = Math.ceil(grid.start / step) * step;
    const end = grid.start + (grid.count - 1) * grid.step;
    this.eventGrid = { start, step, count: end >= start ? Math.floor((end - start) / step) + 1 : 0 };
    this.rateSpan = Math.max(1, Math.round(RATE_SECONDS / grid.step));
    this.hours = Uint8Array.from({ length: grid.count }, (_, i) => hourOfWeek(gridTime(grid, i)));
    this.days = Int32Array.from({ length: grid.count }, (_, i) => dayOf(gridTime(grid, i)));
  }

  get namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  wants(namespace: string): boolean {
    return this.byNamespace.has(namespace);
  }

  cpuSeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    const m = this.rateSpan;
    const seconds = m * this.grid.step;
    const values = new Float64Array(m + 1).fill(Number.NaN);
    const at = new Float64Array(m + 1).fill(-1);
    const hours = this.hours;
    const days = this.days;
    return {
      point(i, v) {
        const slot = i % (m + 1);
        values[slot] = v;
        at[slot] = i;
        if (!Number.isFinite(v) || i < m) return;
        let inc = 0;
        for (let j = i - m + 1; j <= i; j++) {
          const a = j % (m + 1);
          const b = (j - 1) % (m + 1);
          if (at[a] !== j || at[b] !== j - 1) return;
          const va = values[a] as number;
          const vb = values[b] as number;
          if (!Number.isFinite(va) || !Number.isFinite(vb)) return;
          inc += va >= vb ? va - vb : va;
        }
        const rate = (inc / seconds) * 1000;
        rec.cpu.add(rate);
        (rec.hourCpu[hours[i] as number] as number) += rate;
        rec.daily.cpu(days[i] as number, rate);
        const r = rec.runs;
        if (r.length > 0 && r[r.length - 1] === i - 1) r[r.length - 1] = i;
        else r.push(i, i);
      },
    };
  }

  memorySeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    const days = this.days;
    return {
      point(i, v) {
        if (!Number.isFinite(v)) return;
        rec.memory.add(v);
        rec.daily.memory(days[i] as number, v);
      },
    };
  }

  /** Points on eventGrid. */
  restartSeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    rec.hasRestartCounter = true;
    let prev = Number.NaN;
    return {
      point(i, v) {
        if (!Number.isFinite(v)) return;
        if (!Number.isNaN(prev)) {
          const inc = v >= prev ? v - prev : v;
          if (inc > 0) rec.restartIncreases.push({ i, inc });
        }
        prev = v;
      },
    };
  }

  /** Points on eventGrid, of the reason="OOMKilled" series. */
  oomSeries(namespace: string, pod: string, container: string): SeriesSink {
    const rec = this.record(namespace, pod, container);
    return {
      point(i, v) {
        if (Number.isFinite(v) && v >= 1) rec.oomFlagged.push(i);
      },
    };
  }

  addHpa(namespace: string, name: string, targetKind: string, targetName: string): void {
    const key = `${namespace}/${name}`;
    if (!this.hpas.has(key)) this.hpas.set(key, { namespace, name, targetKind, targetName });
  }

  setHpaReplicas(namespace: string, name: string, field: "minReplicas" | "maxReplicas", value: number): void {
    const hpa = this.hpas.get(`${namespace}/${name}`);
    if (hpa && Number.isFinite(value)) hpa[field] = value;
  }

  finish(): Map<string, WorkloadUsage> {
    const resolved = new Map<string, Resolved | undefined>();
    const groups = new Map<
      string,
      { workload: WorkloadRef; pods: Map<string, PodContainer[]>; via: Set<string> }
    >();
    for (const rec of this.records.values()) {
      const podKey = `${rec.namespace}/${rec.pod}`;
      if (!resolved.has(podKey)) {
        const candidates = this.byNamespace.get(rec.namespace) ?? [];
        resolved.set(podKey, this.owners.resolve(rec.namespace, rec.pod, candidates));
      }
      const r = resolved.get(podKey);
      if (!r) continue;
      const key = workloadKey(r.workload);
      let group = groups.get(key);
      if (!group) {
        group = { workload: r.workload, pods: new Map(), via: new Set() };
        groups.set(key, group);
      }
      group.via.add(r.via);
      const list = group.pods.get(rec.pod) ?? [];
      list.push(rec);
      group.pods.set(rec.pod, list);
    }
    const out = new Map<string, WorkloadUsage>();
    for (const [key, group] of groups) {
      const usage = this.workloadUsage(group.workload, group.pods);
      if (!usage) continue;
      if (group.via.has("name-pattern")) {
        usage.ownership = "name-pattern";
        usage.notes = [
          this.owners.hasOwnerSeries(group.workload.namespace)
            ? "some pods have no kube_pod_owner series; they were matched to the workload by name"
            : `kube-state-metrics' kube_pod_owner has no series in namespace ${group.workload.namespace}; pods were matched to the workload by name`,
        ];
      } else usage.ownership = "owner-series";
      out.set(key, usage);
    }
    return out;
  }

  private workloadUsage(workload: WorkloadRef, pods: Map<string, PodContainer[]>): WorkloadUsage | undefined {
    const g = this.grid;
    const byContainer = new Map<string, PodContainer[]>();
    const podCount = new Uint16Array(g.count);
    const hourCpu = new Float64Array(168);
    for (const recs of pods.values()) {
      for (const [from, to] of pairs(unionRuns(recs.flatMap((r) => r.runs)))) {
        for (let i = from; i <= to; i++) (podCount[i] as number)++;
      }
      for (const r of recs) {
        for (let h = 0; h < 168; h++) (hourCpu[h] as number) += r.hourCpu[h] as number;
        const list = byContainer.get(r.container) ?? [];
        list.push(r);
        byContainer.set(r.container, list);
      }
    }
    const containers: ContainerUsage[] = [];
    for (const [name, recs] of [...byContainer].sort(([a], [b]) => a.localeCompare(b))) {
      const c = this.containerUsage(name, recs);
      if (c.samples > 0 || recs.some((r) => r.memory.count > 0)) containers.push(c);
    }
    if (containers.length === 0) return undefined;

    const pointsInHour = new Float64Array(168);
    const podsInHour = new Float64Array(168);
    for (let i = 0; i < g.count; i++) {
      const n = podCount[i] as number;
      if (n === 0) continue;
      const h = this.hours[i] as number;
      (pointsInHour[h] as number)++;
      (podsInHour[h] as number) += n;
    }
    const perHour = (sums: Float64Array) =>
      Array.from(sums, (s, h) => ((pointsInHour[h] as number) > 0 ? s / (pointsInHour[h] as number) : null));
    const usage: WorkloadUsage = {
      workload,
      window: { ...this.window },
      stepSeconds: g.step,
      containers,
      profile: { cpu: perHour(hourCpu), replicas: perHour(podsInHour) },
    };
    for (const hpa of this.hpas.values()) {
      if (
        hpa.namespace === workload.namespace &&
        hpa.targetKind === workload.kind &&
        hpa.targetName === workload.name
      ) {
        usage.hpa = { name: hpa.name, minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas };
      }
    }
    return usage;
  }

  private containerUsage(container: string, recs: PodContainer[]): ContainerUsage {
    const cpu = new Sketch();
    const memory = new Sketch();
    let restarts = 0;
    let oomKills = 0;
    for (const r of recs) {
      cpu.merge(r.cpu);
      memory.merge(r.memory);
      const flagged = new Set(r.oomFlagged);
      for (const { i, inc } of r.restartIncreases) {
        restarts += inc;
        if (flagged.has(i)) oomKills += inc;
      }
      if (!r.hasRestartCounter) {
        for (const i of r.oomFlagged) if (i > 0 && !flagged.has(i - 1)) oomKills++;
      }
    }
    const runs = unionRuns(recs.flatMap((r) => r.runs));
    let covered = 0;
    for (const [from, to] of pairs(runs)) covered += to - from + 1;
    const usage: ContainerUsage = {
      container,
      cpu: {
        p50: cpu.quantile(0.5),
        p90: cpu.quantile(0.9),
        p95: cpu.quantile(0.95),
        p99: cpu.quantile(0.99),
        max: cpu.count > 0 ? cpu.max : 0,
      },
      memory: { p95: memory.quantile(0.95), max: memory.count > 0 ? memory.max : 0 },
      samples: cpu.count,
      daily: mergeDays(...recs.map((r) => r.daily.result())),
      coverage: this.grid.count > 0 ? covered / this.grid.count : 0,
      oomKills,
      restarts,
    };
    if (runs.length > 0) {
      usage.firstSample = gridTime(this.grid, runs[0] as number);
      usage.lastSample = gridTime(this.grid, runs[runs.length - 1] as number);
    }
    return usage;
  }

  private record(namespace: string, pod: string, container: string): PodContainer {
    const key = `${namespace}\u0000${pod}\u0000${container}`;
    let rec = this.records.get(key);
    if (!rec) {
      rec = {
        namespace,
        pod,
        container,
        cpu: new Sketch(),
        memory: new Sketch(),
        hourCpu: new Float64Array(168),
        daily: new DailyCollector(),
        runs: [],
        restartIncreases: [],
        hasRestartCounter: false,
        oomFlagged: [],
      };
      this.records.set(key, rec);
    }
    return rec;
  }
}

/** Sorted, merged union of flattened [from, to] index ranges. */
function unionRuns(runs: number[]): number[] {
  const list = [...pairs(runs)].sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [from, to] of list) {
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
  }
  return out;
}

function* pairs(flat: number[]): Generator<[number, number]> {
  for (let k = 0; k + 1 < flat.length; k += 2) yield [flat[k] as number, flat[k + 1] as number];
}
