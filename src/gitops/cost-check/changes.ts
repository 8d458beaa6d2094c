// Which workloads a pull request changes the requests, limits or replicas of: every workload the
// repository defines is located before and after the change with the same locator proposals use,
// so a Kustomize overlay's patch or a Helm values file counts for the workload it renders into.

import { WORKLOAD_KINDS, type WorkloadKind } from "../../api/types.js";
import { type Located, locateWorkload, type RepoIndex, type Target } from "../../manifests/index.js";
import type { WorkloadRef } from "../../metrics/types.js";
import type { Resources } from "../../recommend/types.js";

export interface WorkloadShape {
  containers: (Resources & { name: string })[];
  replicas: number;
}

export interface WorkloadChange {
  workload: WorkloadRef;
  /** Absent for a workload the pull request adds. */
  before?: WorkloadShape;
  after: WorkloadShape;
}

const isWorkloadKind = (k: string | undefined): k is WorkloadKind =>
  WORKLOAD_KINDS.includes(k as WorkloadKind);

/**
 * The workloads worth locating: each workload document in every namespace a document or a
 * kustomization names (an overlay's `namespace:` makes a base Deployment a workload of its own),
 * and the Deployment a HelmRelease renders (named after the release).
 */
function targets(index: RepoIndex): Target[] {
  const namespaces = new Set<string>();
  for (const k of index.kustomizations.values()) if (k.namespace) namespaces.add(k.namespace);
  for (const d of index.documents) if (d.namespace) namespaces.add(d.namespace);
  const out = new Map<string, Target>();
  const add = (t: Target) => out.set(`${t.kind}/${t.namespace ?? ""}/${t.name}`, t);
  for (const d of index.documents) {
    if (!d.name) continue;
    if (isWorkloadKind(d.kind)) {
      if (d.namespace) add({ kind: d.kind, namespace: d.namespace, name: d.name });
      else for (const ns of [undefined, ...namespaces]) add({ kind: d.kind, namespace: ns, name: d.name });
    } else if (d.kind === "HelmRelease") {
      const spec = (d.value as { spec?: { targetNamespace?: string; releaseName?: string } }).spec ?? {};
      add({
        kind: "Deployment",
        namespace: spec.targetNamespace ?? d.namespace,
        name: spec.releaseName ?? d.name,
      });
    }
  }
  return [...out.values()];
}

function shape(l: Located): WorkloadShape {
  return {
    containers: l.containers.map((c) => ({
      name: c.name,
      ...(c.cpuRequest !== undefined ? { cpuRequest: c.cpuRequest } : {}),
      ...(c.cpuLimit !== undefined ? { cpuLimit: c.cpuLimit } : {}),
      ...(c.memoryRequest !== undefined ? { memoryRequest: c.memoryRequest } : {}),
      ...(c.memoryLimit !== undefined ? { memoryLimit: c.memoryLimit } : {}),
    })),
    replicas: l.replicas.current,
  };
}

/** Where a located workload comes from; one workload found under several targets counts once. */
const identity = (l: Located) => JSON.stringify([l.target.kind, l.roots ?? [], l.definedIn]);

export function workloadChanges(before: RepoIndex, after: RepoIndex): WorkloadChange[] {
  const seen = new Set<string>();
  const out: WorkloadChange[] = [];
  for (const t of targets(after)) {
    const a = locateWorkload(after, t);
    if (!a.ok || seen.has(identity(a))) continue;
    seen.add(identity(a));
    const b = locateWorkload(before, t);
    const next = shape(a);
    const prev = b.ok ? shape(b) : undefined;
    if (prev && JSON.stringify(prev) === JSON.stringify(next)) continue;
    out.push({
      workload: { kind: t.kind, namespace: t.namespace ?? "default", name: t.name },
      ...(prev ? { before: prev } : {}),
      after: next,
    });
  }
  return out;
}
