// Proposal identity: one branch per policy, the same on every run, so a proposal is found again
// (and never duplicated) from the branch name alone — no state needed.

import { BRANCH_PREFIX } from "../forge/types.js";

export interface PolicyId {
  namespace: string;
  name: string;
}

// Git ref names forbid spaces, "~^:?*[\" and "..": keep cluster names to a safe alphabet.
function refSafe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/\.{2,}/g, ".");
}

/** <cluster>/<namespace>/<name>, or <namespace>/<name> without a cluster: the key state is stored under. */
export function policyKey(policy: PolicyId, cluster?: string): string {
  return cluster
    ? `${refSafe(cluster)}/${policy.namespace}/${policy.name}`
    : `${policy.namespace}/${policy.name}`;
}

/** costopt/[<cluster>/]<namespace>/<policy-name> */
export function proposalBranch(policy: PolicyId, cluster?: string): string {
  return `${BRANCH_PREFIX}${policyKey(policy, cluster)}`;
}

/** The policy key back from a branch name; undefined for branches that are not ours. */
export function policyKeyFromBranch(branch: string): string | undefined {
  if (!branch.startsWith(BRANCH_PREFIX)) return undefined;
  const key = branch.slice(BRANCH_PREFIX.length);
  return key.split("/").length >= 2 ? key : undefined;
}
