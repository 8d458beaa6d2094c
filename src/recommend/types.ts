// The recommender's contract: what goes in (the workload as the manifests describe it, its
// usage, the policy, prices, a clock) and what comes out (one Recommendation per policy and
// workload). CPU is millicores, memory is bytes, money is USD per month (730 h), times are
// Unix seconds unless a field says otherwise. The PR lifecycle codes against this file.

import type { PolicyRef, WorkloadRef } from "../api/refs.js";
import type { OptimizationType, RiskLevel } from "../api/types.js";
import type { CpuStats, MemoryStats, TimeWindow } from "../metrics/types.js";
import type { StepChange, Trend } from "./trend.js";

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** One container's resources; undefined means the manifest does not set it. */
export interface Resources {
  cpuRequest?: number;
  cpuLimit?: number;
  memoryRequest?: number;
  memoryLimit?: number;
}

export interface ContainerState {
  name: string;
  resources: Resources;
}

/** An int-or-percent as Kubernetes writes it: 2 or "50%". */
export type IntOrPercent = number | string;

export interface PdbState {
  name?: string;
  minAvailable?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
}

export interface HpaState {
  name: string;
  minReplicas?: number;
  maxReplicas?: number;
}

export interface UpdateStrategyState {
  /** Deployment: RollingUpdate | Recreate; StatefulSet/DaemonSet: RollingUpdate | OnDelete. */
  type: "RollingUpdate" | "Recreate" | "OnDelete";
  maxUnavailable?: IntOrPercent;
  maxSurge?: IntOrPercent;
}

/** Volumes that tie a pod to its node or to data, which rule out spot placement. */
export interface LocalState {
  emptyDir: boolean;
  hostPath: boolean;
  persistentVolumeClaim: boolean;
}

export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** The workload as its manifests in Git describe it (plus the HPA/PDB that select it). */
export interface WorkloadState {
  ref: WorkloadRef;
  /** spec.replicas; undefined for a DaemonSet, or when unset (Kubernetes then runs 1). */
  replicas?: number;
  containers: ContainerState[];
  /** metadata.labels of the workload. */
  labels: Record<string, string>;
  /** metadata.annotations of the workload (protection can be declared there). */
  annotations?: Record<string, string>;
  pdb?: PdbState;
  /** The HPA from the manifests; usage.hpa is used when this is absent. */
  hpa?: HpaState;
  updateStrategy?: UpdateStrategyState;
  localState: LocalState;
  /**
   * How the pod template spreads its pods: pod anti-affinity or topologySpreadConstraints.
   * Spot needs one of them, or one reclaimed node can take several pods at once.
   */
  spread?: { podAntiAffinity: boolean; topologySpread: boolean };
  /** Pod template nodeSelector, to notice a workload already pinned to spot or a pool. */
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** Used to pick prices; see PricingConfig. */
  cluster?: string;
  nodePool?: string;
}

/** USD per hour. */
export interface PriceList {
  cpuCoreHour: number;
  ramGiBHour: number;
  spotCpuCoreHour: number;
  spotRamGiBHour: number;
}

/** Defaults, then the cluster's overrides, then the node pool's overrides. */
export interface PricingConfig {
  default?: Partial<PriceList>;
  clusters?: Record<string, Partial<PriceList>>;
  nodePools?: Record<string, Partial<PriceList>>;
  /** Hours in a month; 730 by default (as OpenCost). */
  hoursPerMonth?: number;
}

/** Growth, decline or a step change per container (stationarity.ts). */
export interface ContainerTrends {
  cpu?: Trend;
  memory?: Trend;
  cpuStep?: StepChange;
  memoryStep?: StepChange;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** The usage statistics one container's proposal was computed from. */
export interface ContainerEvidence {
  cpu: CpuStats;
  memory: MemoryStats;
  samples: number;
  coverage: number;
  oomKills: number;
  restarts: number;
  firstSample?: number;
  lastSample?: number;
  /** Growth, decline or a step change seen in the per-day statistics (stationarity.ts). */
  trends?: ContainerTrends;
}

export interface ContainerRecommendation {
  name: string;
  current: Resources;
  /** Equal to current for every field this recommendation does not change. */
  proposed: Resources;
  /** Undefined when the source had no data for this container (it is then left unchanged). */
  evidence?: ContainerEvidence;
  /** Why a value was chosen or left alone ("CPU limit kept in proportion", "floor 100Mi"). */
  notes: string[];
}

export interface WorkloadEvidence {
  source?: string;
  window: TimeWindow;
  stepSeconds: number;
  /** Seconds between the earliest first sample and the latest last sample. */
  historySeconds: number;
}

export interface ReplicaChange {
  current: number;
  /** Equal to current when replicas are not part of this recommendation. */
  proposed: number;
  /** Which field a PR patches: the workload's, or the HPA's when an HPA manages replicas. */
  field: "spec.replicas" | "hpa.minReplicas";
  hpaName?: string;
}

export interface EligibilityCheck {
  check: string;
  passed: boolean;
  detail: string;
}

/** What to add to spec.template.spec for spot capacity. */
export interface PlacementChange {
  capacityType: "spot";
  /** Merged into spec.template.spec.affinity.nodeAffinity. */
  nodeAffinity: Record<string, unknown>;
  /** Appended to spec.template.spec.tolerations (skipping ones already present). */
  tolerations: Toleration[];
  eligibility: EligibilityCheck[];
}

/** A recurring low-usage window, UTC: it starts at startHour on each of `days` (0 = Sunday) and may run past midnight. */
export interface LowWindow {
  days: number[];
  startHour: number;
  durationHours: number;
  desiredReplicas: number;
}

/** A new file next to the workload holding a KEDA ScaledObject with cron triggers. */
export interface ScheduledScalingChange {
  fileName: string;
  /** The ScaledObject document as a plain object, ready to serialize to YAML. */
  scaledObject: Record<string, unknown>;
  windows: LowWindow[];
  /** Replicas outside the low windows (the ScaledObject's baseline). */
  baselineReplicas: number;
}

export interface Factor {
  name: string;
  /** Confidence: this factor's 0..1 score. Risk: the points this factor adds. */
  score: number;
  detail: string;
}

export interface Confidence {
  /** 0..1; 0 whenever notEnoughData. */
  score: number;
  factors: Factor[];
}

export interface Risk {
  level: RiskLevel;
  /** 0..1 */
  score: number;
  factors: Factor[];
}

/** One gate's verdict on a recommendation. */
export interface GateCheck {
  /** Which gate: data, protection, kind, replicas, change, minConfidence, maxRiskLevel. */
  gate: string;
  passed: boolean;
  /** The verdict in plain words ("risk MEDIUM exceeds maxRiskLevel LOW"). */
  detail: string;
}

export interface Decision {
  /** Whether a pull request may be opened. Never true when notEnoughData. */
  allowed: boolean;
  /** True when a change beyond maxChangePercent was cut back to the limit. */
  stepped: boolean;
  /** Every gate's verdict, failed ones first. allowed is true exactly when every check passed. */
  checks: GateCheck[];
  /** What maxChangePercent cut back, one sentence a value: information, never a failure. */
  steps: string[];
  /** The failed checks, then the steps, then the passed checks, as plain text (older consumers). */
  reasons: string[];
}

export interface Recommendation {
  policy: PolicyRef;
  target: WorkloadRef;
  /** The policy's type; for ALL see appliedTypes. */
  optimizationType: OptimizationType;
  /** The types that actually contributed a change (for ALL, several). */
  appliedTypes: OptimizationType[];
  containers: ContainerRecommendation[];
  /** Absent for a DaemonSet. */
  replicas?: ReplicaChange;
  placement?: PlacementChange;
  scheduledScaling?: ScheduledScalingChange;
  evidence: WorkloadEvidence;
  /** USD per month. */
  currentCost: number;
  optimizedCost: number;
  monthlySavings: number;
  confidence: Confidence;
  risk: Risk;
  decision: Decision;
  /** Workload-level notes from the strategies (why a type did not apply, what to remove...). */
  notes: string[];
  /** True when usage was missing or too thin to recommend anything; nothing is proposed. */
  notEnoughData: boolean;
  /** ISO 8601 time from the injected clock. */
  generatedAt: string;
  /** Which recommender produced it ("builtin", "external http://..."). */
  recommender: string;
}
