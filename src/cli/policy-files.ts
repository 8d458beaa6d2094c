// The policies named by -f, checked: the one way validate, recommend and run read them. Finding no
// CostOptimization at all is an error (an empty folder or a wrong path is a mistake, not "all good").

import {
  type CheckedPolicy,
  checkPolicies,
  type LoadedPolicies,
  type PolicySet,
  policiesOf,
  proposingOnly,
} from "../api/load.js";
import { policyTarget } from "../api/target.js";
import type { ValidationOptions } from "../api/validation.js";
import { type InputFile, readInputs } from "./files.js";
import { inNamespaces } from "./options.js";

function readPolicyFiles(paths: readonly string[], stdin?: () => string): InputFile[] {
  return readInputs(paths, { flag: "-f", ...(stdin ? { stdin } : {}) });
}

function nonEmpty(set: PolicySet, paths: readonly string[]): PolicySet {
  if (set.checked.length === 0 && set.parseErrors.length === 0)
    throw new Error(`-f ${paths.join(" ")}: no CostOptimization policies found`);
  return set;
}

export function readPolicySet(
  paths: readonly string[],
  opts: ValidationOptions = {},
  stdin?: () => string,
): PolicySet {
  return nonEmpty(checkPolicies(readPolicyFiles(paths, stdin), opts), paths);
}

/** An invalid policy as the JSON report shows it: which one, where, and every violation. */
export interface InvalidPolicy {
  policy: string;
  file: string;
  line: number;
  errors: string[];
}

export function invalidPolicies(checked: readonly CheckedPolicy[]): InvalidPolicy[] {
  return checked
    .filter((c) => c.errors.length > 0)
    .map((c) => ({
      policy: `${c.policy.metadata?.namespace ?? "default"}/${c.policy.metadata?.name ?? "?"}`,
      file: c.document.file,
      line: c.document.line,
      errors: c.errors,
    }));
}

export interface PolicyFiles extends LoadedPolicies {
  /** The invalid policies with their violations (also in problems). */
  invalid: InvalidPolicy[];
  /** The files read. */
  files: InputFile[];
}

/**
 * The policies named by -f (api/load.ts's rules and warnings) whose workload is in one of
 * `namespaces` (all without); `proposing`: one writer per workload, as run and serve need.
 */
export function loadPolicyFiles(
  paths: string | readonly string[],
  options: { namespaces?: readonly string[]; proposing?: boolean } = {},
): PolicyFiles {
  const list = typeof paths === "string" ? [paths] : paths;
  const files = readPolicyFiles(list);
  const set = nonEmpty(checkPolicies(files), list);
  const inScope = inNamespaces(options.namespaces);
  set.checked = set.checked.filter((c) => inScope(policyTarget(c.policy).namespace));
  const loaded = policiesOf(set);
  return {
    ...(options.proposing ? proposingOnly(loaded) : loaded),
    invalid: invalidPolicies(set.checked),
    files,
  };
}
