// The CostOptimization API (costopt.dev/v1). These types mirror crds/costoptimization-crd.yaml,
// which is generated from src/api/schema.ts.

export const GROUP = "costopt.dev";
export const VERSION = "v1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "CostOptimization";
export const PLURAL = "costoptimizations";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "costopt";

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const OPTIMIZATION_TYPES = [
  "CPU",
  "MEMORY",
  "REPLICAS",
  "ALL",
  "SPOT_INSTANCES",
  "SCHEDULED_SCALING",
] as const;
export type OptimizationType = (typeof OPTIMIZATION_TYPES)[number];

export const RISK_LEVELS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const SOURCE_FORMATS = ["auto", "manifest", "kustomize", "helm-values"] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export const PHASES = [
  "Pending",
  "Analyzing",
  "Ready",
  "Applying",
  "Applied",
  "Failed",
  "RolledBack",
] as const;
export type Phase = (typeof PHASES)[number];

export const PR_STATES = ["open", "closed", "merged"] as const;
export type PullRequestState = (typeof PR_STATES)[number];

export interface TargetWorkload {
  name: string;
  kind: WorkloadKind;
  /** Defaults to the policy's own namespace. */
  namespace?: string;
}

/** Where the workload's manifests live in Git (optional; discovered when absent). */
export interface PolicySource {
  /** owner/name */
  repository?: string;
  branch?: string;
  /** A file or folder, relative to the repository root; never leaves it. */
  path?: string;
  format?: SourceFormat;
  /** Dotted path to the workload's block in a Helm values file, e.g. "frontend" or "services.api". */
  valuesPath?: string;
  /** Live container name -> the name used in the manifests or values, where they differ. */
  containerMapping?: Record<string, string>;
}

export interface CostOptimizationSpec {
  targetWorkload: TargetWorkload;
  optimizationType: OptimizationType;
  maxChangePercent: number;
  minConfidence: number;
  dryRun: boolean;
  autoApply: boolean;
  rollbackOnFailure: boolean;
  maxRiskLevel: RiskLevel;
  metricsWindow: string;
  schedule?: string;
  source?: PolicySource;
  /** Fewest replicas costopt may propose (REPLICAS, ALL, quiet hours). Unset: 2 for a workload running 2 or more, else 1. */
  minReplicas?: number;
  /** Add a memory limit (equal to the request) to containers that have none. Default false: only existing limits change. */
  addMemoryLimit?: boolean;
}

/** The four container resource settings costopt sizes (CPU in millicores, memory in bytes). */
export const RESOURCE_FIELDS = ["cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit"] as const;
export type ResourceField = (typeof RESOURCE_FIELDS)[number];

export interface ResourceChange {
  container: string;
  resource: ResourceField | "replicas" | "placement" | "schedule";
  current: string;
  proposed: string;
}

export interface CurrentRecommendation {
  optimizationType: OptimizationType;
  currentCost: number;
  optimizedCost: number;
  monthlySavings: number;
  confidenceScore: number;
  riskLevel: RiskLevel;
  changes: ResourceChange[];
}

export interface PullRequestRef {
  number: number;
  url: string;
  branch: string;
  state: PullRequestState;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface CostOptimizationStatus {
  phase: Phase;
  message?: string;
  lastAnalysis?: string;
  lastApplied?: string;
  /** The pull request outcome last turned into status (src/gitops/lifecycle.ts outcomeId), so none is replayed. */
  lastOutcome?: string;
  currentRecommendation?: CurrentRecommendation;
  appliedOptimizations: number;
  totalSavings: number;
  pullRequest?: PullRequestRef;
  /** Where the manifests were found and why (src/discovery statusSource()). */
  source?: Record<string, unknown>;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface CostOptimization {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: CostOptimizationSpec;
  status?: CostOptimizationStatus;
}
