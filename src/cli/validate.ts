// `costopt validate -f <file|dir|glob|->...`: checks every CostOptimization in every file named
// against the admission rules, for a GitOps repository's CI. Exit 1 on any violation or unreadable
// YAML, 2 when a path is missing or no policy was found, else 0.

import type { Command } from "commander";
import { checkPolicies, overlapWarnings, type PolicySet } from "../api/load.js";
import type { ValidationOptions } from "../api/validation.js";
import { addPolicyFiles, log, policyPaths } from "./options.js";
import { readPolicySet } from "./policy-files.js";
import type { Register } from "./register.js";

export interface ValidateReport {
  policies: number;
  errors: string[];
  warnings: string[];
}

const list = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const labelPairs = (v: string) =>
  Object.fromEntries(
    list(v).map((pair) => {
      const [key, value] = pair.split("=");
      if (!key || value === undefined)
        throw new Error(`--protected-labels: expected key=value, got ${JSON.stringify(pair)}`);
      return [key, value];
    }),
  );

/** Validates every CostOptimization in the given files. */
export function validateFiles(
  files: { path: string; content: string }[],
  opts: ValidationOptions = {},
): ValidateReport {
  return report(checkPolicies(files, opts));
}

function report(set: PolicySet): ValidateReport {
  return {
    policies: set.checked.length,
    errors: [...set.parseErrors, ...set.checked.flatMap((c) => c.errors)],
    warnings: [...set.checked.flatMap((c) => c.warnings), ...overlapWarnings(set)],
  };
}

export const registerValidate: Register = (program: Command, setExitCode) => {
  const cmd = program
    .command("validate")
    .description("check CostOptimization policies against the admission rules (exit 1 on any violation)");
  addPolicyFiles(cmd, "what to check")
    .option("--protected-namespaces <list>", "comma-separated namespaces no policy may target")
    .option("--protected-workloads <list>", "comma-separated workload names no policy may target")
    .option("--protected-labels <pairs>", "comma-separated key=value labels that protect a workload")
    .action((options: Record<string, string | undefined> & { filename?: string[]; policies?: string[] }) => {
      const opts: ValidationOptions = {};
      if (options.protectedNamespaces !== undefined)
        opts.protectedNamespaces = list(options.protectedNamespaces);
      if (options.protectedWorkloads !== undefined)
        opts.protectedWorkloads = list(options.protectedWorkloads);
      if (options.protectedLabels !== undefined) opts.protectedLabels = labelPairs(options.protectedLabels);
      const checked = report(readPolicySet(policyPaths(options), opts));
      for (const line of checked.warnings) log.warn(line);
      for (const line of checked.errors) process.stdout.write(`${line}\n`);
      const summary = `${checked.policies} CostOptimization polic${checked.policies === 1 ? "y" : "ies"} checked, ${checked.errors.length} error(s), ${checked.warnings.length} warning(s)`;
      log.info(summary);
      setExitCode(checked.errors.length > 0 ? 1 : 0);
    });
};
