// Identity, defined once: which workload, which policy, and the key state is stored under.
// A missing namespace is "default" everywhere, as Kubernetes itself defaults it.

import type { WorkloadKind } from "./types.js";

/** A workload in the cluster and in Git. */
export interface WorkloadRef {
  namespace: string;
  kind: WorkloadKind;
  name: string;
}

/** A CostOptimization policy. */
export interface PolicyRef {
  namespace: string;
  name: string;
}

/** The policy an object's metadata names (namespace "default" when absent). */
export function policyRefOf(policy: { metadata: { namespace?: string; name: string } }): PolicyRef {
  return { namespace: policy.metadata.namespace ?? "default", name: policy.metadata.name };
}

// Git ref names forbid spaces, "~^:?*[\" and "..": keep cluster names to a safe alphabet.
function refSafe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/\.{2,}/g, ".");
}

/**
 * <cluster>/<namespace>/<name>, or <namespace>/<name> without a cluster: the key state, branches
 * and the control loop's queue use. The control loop runs per cluster, so it passes no cluster.
 */
export function policyKey(policy: PolicyRef, cluster?: string): string {
  return cluster
    ? `${refSafe(cluster)}/${policy.namespace}/${policy.name}`
    : `${policy.namespace}/${policy.name}`;
}

/** Whether a policy key is one of this cluster's (no cluster: a key without a cluster part). */
export function keyInCluster(key: string, cluster?: string): boolean {
  const parts = key.split("/");
  return cluster ? parts.length === 3 && parts[0] === refSafe(cluster) : parts.length === 2;
}

/** <namespace>/<kind>/<name>: the key usage is looked up by. */
export function workloadKey(w: WorkloadRef): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}
