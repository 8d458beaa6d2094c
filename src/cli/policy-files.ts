// The policies named by -f, checked: the one way validate, recommend and run read them. Finding no
// CostOptimization at all is an error (an empty folder or a wrong path is a mistake, not "all good").

import { type CheckedPolicy, checkPolicies, type PolicySet, validPolicies } from "../api/load.js";
import { policyTarget } from "../api/target.js";
import type { CostOptimization } from "../api/types.js";
import type { ValidationOptions } from "../api/validation.js";
import { readInputs } from "./files.js";
import { inNamespaces } from "./options.js";

export function readPolicySet(
  paths: readonly string[],
  opts: ValidationOptions = {},
  stdin?: () => string,
): PolicySet {
  const set = checkPolicies(readInputs(paths, { flag: "-f", ...(stdin ? { stdin } : {}) }), opts);
  if (set.checked.length === 0 && set.parseErrors.length === 0)
    throw new Error(`-f ${paths.join(" ")}: no CostOptimization policies found`);
  return set;
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

/** The valid policies whose workload is in one of `namespaces` (all without), and what was wrong with the rest. */
export function loadPolicies(
  paths: string | readonly string[],
  namespaces?: readonly string[],
): { policies: CostOptimization[]; problems: string[]; invalid: InvalidPolicy[] } {
  const set = readPolicySet(typeof paths === "string" ? [paths] : paths);
  const inScope = inNamespaces(namespaces);
  set.checked = set.checked.filter((c) => inScope(policyTarget(c.policy).namespace));
  return { ...validPolicies(set), invalid: invalidPolicies(set.checked) };
}
