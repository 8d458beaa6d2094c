// `costopt run -o json`: the pass as a versioned document, for CI to read (the text report is for
// people). Fields are only ever added within an apiVersion:
//   apiVersion "costopt.dev/v1", kind "RunReport", dryRun
//   results[]  { policy, phase, action, message, pullRequest: { number, url } | null, title, diff,
//               monthlySavings, warnings[], failureReason }
//   invalidPolicies[] { policy, file, line, errors[] }; problems[]; warnings[]; stoppedEarly
//   skippedWrites[]   with --dry-run: what the pass would have written

import type { Phase } from "../api/types.js";
import type { ReconcileResult } from "../reconcile.js";
import type { InvalidPolicy } from "./policy-files.js";
import { REPORT_API_VERSION } from "./recommend-output.js";

/** A pass's result with the phase the lifecycle gives it (a policy run from files has no previous status). */
export type RunResult = ReconcileResult & { phase: Phase };

export interface RunReport {
  results: RunResult[];
  /** Invalid policies and unreadable YAML (exit 1). */
  problems: string[];
  /** Things to fix that did not stop the run (e.g. a broken .github/costopt.yml, uncommitted edits). */
  warnings: string[];
  /** For stderr: what `validate` warns about the policies ("file:line: warning: ..."), and why usage is missing. */
  policyWarnings?: string[];
  stoppedEarly: boolean;
  /** What the pass did to the repository's cost dashboard issue ("off" without one). */
  dashboard?: string;
  /** The invalid policies with their violations (also in problems). */
  invalid?: InvalidPolicy[];
  /** --dry-run: what the pass would have written and did not. */
  skippedWrites?: string[];
}

export const RUN_FORMATS = ["text", "json"] as const;
export type RunFormat = (typeof RUN_FORMATS)[number];

/** True when the pass opened or updated a proposal (or, in a dry run, would have). */
export function runChanged(report: RunReport): boolean {
  return report.results.some((r) => r.proposal?.action === "created" || r.proposal?.action === "updated");
}

export function renderRunJson(report: RunReport): string {
  const doc = {
    apiVersion: REPORT_API_VERSION,
    kind: "RunReport",
    dryRun: report.skippedWrites !== undefined,
    results: report.results.map((r) => ({
      policy: r.policy,
      phase: r.phase,
      action: r.proposal?.action ?? null,
      message: r.message,
      pullRequest: r.pullRequest ? { number: r.pullRequest.number, url: r.pullRequest.url ?? null } : null,
      title: r.proposal?.title ?? null,
      diff: r.proposal?.diff ?? null,
      monthlySavings: r.recommendation?.monthlySavings ?? null,
      warnings: r.warnings,
      failureReason: r.failureReason ?? null,
    })),
    invalidPolicies: report.invalid ?? [],
    problems: report.problems,
    warnings: report.warnings,
    stoppedEarly: report.stoppedEarly,
    ...(report.skippedWrites ? { skippedWrites: report.skippedWrites } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
