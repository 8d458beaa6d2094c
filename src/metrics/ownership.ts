// Pod -> workload. kube-state-metrics says who owns a pod (kube_pod_owner) and who owns a
// ReplicaSet (kube_replicaset_owner); without them the controllers' naming conventions still
// identify the workload: <deployment>-<pod-template-hash>-<5 chars>, <statefulset>-<ordinal>,
// <daemonset>-<5 chars>, <cronjob>-<scheduled minute>-<5 chars>. A CronJob's pod is owned by a
// Job (kube_pod_owner) which the CronJob owns (kube_job_owner).

import type { WorkloadKind } from "../api/types.js";
import type { WorkloadRef, WorkloadUsage } from "./types.js";

export type Ownership = NonNullable<WorkloadUsage["ownership"]>;

export interface Resolved {
  workload: WorkloadRef;
  via: Ownership;
}

const SUFFIX: Record<WorkloadKind, RegExp> = {
  Deployment: /^-[a-z0-9]{1,10}-[a-z0-9]{5}$/,
  StatefulSet: /^-\d+$/,
  DaemonSet: /^-[a-z0-9]{5}$/,
  // The CronJob controller names each Job <cronjob>-<minutes since the epoch>.
  CronJob: /^-\d{8,10}-[a-z0-9]{5}$/,
};

/** Workloads by namespace: the candidates resolve() picks a pod's workload from. */
export function byNamespace(workloads: readonly WorkloadRef[]): Map<string, WorkloadRef[]> {
  const out = new Map<string, WorkloadRef[]>();
  for (const w of workloads) {
    const list = out.get(w.namespace) ?? [];
    list.push(w);
    out.set(w.namespace, list);
  }
  return out;
}

export class OwnerIndex {
  private readonly podOwner = new Map<string, { kind: string; name: string }>();
  private readonly rsOwner = new Map<string, { kind: string; name: string }>();
  private readonly jobOwner = new Map<string, { kind: string; name: string }>();
  /** Namespaces in which kube_pod_owner was seen at all. */
  private readonly withOwners = new Set<string>();

  addPodOwner(namespace: string, pod: string, kind: string, name: string): void {
    this.withOwners.add(namespace);
    // A pod lists several owners only in odd setups; the controller (first seen) wins.
    const key = `${namespace}/${pod}`;
    if (!this.podOwner.has(key)) this.podOwner.set(key, { kind, name });
  }

  addReplicaSetOwner(namespace: string, replicaSet: string, kind: string, name: string): void {
    const key = `${namespace}/${replicaSet}`;
    if (!this.rsOwner.has(key)) this.rsOwner.set(key, { kind, name });
  }

  addJobOwner(namespace: string, job: string, kind: string, name: string): void {
    const key = `${namespace}/${job}`;
    if (!this.jobOwner.has(key)) this.jobOwner.set(key, { kind, name });
  }

  hasOwnerSeries(namespace: string): boolean {
    return this.withOwners.has(namespace);
  }

  /** resolve() among each namespace's candidates, worked out once per pod. */
  resolver(
    candidates: ReadonlyMap<string, readonly WorkloadRef[]>,
  ): (namespace: string, pod: string) => Resolved | undefined {
    const resolved = new Map<string, Resolved | undefined>();
    return (namespace, pod) => {
      const key = `${namespace}/${pod}`;
      if (!resolved.has(key))
        resolved.set(key, this.resolve(namespace, pod, candidates.get(namespace) ?? []));
      return resolved.get(key);
    };
  }

  /** The requested workload a pod belongs to, if any. */
  resolve(namespace: string, pod: string, candidates: readonly WorkloadRef[]): Resolved | undefined {
    const owner = this.podOwner.get(`${namespace}/${pod}`);
    if (owner) {
      let { kind, name } = owner;
      if (kind === "ReplicaSet") {
        const rs = this.rsOwner.get(`${namespace}/${name}`);
        if (rs) ({ kind, name } = rs);
        else {
          // No kube_replicaset_owner: strip the pod-template-hash.
          kind = "Deployment";
          name = name.replace(/-[a-z0-9]{1,10}$/, "");
        }
      } else if (kind === "Job") {
        const job = this.jobOwner.get(`${namespace}/${name}`);
        if (job) ({ kind, name } = job);
        else if (/-\d{8,10}$/.test(name)) {
          // No kube_job_owner: a scheduled Job's name is the CronJob's plus the minute.
          kind = "CronJob";
          name = name.replace(/-\d{8,10}$/, "");
        }
      }
      const w = candidates.find((c) => c.kind === kind && c.name === name);
      return w ? { workload: w, via: "owner-series" } : undefined;
    }
    return matchByName(pod, candidates);
  }
}

/** The longest-named candidate whose naming convention produces this pod name. */
export function matchByName(pod: string, candidates: readonly WorkloadRef[]): Resolved | undefined {
  let best: WorkloadRef | undefined;
  for (const c of candidates) {
    if (pod.length <= c.name.length || !pod.startsWith(c.name)) continue;
    if (!SUFFIX[c.kind].test(pod.slice(c.name.length))) continue;
    if (!best || c.name.length > best.name.length) best = c;
  }
  return best ? { workload: best, via: "name-pattern" } : undefined;
}
