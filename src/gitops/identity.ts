// Proposal identity: one branch per policy, the same on every run, so a proposal is found again
// (and never duplicated) from the branch name alone — no state needed.

import { type PolicyRef, policyKey } from "../api/refs.js";
import { BRANCH_PREFIX } from "../forge/types.js";

/** costopt/[<cluster>/]<namespace>/<policy-name> */
export function proposalBranch(policy: PolicyRef, cluster?: string): string {
  return `${BRANCH_PREFIX}${policyKey(policy, cluster)}`;
}

/** The policy key back from a branch name; undefined for branches that are not ours. */
export function policyKeyFromBranch(branch: string): string | undefined {
  if (!branch.startsWith(BRANCH_PREFIX)) return undefined;
  const key = branch.slice(BRANCH_PREFIX.length);
  return key.split("/").length >= 2 ? key : undefined;
}
