// The CostOptimization CustomResourceDefinition, built here so the CRD file, the unknown-field
// check of `costopt validate` and the tests share one description of the API.
// crds/costoptimization-crd.yaml is generated from this (npm run gen:crd) and a test keeps them equal.

import { WINDOW_PATTERN } from "./duration.js";
import {
  GROUP,
  KIND,
  OPTIMIZATION_TYPES,
  PHASES,
  PLURAL,
  PR_STATES,
  RISK_LEVELS,
  SOURCE_FORMATS,
  VERSION,
  WORKLOAD_KINDS,
} from "./types.js";

export type JsonSchema = {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: readonly (string | number)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  format?: string;
  "x-kubernetes-validations"?: { rule: string; message: string; fieldPath?: string }[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
};

/** A DNS-1123 subdomain (object names) and label (namespaces). */
export const DNS1123_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
export const DNS1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
/** GitHub owner/name. */
export const REPOSITORY_PATTERN = "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$";
/** Five whitespace-separated cron fields; the field values are checked by the admission webhook. */
export const CRON_PATTERN = "^\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+$";
/** A ".." path segment; Kubernetes patterns are RE2 (no lookahead), so the path rule is CEL. */
export const PARENT_SEGMENT_PATTERN = "(^|/)[.][.](/|$)";

const str = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: "string",
  ...(description ? { description } : {}),
  ...extra,
});

export const specSchema: JsonSchema = {
  type: "object",
  description: "What to optimize and the guard rails for changing it.",
  required: ["targetWorkload", "optimizationType"],
  properties: {
    targetWorkload: {
      type: "object",
      description: "The workload whose manifests are changed.",
      required: ["name", "kind"],
      properties: {
        name: str("Name of the workload.", { minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN }),
        kind: str("Kind of the workload.", { enum: WORKLOAD_KINDS }),
        namespace: str("Namespace of the workload; defaults to the policy's namespace.", {
          minLength: 1,
          maxLength: 63,
          pattern: DNS1123_LABEL,
        }),
      },
    },
    optimizationType: str("Which optimization to recommend.", { enum: OPTIMIZATION_TYPES }),
    maxChangePercent: {
      type: "integer",
      description: "Largest change of any value in one step, in percent; larger recommendations are stepped.",
      minimum: 1,
      maximum: 100,
      default: 50,
    },
    minConfidence: {
      type: "number",
      description: "Recommendations below this confidence (0-1) are not proposed.",
      minimum: 0,
      maximum: 1,
      default: 0.7,
    },
    dryRun: {
      type: "boolean",
      description: "Analyze and report in status only; open no pull request.",
      default: true,
    },
    autoApply: {
      type: "boolean",
      description: "Enable auto-merge on pull requests that pass every gate.",
      default: false,
    },
    rollbackOnFailure: {
      type: "boolean",
      description:
        "Open a revert pull request when the workload degrades after a change, or the policy is deleted.",
      default: true,
    },
    maxRiskLevel: str("Highest risk level that may be proposed.", { enum: RISK_LEVELS, default: "MEDIUM" }),
    metricsWindow: str(
      "How much usage history to analyze: whole hours or days from 1h to 30d (24h, 7d, 14d).",
      {
        pattern: WINDOW_PATTERN,
        default: "7d",
      },
    ),
    schedule: str("When to re-analyze, as a 5-field cron expression (UTC).", { pattern: CRON_PATTERN }),
    minReplicas: {
      type: "integer",
      description:
        "Fewest replicas costopt may propose (REPLICAS, ALL and quiet hours). Unset: 2 for a workload running 2 or more, else 1.",
      minimum: 1,
      maximum: 10000,
    },
    addMemoryLimit: {
      type: "boolean",
      description:
        "Add a memory limit equal to the request to containers that have none. Default false: only existing limits are changed.",
    },
    source: {
      type: "object",
      description: "Where the workload's manifests live in Git; discovered from Argo CD or Flux when absent.",
      properties: {
        repository: str("GitHub repository as owner/name.", { pattern: REPOSITORY_PATTERN }),
        branch: str("Branch the pull requests target; defaults to the repository's default branch.", {
          minLength: 1,
        }),
        path: str("File or folder inside the repository.", {
          minLength: 1,
          maxLength: 4096,
          "x-kubernetes-validations": [
            {
              rule: `!self.startsWith('/') && !self.matches('${PARENT_SEGMENT_PATTERN}')`,
              message: "must be a relative path inside the repository (no leading / and no .. segment)",
            },
          ],
        }),
        format: str("How the manifests are written.", { enum: SOURCE_FORMATS, default: "auto" }),
        valuesPath: str("Dotted path of the workload's block in a Helm values file (helm-values format).", {
          minLength: 1,
        }),
        containerMapping: {
          type: "object",
          description: "Live container name -> container name in the manifests, where they differ.",
          additionalProperties: { type: "string" },
        },
      },
    },
  },
  "x-kubernetes-validations": [
    { rule: "!(self.autoApply && self.dryRun)", message: "autoApply cannot be combined with dryRun" },
    {
      rule: "!self.autoApply || self.maxRiskLevel in ['LOW', 'MEDIUM']",
      message: "autoApply is allowed only with maxRiskLevel LOW or MEDIUM",
    },
    {
      rule: "!self.autoApply || self.maxChangePercent <= 80",
      message: "autoApply requires maxChangePercent <= 80",
    },
    {
      rule: "!(self.autoApply && self.optimizationType == 'SPOT_INSTANCES') || self.minConfidence >= 0.8",
      message: "SPOT_INSTANCES with autoApply requires minConfidence >= 0.8",
    },
    {
      rule: "!(self.autoApply && self.targetWorkload.kind == 'StatefulSet' && self.optimizationType in ['REPLICAS', 'ALL'])",
      message: "replica optimization of a StatefulSet requires manual review: autoApply must be false",
    },
    {
      rule: "!(self.targetWorkload.kind == 'DaemonSet' && self.optimizationType == 'REPLICAS')",
      message: "a DaemonSet runs one pod per node: replica optimization does not apply",
    },
    {
      rule: "!(self.targetWorkload.kind == 'CronJob' && self.optimizationType in ['REPLICAS', 'SPOT_INSTANCES', 'SCHEDULED_SCALING'])",
      message: "a CronJob runs its pods per scheduled Job: only CPU, MEMORY or ALL (right-sizing) apply",
    },
  ],
};

const recommendationSchema: JsonSchema = {
  type: "object",
  properties: {
    optimizationType: str("", { enum: OPTIMIZATION_TYPES }),
    currentCost: { type: "number", description: "USD per month before the change." },
    optimizedCost: { type: "number", description: "USD per month after the change." },
    monthlySavings: { type: "number", description: "USD per month saved." },
    confidenceScore: { type: "number", minimum: 0, maximum: 1 },
    riskLevel: str("", { enum: RISK_LEVELS }),
    changes: {
      type: "array",
      items: {
        type: "object",
        properties: {
          container: { type: "string" },
          resource: { type: "string" },
          current: { type: "string" },
          proposed: { type: "string" },
        },
      },
    },
  },
};

export const statusSchema: JsonSchema = {
  type: "object",
  properties: {
    phase: str("Where the policy is in its lifecycle.", { enum: PHASES }),
    message: { type: "string" },
    lastAnalysis: { type: "string", format: "date-time" },
    lastApplied: { type: "string", format: "date-time" },
    lastOutcome: {
      type: "string",
      description: "The pull request outcome last turned into status (kind, repository#number, time).",
    },
    currentRecommendation: recommendationSchema,
    appliedOptimizations: { type: "integer", minimum: 0 },
    totalSavings: { type: "number", description: "USD per month saved by merged changes." },
    pullRequest: {
      type: "object",
      properties: {
        number: { type: "integer" },
        url: { type: "string" },
        branch: { type: "string" },
        state: str("", { enum: PR_STATES }),
      },
    },
    source: {
      type: "object",
      description: "Where the manifests were found and why.",
      "x-kubernetes-preserve-unknown-fields": true,
    },
    observedGeneration: { type: "integer", format: "int64" },
    conditions: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      items: {
        type: "object",
        required: ["type", "status", "lastTransitionTime", "reason", "message"],
        properties: {
          type: { type: "string" },
          status: { type: "string", enum: ["True", "False", "Unknown"] },
          reason: { type: "string" },
          message: { type: "string" },
          lastTransitionTime: { type: "string", format: "date-time" },
          observedGeneration: { type: "integer", format: "int64" },
        },
      },
    },
  },
};

export const objectSchema: JsonSchema = {
  type: "object",
  description: "CostOptimization declares how costopt may right-size one workload through pull requests.",
  required: ["spec"],
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: specSchema,
    status: statusSchema,
  },
};

export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { "app.kubernetes.io/name": "costopt" } },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: "costoptimization",
        shortNames: ["costopt", "co"],
        categories: ["costopt"],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Target", type: "string", jsonPath: ".spec.targetWorkload.name" },
            { name: "Type", type: "string", jsonPath: ".spec.optimizationType" },
            { name: "Phase", type: "string", jsonPath: ".status.phase" },
            {
              name: "Savings",
              type: "number",
              jsonPath: ".status.totalSavings",
              description: "USD per month",
            },
            { name: "PR", type: "integer", jsonPath: ".status.pullRequest.number" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: { openAPIV3Schema: objectSchema },
        },
      ],
    },
  };
}
