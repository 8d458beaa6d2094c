// The contract between usage sources (Prometheus, OpenMetrics file) and the recommender.
// CPU is millicores, memory is bytes, times are Unix seconds.

import { type WorkloadRef, workloadKey } from "../api/refs.js";
import type { DayStats } from "./daily.js";

export type { DayStats, WorkloadRef };
export { workloadKey };

export interface TimeWindow {
  start: number;
  end: number;
}

/** Statistics of the 5-minute CPU rate, pooled over every pod's samples of this container. */
export interface CpuStats {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Statistics of container_memory_working_set_bytes, pooled over every pod's samples. */
export interface MemoryStats {
  p95: number;
  max: number;
}

export interface ContainerUsage {
  container: string;
  cpu: CpuStats;
  memory: MemoryStats;
  /** Number of CPU rate samples that went into the statistics. */
  samples: number;
  /** Share of the window (0..1) in which the container had data. */
  coverage: number;
  firstSample?: number;
  lastSample?: number;
  oomKills: number;
  restarts: number;
  /** Per UTC day, for trend detection; absent when a source cannot tell days apart. */
  daily?: DayStats[];
}

/** Per hour of week (168 buckets, 0 = Sunday 00:00-01:00 UTC); null where no data fell in the bucket. */
export interface HourlyProfile {
  /** Mean over the bucket of the workload's total CPU (sum over pods and containers), millicores. */
  cpu: (number | null)[];
  /** Mean over the bucket of the number of pods reporting. */
  replicas: (number | null)[];
}

export interface HpaInfo {
  name: string;
  minReplicas?: number;
  maxReplicas?: number;
}

export interface WorkloadUsage {
  workload: WorkloadRef;
  window: TimeWindow;
  /** Resolution of the data the statistics came from, seconds. */
  stepSeconds: number;
  containers: ContainerUsage[];
  profile: HourlyProfile;
  /** Set when a HorizontalPodAutoscaler targets the workload. */
  hpa?: HpaInfo;
  /**
   * How pods were matched to the workload: through kube-state-metrics' owner series, or (when
   * they are missing for any of its pods) by the controllers' pod naming conventions.
   */
  ownership?: "owner-series" | "name-pattern";
  /** Caveats about the data worth showing a reviewer, e.g. "kube_pod_owner missing in ns ...". */
  notes?: string[];
}

export interface UsageSource {
  /** Human-readable description for logs and PR evidence ("prometheus http://...", "file demo.om"). */
  readonly description: string;
  /**
   * Usage for many workloads at once, so a source can batch (e.g. one query per namespace).
   * Workloads without data are absent from the map (keyed by workloadKey).
   */
  usage(workloads: WorkloadRef[], window: TimeWindow): Promise<Map<string, WorkloadUsage>>;
}
