// Where the control loop reads a policy and writes what it learned: the CostOptimization CR
// (status subresource, finalizer, annotations) in a cluster, or memory in local mode, where
// policies come from the Git repository (src/server/local-policies.ts). The controller sees only this.

import type { CostOptimization } from "../api/types.js";
import type { KubeClient } from "./client.js";
import { addFinalizer, removeFinalizer } from "./finalizer.js";
import { COSTOPTIMIZATIONS } from "./resources.js";

export interface PolicyStore {
  /** The current object, by namespace/name; undefined when it is gone. */
  get(namespace: string, name: string): Promise<CostOptimization | undefined>;
  /** Merge-patches status; returns the updated object. */
  patchStatus(policy: CostOptimization, statusPatch: Record<string, unknown>): Promise<CostOptimization>;
  annotate(policy: CostOptimization, annotations: Record<string, string>): Promise<void>;
  /** Makes deletion wait for finalize (CRs); a no-op where nothing can be deleted from under us. */
  ensureFinalizer(policy: CostOptimization): Promise<CostOptimization>;
  releaseFinalizer(policy: CostOptimization): Promise<void>;
}

export class KubePolicyStore implements PolicyStore {
  constructor(private readonly kube: KubeClient) {}

  get(namespace: string, name: string) {
    return this.kube.get<CostOptimization>(COSTOPTIMIZATIONS, namespace, name);
  }

  patchStatus(policy: CostOptimization, statusPatch: Record<string, unknown>) {
    return this.kube.mergePatch<CostOptimization>(
      COSTOPTIMIZATIONS,
      policy.metadata.namespace,
      policy.metadata.name,
      { status: statusPatch },
      { status: true },
    );
  }

  async annotate(policy: CostOptimization, annotations: Record<string, string>) {
    await this.kube.mergePatch(COSTOPTIMIZATIONS, policy.metadata.namespace, policy.metadata.name, {
      metadata: { annotations },
    });
  }

  ensureFinalizer(policy: CostOptimization) {
    return addFinalizer(this.kube, policy);
  }

  releaseFinalizer(policy: CostOptimization) {
    return removeFinalizer(this.kube, policy);
  }
}
