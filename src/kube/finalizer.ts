// The finalizer that lets costopt open revert pull requests before a policy disappears.
// Merge patches carry the resourceVersion they were computed from, so a concurrent change
// to the finalizer list is a 409 and a retry rather than a silently dropped finalizer.

import type { CostOptimization } from "../api/types.js";
import type { KubeClient } from "./client.js";
import { COSTOPTIMIZATIONS } from "./resources.js";

export const FINALIZER = "costopt.dev/finalizer";

export function hasFinalizer(p: CostOptimization): boolean {
  return p.metadata.finalizers?.includes(FINALIZER) ?? false;
}

export async function addFinalizer(kube: KubeClient, p: CostOptimization): Promise<CostOptimization> {
  if (hasFinalizer(p)) return p;
  return kube.mergePatch<CostOptimization>(COSTOPTIMIZATIONS, p.metadata.namespace, p.metadata.name, {
    metadata: {
      resourceVersion: p.metadata.resourceVersion,
      finalizers: [...(p.metadata.finalizers ?? []), FINALIZER],
    },
  });
}

export async function removeFinalizer(kube: KubeClient, p: CostOptimization): Promise<void> {
  if (!hasFinalizer(p)) return;
  await kube.mergePatch(COSTOPTIMIZATIONS, p.metadata.namespace, p.metadata.name, {
    metadata: {
      resourceVersion: p.metadata.resourceVersion,
      finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
    },
  });
}
