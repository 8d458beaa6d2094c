// Every rule of the original admission webhook, shared by the admission webhook, the reconciler
// and `costopt validate`. All violations are returned at once, in the API server's words.

import { CronExpressionParser } from "cron-parser";
import { applyDefaults } from "./defaults.js";
import { parseWindow } from "./duration.js";
import { forbidden, invalid, required, unsupported, type Violation } from "./field-error.js";
import { isObject, type Obj } from "./object.js";
import {
  CRON_PATTERN,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  type JsonSchema,
  objectSchema,
  PARENT_SEGMENT_PATTERN,
  REPOSITORY_PATTERN,
} from "./schema.js";
import { OPTIMIZATION_TYPES, RISK_LEVELS, SOURCE_FORMATS, WORKLOAD_KINDS } from "./types.js";

export type { Violation } from "./field-error.js";

export const DEFAULT_PROTECTED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];
export const DEFAULT_PROTECTED_WORKLOADS = ["kube-dns", "coredns", "kube-proxy", "metrics-server"];
export const DEFAULT_PROTECTED_LABELS: Record<string, string> = {
  "app.kubernetes.io/component": "controller",
};

export interface ValidationOptions {
  protectedNamespaces?: string[];
  protectedWorkloads?: string[];
  /** A workload carrying any of these label pairs is protected. */
  protectedLabels?: Record<string, string>;
  /** The target workload's labels, when the caller knows them (the label rule needs them). */
  workloadLabels?: Record<string, string>;
  /** The policy's namespace when metadata.namespace is not set (e.g. a file applied with -n). */
  policyNamespace?: string;
  /**
   * Namespaces whose policies may target workloads in other namespaces; a policy anywhere else
   * targets only its own namespace. Default: costopt-system.
   */
  policyAdminNamespaces?: string[];
  /** owner/name repositories a policy's spec.source.repository may name; empty or absent: any. */
  allowedRepositories?: string[];
}

export const DEFAULT_POLICY_ADMIN_NAMESPACES = ["costopt-system"];

/** Whether owner/name is in the allow-list (GitHub names are case-insensitive); no list allows all. */
export function repositoryAllowed(repository: string, allowed: readonly string[] | undefined): boolean {
  return !allowed?.length || allowed.some((a) => a.toLowerCase() === repository.toLowerCase());
}

export interface ValidationResult {
  violations: Violation[];
  /** Unknown fields, as kubectl's strict field validation reports them. */
  warnings: string[];
}

const LABEL = new RegExp(DNS1123_LABEL);
const SUBDOMAIN = new RegExp(DNS1123_SUBDOMAIN);
const REPOSITORY = new RegExp(REPOSITORY_PATTERN);
const CRON_FIELDS = new RegExp(CRON_PATTERN);
const PARENT_SEGMENT = new RegExp(PARENT_SEGMENT_PATTERN);

/** Checks one CostOptimization object (any parsed YAML/JSON) against every rule. */
export function validatePolicy(obj: unknown, opts: ValidationOptions = {}): ValidationResult {
  const violations: Violation[] = [];
  const warnings: string[] = [];
  if (!isObject(obj)) return { violations: [invalid("<root>", obj, "must be an object")], warnings };
  collectUnknownFields(obj, objectSchema, "", warnings);
  const spec = obj.spec;
  if (spec === undefined) return { violations: [required("spec")], warnings };
  if (!isObject(spec)) return { violations: [invalid("spec", spec, "must be an object")], warnings };

  checkFields(spec, violations);
  // Cross-field rules see the defaulted object, as the API server's CEL rules do.
  const defaulted = applyDefaults(obj) as Obj;
  // A field that is already invalid is not reported again by a rule that combines it with others.
  const invalidFields = new Set(violations.map((v) => v.field));
  checkCombinations(defaulted.spec as Obj, invalidFields, violations);
  checkProtected(obj, spec, opts, violations);
  checkTenancy(obj, spec, opts, violations);
  // The API server checks these for CRs; a policy file in local mode or the CLI is checked here,
  // because the name becomes a branch and a state key.
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  checkName(metadata.name, "metadata.name", SUBDOMAIN, 253, violations, false);
  checkName(metadata.namespace, "metadata.namespace", LABEL, 63, violations, false);
  return { violations, warnings };
}

function checkFields(spec: Obj, out: Violation[]): void {
  const target = spec.targetWorkload;
  if (target === undefined) {
    out.push(required("spec.targetWorkload"));
  } else if (!isObject(target)) {
    out.push(invalid("spec.targetWorkload", target, "must be an object"));
  } else {
    checkName(target.name, "spec.targetWorkload.name", SUBDOMAIN, 253, out, true);
    checkEnum(target.kind, "spec.targetWorkload.kind", WORKLOAD_KINDS, out, true);
    checkName(target.namespace, "spec.targetWorkload.namespace", LABEL, 63, out, false);
  }
  checkEnum(spec.optimizationType, "spec.optimizationType", OPTIMIZATION_TYPES, out, true);

  checkInteger(spec.maxChangePercent, "spec.maxChangePercent", 1, 100, out);
  const confidence = spec.minConfidence;
  if (confidence !== undefined) {
    if (typeof confidence !== "number" || !Number.isFinite(confidence))
      out.push(invalid("spec.minConfidence", confidence, "must be a number"));
    else if (confidence < 0 || confidence > 1)
      out.push(invalid("spec.minConfidence", confidence, "must be between 0.0 and 1.0"));
  }
  checkInteger(spec.minReplicas, "spec.minReplicas", 1, 10000, out);
  for (const key of ["dryRun", "autoApply", "rollbackOnFailure", "addMemoryLimit"]) {
    const v = spec[key];
    if (v !== undefined && typeof v !== "boolean")
      out.push(invalid(`spec.${key}`, v, "must be true or false"));
  }
  checkEnum(spec.maxRiskLevel, "spec.maxRiskLevel", RISK_LEVELS, out, false);

  const window = spec.metricsWindow;
  if (window !== undefined && (typeof window !== "string" || parseWindow(window) === undefined))
    out.push(
      invalid(
        "spec.metricsWindow",
        window,
        "must be a duration in whole hours or days from 1h to 30d (e.g. 24h, 7d)",
      ),
    );

  const schedule = spec.schedule;
  if (schedule !== undefined) {
    const problem = cronProblem(schedule);
    if (problem) out.push(invalid("spec.schedule", schedule, problem));
  }

  const source = spec.source;
  if (source !== undefined) {
    if (!isObject(source)) out.push(invalid("spec.source", source, "must be an object"));
    else checkSource(source, out);
  }
}

/** An optional integer field within [min, max]. */
function checkInteger(v: unknown, field: string, min: number, max: number, out: Violation[]): void {
  if (v === undefined) return;
  if (typeof v !== "number" || !Number.isInteger(v)) out.push(invalid(field, v, "must be an integer"));
  else if (v < min || v > max) out.push(invalid(field, v, `must be between ${min} and ${max}`));
}

function checkSource(source: Obj, out: Violation[]): void {
  const { repository, branch, path, format, valuesPath, containerMapping } = source;
  if (repository !== undefined && (typeof repository !== "string" || !REPOSITORY.test(repository)))
    out.push(invalid("spec.source.repository", repository, "must be owner/name"));
  if (branch !== undefined && (typeof branch !== "string" || branch === ""))
    out.push(invalid("spec.source.branch", branch, "must be a non-empty string"));
  if (path !== undefined) {
    if (typeof path !== "string" || path === "")
      out.push(invalid("spec.source.path", path, "must be a non-empty string"));
    else if (path.startsWith("/") || PARENT_SEGMENT.test(path))
      out.push(
        invalid(
          "spec.source.path",
          path,
          "must be a relative path inside the repository (no leading / and no .. segment)",
        ),
      );
  }
  checkEnum(format, "spec.source.format", SOURCE_FORMATS, out, false);
  if (valuesPath !== undefined && (typeof valuesPath !== "string" || valuesPath === ""))
    out.push(invalid("spec.source.valuesPath", valuesPath, "must be a non-empty string"));
  if (containerMapping !== undefined) {
    if (!isObject(containerMapping))
      out.push(invalid("spec.source.containerMapping", containerMapping, "must be a map"));
    else
      for (const [live, manifest] of Object.entries(containerMapping))
        if (typeof manifest !== "string" || manifest === "")
          out.push(invalid(`spec.source.containerMapping.${live}`, manifest, "must be a container name"));
  }
}

function checkCombinations(spec: Obj, invalidFields: Set<string>, out: Violation[]): void {
  const target = isObject(spec.targetWorkload) ? spec.targetWorkload : {};
  if (target.kind === "DaemonSet" && spec.optimizationType === "REPLICAS")
    out.push(
      forbidden(
        "spec.optimizationType",
        "a DaemonSet runs one pod per node: replica optimization does not apply",
      ),
    );
  if (
    target.kind === "CronJob" &&
    ["REPLICAS", "SPOT_INSTANCES", "SCHEDULED_SCALING"].includes(spec.optimizationType as string)
  )
    out.push(
      forbidden(
        "spec.optimizationType",
        "a CronJob runs its pods per scheduled Job: only CPU, MEMORY or ALL (right-sizing) apply",
      ),
    );
  if (spec.autoApply !== true) return;
  if (spec.dryRun === true)
    out.push(
      forbidden(
        "spec.autoApply",
        "cannot be combined with dryRun (dryRun defaults to true; set dryRun: false)",
      ),
    );
  if (spec.maxRiskLevel === "HIGH" || spec.maxRiskLevel === "CRITICAL")
    out.push(
      forbidden("spec.autoApply", `not allowed with maxRiskLevel ${spec.maxRiskLevel}; use LOW or MEDIUM`),
    );
  if (!invalidFields.has("spec.maxChangePercent") && (spec.maxChangePercent as number) > 80)
    out.push(
      forbidden(
        "spec.autoApply",
        `not allowed with maxChangePercent ${spec.maxChangePercent}; use 80 or less`,
      ),
    );
  if (
    spec.optimizationType === "SPOT_INSTANCES" &&
    !invalidFields.has("spec.minConfidence") &&
    (spec.minConfidence as number) < 0.8
  )
    out.push(forbidden("spec.autoApply", "SPOT_INSTANCES with autoApply requires minConfidence >= 0.8"));
  if (
    target.kind === "StatefulSet" &&
    (spec.optimizationType === "REPLICAS" || spec.optimizationType === "ALL")
  )
    out.push(forbidden("spec.autoApply", "replica optimization of a StatefulSet requires manual review"));
}

function checkProtected(obj: Obj, spec: Obj, opts: ValidationOptions, out: Violation[]): void {
  const target = isObject(spec.targetWorkload) ? spec.targetWorkload : {};
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  const namespace = target.namespace ?? metadata.namespace ?? opts.policyNamespace;
  const namespaceField =
    target.namespace !== undefined ? "spec.targetWorkload.namespace" : "metadata.namespace";
  if (
    typeof namespace === "string" &&
    (opts.protectedNamespaces ?? DEFAULT_PROTECTED_NAMESPACES).includes(namespace)
  )
    out.push(forbidden(namespaceField, `namespace ${JSON.stringify(namespace)} is protected`));
  if (
    typeof target.name === "string" &&
    (opts.protectedWorkloads ?? DEFAULT_PROTECTED_WORKLOADS).includes(target.name)
  )
    out.push(forbidden("spec.targetWorkload.name", `workload ${JSON.stringify(target.name)} is protected`));
  const labels = opts.workloadLabels ?? {};
  for (const [key, value] of Object.entries(opts.protectedLabels ?? DEFAULT_PROTECTED_LABELS))
    if (labels[key] === value)
      out.push(forbidden("spec.targetWorkload", `workloads labelled ${key}=${value} are protected`));
}

/** A team's policy changes only its own namespace's workloads, through allowed repositories. */
function checkTenancy(obj: Obj, spec: Obj, opts: ValidationOptions, out: Violation[]): void {
  const target = isObject(spec.targetWorkload) ? spec.targetWorkload : {};
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  const home = typeof metadata.namespace === "string" ? metadata.namespace : opts.policyNamespace;
  const admins = opts.policyAdminNamespaces ?? DEFAULT_POLICY_ADMIN_NAMESPACES;
  if (
    typeof home === "string" &&
    typeof target.namespace === "string" &&
    LABEL.test(target.namespace) && // an invalid name is reported as such, once
    target.namespace !== home &&
    !admins.includes(home)
  )
    out.push(
      forbidden(
        "spec.targetWorkload.namespace",
        `a policy in namespace ${JSON.stringify(home)} may only target workloads in ${JSON.stringify(home)}` +
          (admins.length ? ` (policies in ${admins.join(", ")} may target any namespace)` : ""),
      ),
    );
  const source = isObject(spec.source) ? spec.source : {};
  if (
    typeof source.repository === "string" &&
    !repositoryAllowed(source.repository, opts.allowedRepositories)
  )
    out.push(
      forbidden(
        "spec.source.repository",
        `repository ${JSON.stringify(source.repository)} is not in the allowed repositories (${opts.allowedRepositories?.join(", ")})`,
      ),
    );
}

function checkName(
  v: unknown,
  field: string,
  pattern: RegExp,
  max: number,
  out: Violation[],
  isRequired: boolean,
) {
  if (v === undefined || v === "") {
    if (isRequired) out.push(required(field));
    else if (v === "") out.push(invalid(field, v, "must not be empty"));
    return;
  }
  if (typeof v !== "string" || v.length > max || !pattern.test(v))
    out.push(
      invalid(field, v, `must be a lowercase RFC 1123 name of at most ${max} characters (a-z, 0-9 and '-')`),
    );
}

function checkEnum(
  v: unknown,
  field: string,
  values: readonly string[],
  out: Violation[],
  isRequired: boolean,
) {
  if (v === undefined) {
    if (isRequired) out.push(required(field));
    return;
  }
  if (typeof v !== "string" || !values.includes(v)) out.push(unsupported(field, v, values));
}

/** Why a schedule is not a 5-field cron expression, or undefined when it is one. */
export function cronProblem(schedule: unknown): string | undefined {
  if (typeof schedule !== "string" || !CRON_FIELDS.test(schedule.trim()))
    return "must be a 5-field cron expression (minute hour day-of-month month day-of-week)";
  try {
    CronExpressionParser.parse(schedule.trim(), { tz: "UTC" });
    return undefined;
  } catch (err) {
    return `not a valid cron expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Adds a warning for every field the schema does not know (metadata and status are free-form here). */
function collectUnknownFields(value: unknown, schema: JsonSchema, path: string, out: string[]): void {
  if (!isObject(value) || !schema.properties) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const childSchema = schema.properties[key];
    if (!childSchema) {
      if (schema.additionalProperties === undefined) out.push(`unknown field ${JSON.stringify(childPath)}`);
      continue;
    }
    if (key === "metadata" || key === "status") continue;
    collectUnknownFields(child, childSchema, childPath, out);
  }
}
