// Output of `costopt recommend`: a table readable at a glance (one row per container, the
// workload's figures on its first row, as KRR prints), and json/yaml/csv/markdown.
//
// The JSON (and YAML) contract is stable; fields are only ever added. An array, one entry per
// policy, in the order the policy files were read:
//   policy            "namespace/name" of the CostOptimization
//   target            { namespace, kind, name }
//   optimizationType  the policy's type; appliedTypes: the types that contributed a change
//   containers[]      { name, current, proposed, evidence, notes }
//                     current/proposed: { cpuRequest, cpuLimit, memoryRequest, memoryLimit } as
//                     Kubernetes quantity strings, null when not set; memory in binary
//                     units ("736Mi"), else decimal ("500M") when exact, else bytes
//                     evidence: { cpu: {p50,p90,p95,p99,max} millicores, memory: {p95,max} bytes,
//                     samples, coverage, oomKills, restarts } or null without data
//   replicas          { current, proposed, field: "spec.replicas" | "hpa.minReplicas" } or null (DaemonSet)
//   placement         { nodeAffinity, tolerations } to add for spot, or null
//   scheduledScaling  { fileName, scaledObject } (a KEDA ScaledObject), or null
//   currentCost, optimizedCost, monthlySavings   USD per month
//   confidenceScore (0..1), confidenceFactors[], riskLevel, riskScore (0..1), riskFactors[]
//                     factors: { name, score, detail }
//   decision          { allowed, stepped, checks[], steps[], reasons[] }
//                     checks: { gate, passed, detail }, one per gate, failed ones first;
//                     allowed is true exactly when every check passed
//                     steps: what maxChangePercent cut back (information, not a failure)
//                     reasons: failed checks, then steps, then passed checks, as text
//   notEnoughData, notes[]
//   location          { format, definedIn[], sites[] }: how the workload is deployed (manifest,
//                     kustomize, helm-values, helmrelease, argocd-application), the files that define
//                     it, and each { file, layer, created } its values are written to
// A policy whose workload could not be analysed has only { policy, target, error }.

import Table from "cli-table3";
import { stringify } from "yaml";
import { formatCpu, memorySetting } from "../api/quantity.js";
import type { WorkloadRef } from "../api/refs.js";
import type { OptimizationType, RiskLevel } from "../api/types.js";
import { cell, usd } from "../gitops/body/format.js";
import { describeLocation, type WorkloadLocation } from "../manifests/index.js";
import { blockers } from "../recommend/gates.js";
import { savingsByWorkload } from "../recommend/savings.js";
import type { ContainerEvidence, Factor, GateCheck, Recommendation, Resources } from "../recommend/types.js";

export interface PolicyResult {
  /** namespace/name of the CostOptimization. */
  policy: string;
  target: WorkloadRef;
  recommendation?: Recommendation;
  /** Where the workload was found and where its values would be written. */
  location?: WorkloadLocation;
  /** Why there is no recommendation (workload not found, bad window). */
  error?: string;
}

export interface RecommendReport {
  results: PolicyResult[];
  /** Invalid policies and unreadable YAML. */
  problems: string[];
}

export const FORMATS = ["table", "json", "yaml", "csv", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

export interface QuantityResources {
  cpuRequest: string | null;
  cpuLimit: string | null;
  memoryRequest: string | null;
  memoryLimit: string | null;
}

export interface RecommendationEntry {
  policy: string;
  target: WorkloadRef;
  optimizationType: OptimizationType;
  appliedTypes: OptimizationType[];
  containers: {
    name: string;
    current: QuantityResources;
    proposed: QuantityResources;
    evidence: Omit<ContainerEvidence, "firstSample" | "lastSample"> | null;
    notes: string[];
  }[];
  replicas: { current: number; proposed: number; field: "spec.replicas" | "hpa.minReplicas" } | null;
  placement: { nodeAffinity: Record<string, unknown>; tolerations: unknown[] } | null;
  scheduledScaling: { fileName: string; scaledObject: Record<string, unknown> } | null;
  currentCost: number;
  optimizedCost: number;
  monthlySavings: number;
  confidenceScore: number;
  confidenceFactors: Factor[];
  riskLevel: RiskLevel;
  riskScore: number;
  riskFactors: Factor[];
  decision: { allowed: boolean; stepped: boolean; checks: GateCheck[]; steps: string[]; reasons: string[] };
  notEnoughData: boolean;
  notes: string[];
  location: WorkloadLocation | null;
}

export interface ErrorEntry {
  policy: string;
  target: WorkloadRef;
  error: string;
}

const cpu = (v: number | undefined) => (v === undefined ? null : formatCpu(v));
const mem = (v: number | undefined) => (v === undefined ? null : memorySetting(v));

function quantities(r: Resources): QuantityResources {
  return {
    cpuRequest: cpu(r.cpuRequest),
    cpuLimit: cpu(r.cpuLimit),
    memoryRequest: mem(r.memoryRequest),
    memoryLimit: mem(r.memoryLimit),
  };
}

export function toEntry(result: PolicyResult): RecommendationEntry | ErrorEntry {
  const r = result.recommendation;
  if (!r) return { policy: result.policy, target: result.target, error: result.error ?? "no recommendation" };
  return {
    policy: result.policy,
    target: r.target,
    optimizationType: r.optimizationType,
    appliedTypes: r.appliedTypes,
    containers: r.containers.map((c) => ({
      name: c.name,
      current: quantities(c.current),
      proposed: quantities(c.proposed),
      evidence: c.evidence
        ? {
            cpu: c.evidence.cpu,
            memory: c.evidence.memory,
            samples: c.evidence.samples,
            coverage: c.evidence.coverage,
            oomKills: c.evidence.oomKills,
            restarts: c.evidence.restarts,
          }
        : null,
      notes: c.notes,
    })),
    replicas: r.replicas
      ? { current: r.replicas.current, proposed: r.replicas.proposed, field: r.replicas.field }
      : null,
    placement: r.placement
      ? { nodeAffinity: r.placement.nodeAffinity, tolerations: r.placement.tolerations }
      : null,
    scheduledScaling: r.scheduledScaling
      ? { fileName: r.scheduledScaling.fileName, scaledObject: r.scheduledScaling.scaledObject }
      : null,
    currentCost: r.currentCost,
    optimizedCost: r.optimizedCost,
    monthlySavings: r.monthlySavings,
    confidenceScore: r.confidence.score,
    confidenceFactors: r.confidence.factors,
    riskLevel: r.risk.level,
    riskScore: r.risk.score,
    riskFactors: r.risk.factors,
    decision: {
      allowed: r.decision.allowed,
      stepped: r.decision.stepped,
      checks: r.decision.checks,
      steps: r.decision.steps,
      reasons: r.decision.reasons,
    },
    notEnoughData: r.notEnoughData,
    notes: r.notes,
    location: result.location ?? null,
  };
}

/** "helmrelease: apps/production/podinfo-values.yaml" for the narrow columns; the full text in CSV. */
function where(loc: WorkloadLocation | null | undefined): string {
  if (!loc) return "";
  const files = [...new Set(loc.sites.map((s) => `${s.file}${s.created ? " (new)" : ""}`))];
  return `${loc.format}: ${(files.length ? files : loc.definedIn).join(", ")}`;
}

/** "2 -> 500m" when it changes, "2" when it does not, "-" when not set. */
function change(current: string | null, proposed: string | null): string {
  if (current === proposed) return current ?? "-";
  return `${current ?? "-"} -> ${proposed ?? "-"}`;
}

function decisionText(r: Recommendation): string {
  if (r.decision.allowed) return r.decision.stepped ? "yes (stepped)" : "yes";
  return `no: ${blockers(r.decision).join("; ")}`;
}

const COLUMNS = [
  "Policy",
  "Workload",
  "Manifests",
  "Type",
  "Container",
  "CPU request",
  "CPU limit",
  "Memory request",
  "Memory limit",
  "Replicas",
  "Cost/mo",
  "Saving/mo",
  "Confidence",
  "Risk",
  "Allowed",
];

/** The same cells for the table and Markdown: one row per container. */
function rows(report: RecommendReport): string[][] {
  const out: string[][] = [];
  for (const result of report.results) {
    // Most targets are Deployments; naming the kind only otherwise keeps the column narrow.
    const { namespace, kind, name } = result.target;
    const target = `${namespace}/${name}${kind === "Deployment" ? "" : ` (${kind})`}`;
    const r = result.recommendation;
    if (!r) {
      out.push([
        result.policy,
        target,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        `error: ${result.error ?? ""}`,
      ]);
      continue;
    }
    const entry = toEntry(result) as RecommendationEntry;
    const containers = entry.containers.length ? entry.containers : [undefined];
    containers.forEach((c, i) => {
      const first = i === 0;
      const replicas = entry.replicas
        ? change(String(entry.replicas.current), String(entry.replicas.proposed)) +
          (entry.replicas.field === "hpa.minReplicas" ? " (HPA min)" : "")
        : "-";
      const extras = [r.placement ? "spot" : "", r.scheduledScaling ? "schedule" : ""]
        .filter(Boolean)
        .join(", ");
      out.push([
        first ? result.policy : "",
        first ? target : "",
        first ? where(result.location) : "",
        first ? r.optimizationType : "",
        c?.name ?? "-",
        c ? change(c.current.cpuRequest, c.proposed.cpuRequest) : "",
        c ? change(c.current.cpuLimit, c.proposed.cpuLimit) : "",
        c ? change(c.current.memoryRequest, c.proposed.memoryRequest) : "",
        c ? change(c.current.memoryLimit, c.proposed.memoryLimit) : "",
        first ? replicas + (extras ? ` +${extras}` : "") : "",
        first ? `${usd(r.currentCost)} -> ${usd(r.optimizedCost)}` : "",
        first ? usd(r.monthlySavings) : "",
        first ? (r.notEnoughData ? "no data" : r.confidence.score.toFixed(2)) : "",
        first ? `${r.risk.level} ${r.risk.score.toFixed(2)}` : "",
        first ? decisionText(r) : "",
      ]);
    });
  }
  return out;
}

function summary(report: RecommendReport): string {
  const recs = report.results.flatMap((r) => (r.recommendation ? [r.recommendation] : []));
  const allowed = recs.filter((r) => r.decision.allowed);
  const saving = savingsByWorkload(allowed);
  const failed = report.results.length - recs.length;
  return (
    `${report.results.length} polic${report.results.length === 1 ? "y" : "ies"}: ${allowed.length} allowed` +
    `${failed ? `, ${failed} failed` : ""}; allowed changes save ${usd(saving.monthlySavings)}/mo` +
    `${saving.overlapping ? ` (${saving.workloads} workload(s); overlapping policies on one workload counted once)` : ""}`
  );
}

function table(report: RecommendReport): string {
  const t = new Table({
    head: COLUMNS,
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: colWidths(),
  });
  for (const row of rows(report)) t.push(row);
  return `${t.toString()}\n${summary(report)}\n`;
}

// Only the free-text column is capped, so a long reason wraps instead of widening the table.
function colWidths(): (number | null)[] {
  return COLUMNS.map((c) => (c === "Allowed" ? 40 : c === "Manifests" ? 30 : null));
}

function markdown(report: RecommendReport): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [
    line(COLUMNS),
    line(COLUMNS.map(() => "---")),
    ...rows(report).map(line),
    "",
    summary(report),
    "",
  ].join("\n");
}

const CSV_COLUMNS = [
  "policy",
  "namespace",
  "kind",
  "name",
  "optimizationType",
  "container",
  "cpuRequest",
  "proposedCpuRequest",
  "cpuLimit",
  "proposedCpuLimit",
  "memoryRequest",
  "proposedMemoryRequest",
  "memoryLimit",
  "proposedMemoryLimit",
  "replicas",
  "proposedReplicas",
  "currentCost",
  "optimizedCost",
  "monthlySavings",
  "confidenceScore",
  "riskLevel",
  "riskScore",
  "allowed",
  "stepped",
  "location",
  "reasons",
];

function csvField(v: string | number | boolean | null | undefined): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per container (RFC 4180); a failed policy is one row with its error as the reason. */
function csv(report: RecommendReport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const result of report.results) {
    const entry = toEntry(result);
    const { namespace, kind, name } = result.target;
    if ("error" in entry) {
      const row: (string | null)[] = CSV_COLUMNS.map(() => null);
      row.splice(0, 4, entry.policy, namespace, kind, name);
      row[CSV_COLUMNS.length - 1] = `error: ${entry.error}`;
      lines.push(row.map(csvField).join(","));
      continue;
    }
    for (const c of entry.containers)
      lines.push(
        [
          entry.policy,
          namespace,
          kind,
          name,
          entry.optimizationType,
          c.name,
          c.current.cpuRequest,
          c.proposed.cpuRequest,
          c.current.cpuLimit,
          c.proposed.cpuLimit,
          c.current.memoryRequest,
          c.proposed.memoryRequest,
          c.current.memoryLimit,
          c.proposed.memoryLimit,
          entry.replicas?.current,
          entry.replicas?.proposed,
          entry.currentCost,
          entry.optimizedCost,
          entry.monthlySavings,
          entry.confidenceScore,
          entry.riskLevel,
          entry.riskScore,
          entry.decision.allowed,
          entry.decision.stepped,
          entry.location ? describeLocation(entry.location) : null,
          entry.decision.reasons.join("; "),
        ]
          .map(csvField)
          .join(","),
      );
  }
  return `${lines.join("\n")}\n`;
}

export function render(report: RecommendReport, format: Format): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(report.results.map(toEntry), null, 2)}\n`;
    case "yaml":
      return stringify(report.results.map(toEntry));
    case "csv":
      return csv(report);
    case "markdown":
      return markdown(report);
    case "table":
      return table(report);
  }
}
