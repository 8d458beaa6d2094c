// `costopt validate -f <file|dir|->`: checks every CostOptimization against the admission rules,
// for a GitOps repository's CI. Exit 1 on any violation or unreadable YAML, else 0.

import type { Command } from "commander";
import { checkPolicies } from "../api/load.js";
import type { ValidationOptions } from "../api/validation.js";
import { readInputs } from "./files.js";
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
  const set = checkPolicies(files, opts);
  return {
    policies: set.checked.length,
    errors: [...set.parseErrors, ...set.checked.flatMap((c) => c.errors)],
    warnings: set.checked.flatMap((c) => c.warnings),
  };
}

export const registerValidate: Register = (program: Command, setExitCode) => {
  program
    .command("validate")
    .description("check CostOptimization policies against the admission rules (exit 1 on any violation)")
    .requiredOption("-f, --filename <path>", "a YAML file, a folder of them, or - for stdin")
    .option("--protected-namespaces <list>", "comma-separated namespaces no policy may target")
    .option("--protected-workloads <list>", "comma-separated workload names no policy may target")
    .option("--protected-labels <pairs>", "comma-separated key=value labels that protect a workload")
    .action((options: Record<string, string | undefined>) => {
      const opts: ValidationOptions = {};
      if (options.protectedNamespaces !== undefined)
        opts.protectedNamespaces = list(options.protectedNamespaces);
      if (options.protectedWorkloads !== undefined)
        opts.protectedWorkloads = list(options.protectedWorkloads);
      if (options.protectedLabels !== undefined) opts.protectedLabels = labelPairs(options.protectedLabels);
      const report = validateFiles(readInputs(options.filename as string), opts);
      for (const line of report.warnings) console.error(line);
      for (const line of report.errors) console.log(line);
      const summary = `${report.policies} CostOptimization polic${report.policies === 1 ? "y" : "ies"} checked, ${report.errors.length} error(s), ${report.warnings.length} warning(s)`;
      console.error(summary);
      setExitCode(report.errors.length > 0 ? 1 : 0);
    });
};
