// Output of `costopt recommend`: a table readable at a glance (one row per container, the
// workload's figures on its first row, as KRR prints), and json/yaml/csv/markdown.
//
// The JSON (and YAML) contract is stable within its apiVersion; fields are only ever added. An object
//   apiVersion        "costopt.dev/v1" (REPORT_API_VERSION); kind "RecommendationReport"
//   items[]           one entry per valid policy, in the order the policy files were read (below)
//   invalidPolicies[] { policy, file, line, errors[] }: policies that were not analysed, and why
//   problems[]        every problem as text: unreadable YAML and each invalid policy's errors
// An item:
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
// `costopt scan` prints the same shapes about live workloads that have no policy yet: there,
// `policy` names the dry-run policy --write-policies would write, and location is null (the
// workload was read from the cluster, not from manifests). Its table and Markdown say so in
// their own words: no Policy or Manifests column, and what would be allowed is judged by the
// default gates.

import Table from "cli-table3";
import { stringify } from "yaml";
import { formatCpu, memorySetting } from "../api/quantity.js";
import type { WorkloadRef } from "../api/refs.js";
import type { OptimizationType, RiskLevel } from "../api/types.js";
import { cell, usd } from "../gitops/body/format.js";
import { desiredFrom } from "../gitops/workload.js";
import { describeLocation, type WorkloadLocation } from "../manifests/index.js";
import { blockers } from "../recommend/gates.js";
import { savingsByWorkload } from "../recommend/savings.js";
import type { ContainerEvidence, Factor, GateCheck, Recommendation, Resources } from "../recommend/types.js";
import { output, paint } from "./options.js";
import type { InvalidPolicy } from "./policy-files.js";

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
  /** For stderr: what `validate` warns about the policies ("file:line: warning: ..."), and why usage is missing. */
  warnings?: string[];
  /** The invalid policies, each with its violations (also in problems). */
  invalid?: InvalidPolicy[];
}

export const FORMATS = ["table", "json", "yaml", "csv", "markdown"] as const;

/** What each row is about: a policy (recommend, run) or a live workload without one (scan). */
export type Subject = "policy" | "workload";
/** Bumped only on an incompatible change of the JSON/YAML report. */
export const REPORT_API_VERSION = "costopt.dev/v1";
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

/** True when some policy's gates allow a change to the workload (what --fail-on change fails on). */
export function hasChanges(report: RecommendReport): boolean {
  return report.results.some(
    (r) => r.recommendation?.decision.allowed && Object.keys(desiredFrom(r.recommendation)).length > 0,
  );
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

/** The columns a scan of live workloads prints instead: none about policies or manifests. */
const WORKLOAD_COLUMNS = COLUMNS.filter((c) => c !== "Policy" && c !== "Manifests").map((c) =>
  c === "Allowed" ? "Within default gates" : c,
);

function columnsFor(subject: Subject): string[] {
  return subject === "policy" ? [...COLUMNS] : WORKLOAD_COLUMNS;
}

/** The cells of rows(), without the policy-only columns for a scan. */
function rowsFor(report: RecommendReport, subject: Subject): string[][] {
  const all = rows(report);
  if (subject === "policy") return all;
  const keep = COLUMNS.map((c) => c !== "Policy" && c !== "Manifests");
  return all.map((row) => row.filter((_, i) => keep[i]));
}

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

function summary(report: RecommendReport, subject: Subject): string {
  const recs = report.results.flatMap((r) => (r.recommendation ? [r.recommendation] : []));
  const allowed = recs.filter((r) => r.decision.allowed);
  const saving = savingsByWorkload(allowed);
  const failed = report.results.length - recs.length;
  const n = report.results.length;
  if (subject === "workload") {
    return (
      `${n} workload${n === 1 ? "" : "s"}: ${allowed.length} worth changing within the default gates` +
      `${failed ? `, ${failed} failed` : ""}; those changes save ${usd(saving.monthlySavings)}/mo`
    );
  }
  return (
    `${report.results.length} polic${report.results.length === 1 ? "y" : "ies"}: ${allowed.length} allowed` +
    `${failed ? `, ${failed} failed` : ""}; allowed changes save ${usd(saving.monthlySavings)}/mo` +
    `${saving.overlapping ? ` (${saving.workloads} workload(s); overlapping policies on one workload counted once)` : ""}`
  );
}

function table(report: RecommendReport, subject: Subject): string {
  const heads = columnsFor(subject);
  const all = rowsFor(report, subject);
  const { columns, widths } = fitToWidth(heads, all, output().columns);
  const t = new Table({
    head: columns.map((i) => paint("bold", heads[i] ?? "")),
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: widths,
  });
  for (const row of all)
    t.push(
      columns.map((i) => {
        const text = row[i] ?? "";
        if (!isDecision(heads[i])) return text;
        return paint(text.startsWith("yes") ? "green" : text.startsWith("no") ? "yellow" : "red", text);
      }),
    );
  return `${t.toString()}\n${summary(report, subject)}\n`;
}

const isDecision = (head: string | undefined) => head === "Allowed" || head === "Within default gates";

// On a narrow terminal the least needed columns go first; the rest share the width.
const DROP_ORDER = ["Manifests", "CPU limit", "Memory limit", "Type", "Risk", "Confidence", "Cost/mo"];
const MIN_WIDTH = 8; // content 6 plus padding

/** The columns shown and their widths so that the table is at most `width` characters wide. */
function fitToWidth(
  heads: readonly string[],
  all: string[][],
  width: number | undefined,
): { columns: number[]; widths: (number | null)[] } {
  const natural = heads.map(
    (head, i) =>
      Math.max(head.length, ...all.map((r) => Math.max(...(r[i] ?? "").split("\n").map((l) => l.length)))) +
      2,
  );
  let columns = heads.map((_, i) => i);
  // Only the free-text columns are capped when there is room, so a long reason wraps instead of widening the table.
  const capped = (i: number) =>
    Math.min(natural[i] ?? 0, isDecision(heads[i]) ? 40 : heads[i] === "Manifests" ? 30 : Infinity);
  if (width === undefined) return { columns, widths: columns.map(capped) };
  const borders = (n: number) => n + 1;
  for (const drop of DROP_ORDER) {
    if (columns.length * MIN_WIDTH + borders(columns.length) <= width) break;
    columns = columns.filter((i) => heads[i] !== drop);
  }
  const widths = columns.map(capped);
  // Shrink the widest column a character at a time until the table fits.
  const total = () => widths.reduce((a, b) => a + b, 0) + borders(columns.length);
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= MIN_WIDTH) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return { columns, widths };
}

function markdown(report: RecommendReport, subject: Subject): string {
  const columns = columnsFor(subject);
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [
    line(columns),
    line(columns.map(() => "---")),
    ...rowsFor(report, subject).map(line),
    "",
    summary(report, subject),
    "",
  ].join("\n");
}

// One row per workload (row=workload) with the workload's figures (replicas, costs, confidence, risk,
// decision, spot, schedule), then one per container (row=container) with only that container's
// values, so summing monthlySavings (or any cost column) counts each workload once.
const CSV_COLUMNS = [
  "row",
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
  "spot",
  "scheduledScaling",
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
] as const;

type CsvValue = string | number | boolean | null | undefined;

function csvField(v: CsvValue): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(values: Partial<Record<(typeof CSV_COLUMNS)[number], CsvValue>>): string {
  return CSV_COLUMNS.map((c) => csvField(values[c])).join(",");
}

/** RFC 4180; a failed policy is one row=error line with its error as the reason. */
function csv(report: RecommendReport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const result of report.results) {
    const entry = toEntry(result);
    const id = { policy: entry.policy, ...result.target };
    if ("error" in entry) {
      lines.push(csvLine({ row: "error", ...id, reasons: `error: ${entry.error}` }));
      continue;
    }
    lines.push(
      csvLine({
        row: "workload",
        ...id,
        optimizationType: entry.optimizationType,
        replicas: entry.replicas?.current,
        proposedReplicas: entry.replicas?.proposed,
        spot: entry.placement !== null,
        scheduledScaling: entry.scheduledScaling?.fileName,
        currentCost: entry.currentCost,
        optimizedCost: entry.optimizedCost,
        monthlySavings: entry.monthlySavings,
        confidenceScore: entry.confidenceScore,
        riskLevel: entry.riskLevel,
        riskScore: entry.riskScore,
        allowed: entry.decision.allowed,
        stepped: entry.decision.stepped,
        location: entry.location ? describeLocation(entry.location) : null,
        reasons: entry.decision.reasons.join("; "),
      }),
    );
    for (const c of entry.containers)
      lines.push(
        csvLine({
          row: "container",
          ...id,
          optimizationType: entry.optimizationType,
          container: c.name,
          cpuRequest: c.current.cpuRequest,
          proposedCpuRequest: c.proposed.cpuRequest,
          cpuLimit: c.current.cpuLimit,
          proposedCpuLimit: c.proposed.cpuLimit,
          memoryRequest: c.current.memoryRequest,
          proposedMemoryRequest: c.proposed.memoryRequest,
          memoryLimit: c.current.memoryLimit,
          proposedMemoryLimit: c.proposed.memoryLimit,
          reasons: c.notes.join("; "),
        }),
      );
  }
  for (const p of report.invalid ?? [])
    lines.push(csvLine({ row: "invalid", policy: p.policy, reasons: p.errors.join("; ") }));
  return `${lines.join("\n")}\n`;
}

/** The JSON/YAML document: versioned, with invalid policies and their errors beside the items. */
export function reportDocument(report: RecommendReport) {
  return {
    apiVersion: REPORT_API_VERSION,
    kind: "RecommendationReport",
    items: report.results.map(toEntry),
    invalidPolicies: report.invalid ?? [],
    problems: report.problems,
  };
}

export function render(report: RecommendReport, format: Format, subject: Subject = "policy"): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(reportDocument(report), null, 2)}\n`;
    case "yaml":
      return stringify(reportDocument(report));
    case "csv":
      return csv(report);
    case "markdown":
      return markdown(report, subject);
    case "table":
      return table(report, subject);
  }
}
