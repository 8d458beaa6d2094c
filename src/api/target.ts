// The workload a policy targets, with its namespace filled in as everywhere else in costopt:
// spec.targetWorkload.namespace, else the policy's own namespace, else "default".

import type { CostOptimization, WorkloadKind } from "./types.js";

export interface TargetRef {
  namespace: string;
  kind: WorkloadKind;
  name: string;
}

export function policyTarget(policy: Pick<CostOptimization, "metadata" | "spec">): TargetRef {
  const t = policy.spec.targetWorkload;
  return { namespace: t.namespace ?? policy.metadata.namespace ?? "default", kind: t.kind, name: t.name };
}
