// One accepted and one rejected policy per validation rule, shared by the rule tests and the
// CRD schema tests (which check the API server would reject exactly the same policies).
import type { ValidationOptions } from "../../src/api/validation.js";

type Spec = Record<string, unknown>;

/** A valid policy; each case changes one thing. */
export function policy(spec: Spec = {}, metadata: Spec = {}): Record<string, unknown> {
  return {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name: "p", namespace: "shop", ...metadata },
    spec: { targetWorkload: { name: "web", kind: "Deployment" }, optimizationType: "CPU", ...spec },
  };
}

const target = (t: Spec) => ({ targetWorkload: { name: "web", kind: "Deployment", ...t } });
const autoApply = { autoApply: true, dryRun: false };

export interface Case {
  rule: string;
  accepted: Record<string, unknown>;
  rejected: Record<string, unknown>;
  message: string;
  opts?: ValidationOptions;
  /** Enforced by the admission webhook only: configurable lists, labels, cron field ranges. */
  admissionOnly?: boolean;
}

export const cases: Case[] = [
  {
    rule: "targetWorkload.name is required",
    accepted: policy(),
    rejected: policy({ targetWorkload: { kind: "Deployment" } }),
    message: "spec.targetWorkload.name: Required value",
  },
  {
    rule: "targetWorkload.name is a DNS-1123 name",
    accepted: policy(target({ name: "web-1.v2" })),
    rejected: policy(target({ name: "Web_1" })),
    message: 'spec.targetWorkload.name: Invalid value: "Web_1": must be a lowercase RFC 1123 name',
  },
  {
    rule: "targetWorkload.kind is required",
    accepted: policy(target({ kind: "StatefulSet" })),
    rejected: policy({ targetWorkload: { name: "web" } }),
    message: "spec.targetWorkload.kind: Required value",
  },
  {
    rule: "targetWorkload.kind is a supported kind",
    accepted: policy(target({ kind: "CronJob" })),
    rejected: policy(target({ kind: "Job" })),
    message:
      'spec.targetWorkload.kind: Unsupported value: "Job": supported values: "Deployment", "StatefulSet", "DaemonSet", "CronJob"',
  },
  {
    rule: "targetWorkload.namespace is a DNS-1123 label",
    accepted: policy(target({ namespace: "team-a" }), { namespace: "team-a" }),
    rejected: policy(target({ namespace: "team.a" })),
    message: 'spec.targetWorkload.namespace: Invalid value: "team.a"',
  },
  {
    rule: "optimizationType is required",
    accepted: policy({ optimizationType: "MEMORY" }),
    rejected: policy({ optimizationType: undefined }),
    message: "spec.optimizationType: Required value",
  },
  {
    rule: "optimizationType is one of the six types",
    accepted: policy({ optimizationType: "SCHEDULED_SCALING" }),
    rejected: policy({ optimizationType: "DISK" }),
    message:
      'spec.optimizationType: Unsupported value: "DISK": supported values: "CPU", "MEMORY", "REPLICAS", "ALL", "SPOT_INSTANCES", "SCHEDULED_SCALING"',
  },
  {
    rule: "maxChangePercent is at most 100",
    accepted: policy({ maxChangePercent: 100 }),
    rejected: policy({ maxChangePercent: 120 }),
    message: "spec.maxChangePercent: Invalid value: 120: must be between 1 and 100",
  },
  {
    rule: "maxChangePercent is at least 1",
    accepted: policy({ maxChangePercent: 1 }),
    rejected: policy({ maxChangePercent: 0 }),
    message: "spec.maxChangePercent: Invalid value: 0: must be between 1 and 100",
  },
  {
    rule: "maxChangePercent is an integer",
    accepted: policy({ maxChangePercent: 30 }),
    rejected: policy({ maxChangePercent: 12.5 }),
    message: "spec.maxChangePercent: Invalid value: 12.5: must be an integer",
  },
  {
    rule: "minConfidence is within 0..1",
    accepted: policy({ minConfidence: 0 }),
    rejected: policy({ minConfidence: 1.5 }),
    message: "spec.minConfidence: Invalid value: 1.5: must be between 0.0 and 1.0",
  },
  {
    rule: "minConfidence is a number",
    accepted: policy({ minConfidence: 1 }),
    rejected: policy({ minConfidence: "high" }),
    message: 'spec.minConfidence: Invalid value: "high": must be a number',
  },
  {
    rule: "minReplicas is a whole number",
    accepted: policy({ minReplicas: 3 }),
    rejected: policy({ minReplicas: 1.5 }),
    message: "spec.minReplicas: Invalid value: 1.5: must be an integer",
  },
  {
    rule: "minReplicas is at least 1",
    accepted: policy({ minReplicas: 1 }),
    rejected: policy({ minReplicas: 0 }),
    message: "spec.minReplicas: Invalid value: 0: must be between 1 and 10000",
  },
  {
    rule: "addMemoryLimit is a boolean",
    accepted: policy({ addMemoryLimit: true }),
    rejected: policy({ addMemoryLimit: "yes" }),
    message: 'spec.addMemoryLimit: Invalid value: "yes": must be true or false',
  },
  {
    rule: "dryRun is a boolean",
    accepted: policy({ dryRun: false }),
    rejected: policy({ dryRun: "yes" }),
    message: 'spec.dryRun: Invalid value: "yes": must be true or false',
  },
  {
    rule: "maxRiskLevel is a risk level",
    accepted: policy({ maxRiskLevel: "CRITICAL" }),
    rejected: policy({ maxRiskLevel: "EXTREME" }),
    message:
      'spec.maxRiskLevel: Unsupported value: "EXTREME": supported values: "LOW", "MEDIUM", "HIGH", "CRITICAL"',
  },
  {
    rule: "metricsWindow is at most 30d",
    accepted: policy({ metricsWindow: "30d" }),
    rejected: policy({ metricsWindow: "31d" }),
    message:
      'spec.metricsWindow: Invalid value: "31d": must be a duration in whole hours or days from 1h to 30d',
  },
  {
    rule: "metricsWindow is at least 1h",
    accepted: policy({ metricsWindow: "1h" }),
    rejected: policy({ metricsWindow: "30m" }),
    message: 'spec.metricsWindow: Invalid value: "30m"',
  },
  {
    rule: "metricsWindow in hours stops at 720h",
    accepted: policy({ metricsWindow: "720h" }),
    rejected: policy({ metricsWindow: "721h" }),
    message: 'spec.metricsWindow: Invalid value: "721h"',
  },
  {
    rule: "schedule has five fields",
    accepted: policy({ schedule: "0 */12 * * *" }),
    rejected: policy({ schedule: "0 0 */12 * * *" }),
    message: 'spec.schedule: Invalid value: "0 0 */12 * * *": must be a 5-field cron expression',
  },
  {
    rule: "schedule fields are in range",
    admissionOnly: true,
    accepted: policy({ schedule: "59 23 31 12 6" }),
    rejected: policy({ schedule: "61 * * * *" }),
    message: 'spec.schedule: Invalid value: "61 * * * *": not a valid cron expression',
  },
  {
    rule: "autoApply cannot be combined with dryRun",
    accepted: policy(autoApply),
    rejected: policy({ autoApply: true, dryRun: true }),
    message: "spec.autoApply: Forbidden: cannot be combined with dryRun",
  },
  {
    rule: "autoApply with the default dryRun (true) is rejected",
    accepted: policy({ autoApply: false }),
    rejected: policy({ autoApply: true }),
    message:
      "spec.autoApply: Forbidden: cannot be combined with dryRun (dryRun defaults to true; set dryRun: false)",
  },
  {
    rule: "autoApply needs maxRiskLevel LOW or MEDIUM (HIGH)",
    accepted: policy({ ...autoApply, maxRiskLevel: "MEDIUM" }),
    rejected: policy({ ...autoApply, maxRiskLevel: "HIGH" }),
    message: "spec.autoApply: Forbidden: not allowed with maxRiskLevel HIGH",
  },
  {
    rule: "autoApply needs maxRiskLevel LOW or MEDIUM (CRITICAL)",
    accepted: policy({ ...autoApply, maxRiskLevel: "LOW" }),
    rejected: policy({ ...autoApply, maxRiskLevel: "CRITICAL" }),
    message: "spec.autoApply: Forbidden: not allowed with maxRiskLevel CRITICAL",
  },
  {
    rule: "autoApply needs maxChangePercent <= 80",
    accepted: policy({ ...autoApply, maxChangePercent: 80 }),
    rejected: policy({ ...autoApply, maxChangePercent: 81 }),
    message: "spec.autoApply: Forbidden: not allowed with maxChangePercent 81; use 80 or less",
  },
  {
    rule: "SPOT_INSTANCES with autoApply needs minConfidence >= 0.8",
    accepted: policy({ ...autoApply, optimizationType: "SPOT_INSTANCES", minConfidence: 0.8 }),
    rejected: policy({ ...autoApply, optimizationType: "SPOT_INSTANCES", minConfidence: 0.79 }),
    message: "spec.autoApply: Forbidden: SPOT_INSTANCES with autoApply requires minConfidence >= 0.8",
  },
  {
    rule: "StatefulSet replica optimization requires manual review (REPLICAS)",
    accepted: policy({ ...target({ kind: "StatefulSet" }), optimizationType: "REPLICAS" }),
    rejected: policy({ ...target({ kind: "StatefulSet" }), optimizationType: "REPLICAS", ...autoApply }),
    message: "spec.autoApply: Forbidden: replica optimization of a StatefulSet requires manual review",
  },
  {
    rule: "StatefulSet replica optimization requires manual review (ALL)",
    accepted: policy({ ...target({ kind: "StatefulSet" }), optimizationType: "CPU", ...autoApply }),
    rejected: policy({ ...target({ kind: "StatefulSet" }), optimizationType: "ALL", ...autoApply }),
    message: "spec.autoApply: Forbidden: replica optimization of a StatefulSet requires manual review",
  },
  {
    rule: "DaemonSet cannot have replica optimization",
    accepted: policy({ ...target({ kind: "DaemonSet" }), optimizationType: "ALL" }),
    rejected: policy({ ...target({ kind: "DaemonSet" }), optimizationType: "REPLICAS" }),
    message:
      "spec.optimizationType: Forbidden: a DaemonSet runs one pod per node: replica optimization does not apply",
  },
  ...(["REPLICAS", "SPOT_INSTANCES", "SCHEDULED_SCALING"] as const).map(
    (type): Case => ({
      rule: `CronJob cannot have ${type} optimization`,
      accepted: policy({ ...target({ kind: "CronJob" }), optimizationType: "ALL" }),
      rejected: policy({ ...target({ kind: "CronJob" }), optimizationType: type }),
      message:
        "spec.optimizationType: Forbidden: a CronJob runs its pods per scheduled Job: only CPU, MEMORY or ALL (right-sizing) apply",
    }),
  ),
  ...["kube-system", "kube-public", "kube-node-lease"].map(
    (ns): Case => ({
      rule: `namespace ${ns} is protected`,
      admissionOnly: true,
      accepted: policy(target({ namespace: "default" }), { namespace: "default" }),
      rejected: policy(target({ namespace: ns }), { namespace: ns }),
      message: `spec.targetWorkload.namespace: Forbidden: namespace "${ns}" is protected`,
    }),
  ),
  {
    rule: "the policy's own namespace counts when the target has none",
    admissionOnly: true,
    accepted: policy({}, { namespace: "shop" }),
    rejected: policy({}, { namespace: "kube-system" }),
    message: 'metadata.namespace: Forbidden: namespace "kube-system" is protected',
  },
  ...["kube-dns", "coredns", "kube-proxy", "metrics-server"].map(
    (name): Case => ({
      rule: `workload ${name} is protected`,
      admissionOnly: true,
      accepted: policy(target({ name: "web" })),
      rejected: policy(target({ name })),
      message: `spec.targetWorkload.name: Forbidden: workload "${name}" is protected`,
    }),
  ),
  {
    rule: "workloads labelled app.kubernetes.io/component=controller are protected",
    admissionOnly: true,
    accepted: policy(),
    rejected: policy(),
    opts: { workloadLabels: { "app.kubernetes.io/component": "controller" } },
    message:
      "spec.targetWorkload: Forbidden: workloads labelled app.kubernetes.io/component=controller are protected",
  },
  {
    rule: "protected namespaces are configurable",
    admissionOnly: true,
    accepted: policy(target({ namespace: "kube-system" }), { namespace: "kube-system" }),
    rejected: policy(target({ namespace: "payments" }), { namespace: "payments" }),
    opts: { protectedNamespaces: ["payments"] },
    message: 'spec.targetWorkload.namespace: Forbidden: namespace "payments" is protected',
  },
  {
    rule: "a policy targets only its own namespace unless it lives in a policy admin namespace",
    admissionOnly: true,
    accepted: policy(target({ namespace: "payments" }), { namespace: "costopt-system" }),
    rejected: policy(target({ namespace: "payments" })),
    message:
      'spec.targetWorkload.namespace: Forbidden: a policy in namespace "shop" may only target workloads in "shop" (policies in costopt-system may target any namespace)',
  },
  {
    rule: "protected workloads are configurable",
    admissionOnly: true,
    accepted: policy(target({ name: "coredns" })),
    rejected: policy(target({ name: "ledger" })),
    opts: { protectedWorkloads: ["ledger"] },
    message: 'spec.targetWorkload.name: Forbidden: workload "ledger" is protected',
  },
  {
    rule: "source.repository is owner/name",
    accepted: policy({ source: { repository: "acme/deploy" } }),
    rejected: policy({ source: { repository: "https://github.com/acme/deploy" } }),
    message: 'spec.source.repository: Invalid value: "https://github.com/acme/deploy": must be owner/name',
  },
  {
    rule: "source.path stays inside the repository (..)",
    accepted: policy({ source: { path: "apps/web/..hidden/base" } }),
    rejected: policy({ source: { path: "../../etc" } }),
    message: 'spec.source.path: Invalid value: "../../etc": must be a relative path inside the repository',
  },
  {
    rule: "source.path stays inside the repository (absolute)",
    accepted: policy({ source: { path: "apps/web" } }),
    rejected: policy({ source: { path: "/etc/passwd" } }),
    message: 'spec.source.path: Invalid value: "/etc/passwd": must be a relative path inside the repository',
  },
  {
    rule: "source.format is supported",
    accepted: policy({ source: { format: "helm-values", valuesPath: "web" } }),
    rejected: policy({ source: { format: "jsonnet" } }),
    message:
      'spec.source.format: Unsupported value: "jsonnet": supported values: "auto", "manifest", "kustomize", "helm-values"',
  },
];
