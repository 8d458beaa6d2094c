// Building a Located from one rendering of a workload (plain manifest or kustomize), and
// merging identical copies found in several places.

import { parseCpu, parseMemory } from "../api/quantity.js";
import type { WorkloadKind } from "../api/types.js";
import {
  type FieldRef,
  POD_SPEC,
  RESOURCE_PATHS,
  readQuantity,
  readReplicas,
  resolveField,
} from "./fields.js";
import { hpaInfo } from "./hpa.js";
import { folderOf, type Rendering, type RepoView } from "./kustomize-tree.js";
import { getAt, isRecord } from "./pointer.js";
import type { EditSite, Located, LocatedContainer, LocatedReplicas, ResourceField } from "./types.js";
import { RESOURCE_FIELDS } from "./types.js";
import { deepEqual } from "./yaml-stream.js";

export interface Target {
  kind: WorkloadKind;
  namespace?: string;
  name: string;
}

function labelsAt(value: unknown, path: string[]): Record<string, string> {
  const labels = getAt(value, path);
  if (!isRecord(labels)) return {};
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}

function replicasOf(view: RepoView, r: Rendering, hpa: Rendering | undefined): LocatedReplicas {
  const res = resolveField(view, r, { scope: "replicas" }) as NonNullable<ReturnType<typeof resolveField>>;
  const explicit = typeof res.value === "number";
  return {
    current: readReplicas(res, view) ?? 1,
    explicit,
    sites: [res.site],
    ownedByHpa: hpa !== undefined,
    ...(hpa ? { hpa: hpaInfo(view, hpa) } : {}),
  };
}

function containerOf(view: RepoView, r: Rendering, name: string): LocatedContainer {
  const c: LocatedContainer = {
    name,
    sites: { cpuRequest: [], cpuLimit: [], memoryRequest: [], memoryLimit: [] },
  };
  for (const field of RESOURCE_FIELDS) {
    const ref: FieldRef = { scope: "container", container: name, sub: RESOURCE_PATHS[field] };
    const res = resolveField(view, r, ref);
    if (!res) continue;
    const value = field.startsWith("cpu")
      ? readQuantity(res, parseCpu, "CPU quantity", view)
      : readQuantity(res, parseMemory, "memory quantity", view);
    if (value !== undefined) c[field] = value;
    c.sites[field].push(res.site);
  }
  return c;
}

export function locatedFromRendering(
  view: RepoView,
  r: Rendering,
  target: Target,
  hpa: Rendering | undefined,
): Located {
  const containers = getAt(r.doc.value, [...POD_SPEC, "containers"]);
  const names = Array.isArray(containers)
    ? containers.flatMap((c) => (isRecord(c) && typeof c.name === "string" ? [c.name] : []))
    : [];
  const pod = (sub: string[]) => {
    const res = resolveField(view, r, { scope: "pod", sub });
    return res ? [res.site] : [];
  };
  const notes: string[] = [];
  if (r.root && (view.rootCount.get(r.doc) ?? 0) > 1)
    notes.push(
      `${r.doc.file} is shared by ${view.rootCount.get(r.doc)} kustomizations; values it sets are overridden in ${r.root.file}`,
    );
  return {
    ok: true,
    target: { kind: target.kind, name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
    source: r.root ? "kustomize" : "manifest",
    definedIn: [
      { file: r.doc.file, docIndex: r.doc.docIndex, ...(r.doc.pointer ? { pointer: r.doc.pointer } : {}) },
    ],
    // Kustomize, Argo CD and Flux apply only what a kustomization lists: a new file belongs to the
    // layer being edited (the overlay, or the base rendered on its own) and is listed there.
    newFiles: [r.root ? { folder: r.root.dir, kustomization: r.root.file } : { folder: folderOf(r) }],
    labels: Object.assign(
      labelsAt(r.doc.value, ["metadata", "labels"]),
      ...r.layers.map((l) => l.commonLabels),
    ),
    podLabels: labelsAt(r.doc.value, ["spec", "template", "metadata", "labels"]),
    containers: names.map((n) => containerOf(view, r, n)),
    replicas: replicasOf(view, r, hpa),
    placement: { nodeAffinity: pod(["affinity", "nodeAffinity"]), tolerations: pod(["tolerations"]) },
    notes,
  };
}

/** The values a reviewer would compare when one workload appears in several places. */
function summary(l: Located): unknown {
  return {
    containers: l.containers.map((c) => ({ ...c, sites: undefined })),
    replicas: l.replicas.current,
    hpa: l.replicas.hpa && { min: l.replicas.hpa.minReplicas, max: l.replicas.hpa.maxReplicas },
  };
}

function placeOf(l: Located): string {
  const site = l.containers[0]?.sites.cpuRequest[0] ?? l.replicas.sites[0];
  return site ? `${site.file} (${site.layer})` : (l.definedIn[0]?.file ?? "?");
}

function mergeSites(into: EditSite[], more: EditSite[]): void {
  for (const s of more)
    if (!into.some((t) => t.file === s.file && t.docIndex === s.docIndex && t.path === s.path)) into.push(s);
}

/** One Located for identical copies; a reason when the copies disagree. */
export function mergeLocated(all: Located[], what: string): Located | string {
  const [first, ...rest] = all as [Located, ...Located[]];
  for (const other of rest)
    if (!deepEqual(summary(first), summary(other)))
      return `${what} is defined in ${all.length} places with conflicting values (${all.map(placeOf).join("; ")}); set the policy's source.path to choose one`;
  for (const other of rest) {
    for (const d of other.definedIn)
      if (!first.definedIn.some((f) => f.file === d.file && f.docIndex === d.docIndex))
        first.definedIn.push(d);
    for (const [i, c] of first.containers.entries())
      for (const f of RESOURCE_FIELDS as ResourceField[])
        mergeSites(c.sites[f], other.containers[i]?.sites[f] ?? []);
    mergeSites(first.replicas.sites, other.replicas.sites);
    if (first.replicas.hpa && other.replicas.hpa)
      mergeSites(first.replicas.hpa.minReplicasSites, other.replicas.hpa.minReplicasSites);
    mergeSites(first.placement.nodeAffinity, other.placement.nodeAffinity);
    mergeSites(first.placement.tolerations, other.placement.tolerations);
    for (const n of other.newFiles)
      if (!first.newFiles.some((f) => f.folder === n.folder && f.kustomization === n.kustomization))
        first.newFiles.push(n);
    first.notes.push(...other.notes);
  }
  if (rest.length) first.notes.push(`${what} has ${all.length} identical copies; all are edited together`);
  return first;
}
