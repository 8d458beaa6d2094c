// The workload a policy targets, with its namespace filled in as everywhere else in costopt:
// spec.targetWorkload.namespace, else the policy's own namespace, else "default".

import type { WorkloadRef } from "./refs.js";
import type { CostOptimization } from "./types.js";

export function policyTarget(policy: Pick<CostOptimization, "metadata" | "spec">): WorkloadRef {
  const t = policy.spec.targetWorkload;
  return { namespace: t.namespace ?? policy.metadata.namespace ?? "default", kind: t.kind, name: t.name };
}
