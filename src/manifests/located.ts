// Building a Located from one rendering of a workload (plain manifest or kustomize), and
// merging identical copies found in several places.

import { parseCpu, parseMemory } from "../api/quantity.js";
import type { WorkloadKind } from "../api/types.js";
import { type FieldRef, POD_SPEC, RESOURCE_PATHS, readQuantity, resolveField } from "./fields.js";
import { folderOf, type Rendering, type RepoView } from "./kustomize-tree.js";
import { getAt, isRecord } from "./pointer.js";
import type {
  EditSite,
  IndexedDocument,
  Located,
  LocatedContainer,
  LocatedReplicas,
  ResourceField,
} from "./types.js";
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

function hpaFor(hpas: readonly IndexedDocument[], target: Target, names: ReadonlySet<string>) {
  return hpas.find((h) => {
    const ref = getAt(h.value, ["spec", "scaleTargetRef"]);
    if (!isRecord(ref) || ref.kind !== target.kind || typeof ref.name !== "string" || !names.has(ref.name))
      return false;
    return !target.namespace || !h.namespace || h.namespace === target.namespace;
  });
}

function replicasOf(
  view: RepoView,
  r: Rendering,
  target: Target,
  hpas: readonly IndexedDocument[],
): LocatedReplicas {
  const res = resolveField(view, r, { scope: "replicas" }) as NonNullable<ReturnType<typeof resolveField>>;
  const hpa = hpaFor(hpas, target, new Set([r.name, r.doc.name as string]));
  const explicit = typeof res.value === "number";
  const out: LocatedReplicas = {
    current: explicit ? (res.value as number) : 1,
    explicit,
    sites: [res.site],
    ownedByHpa: hpa !== undefined,
  };
  if (hpa) {
    const min = getAt(hpa.value, ["spec", "minReplicas"]);
    const max = getAt(hpa.value, ["spec", "maxReplicas"]);
    out.hpa = {
      file: hpa.file,
      docIndex: hpa.docIndex,
      name: hpa.name ?? "",
      ...(typeof min === "number" ? { minReplicas: min } : {}),
      ...(typeof max === "number" ? { maxReplicas: max } : {}),
    };
  }
  return out;
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
      ? readQuantity(res, parseCpu, "CPU quantity")
      : readQuantity(res, parseMemory, "memory quantity");
    if (value !== undefined) c[field] = value;
    c.sites[field].push(res.site);
  }
  return c;
}

export function locatedFromRendering(
  view: RepoView,
  r: Rendering,
  target: Target,
  hpas: readonly IndexedDocument[],
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
    replicas: replicasOf(view, r, target, hpas),
    placement: { nodeAffinity: pod(["affinity", "nodeAffinity"]), tolerations: pod(["tolerations"]) },
    notes,
  };
}

/** The values a reviewer would compare when one workload appears in several places. */
function summary(l: Located): unknown {
  return {
    containers: l.containers.map((c) => ({ ...c, sites: undefined })),
    replicas: l.replicas.current,
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
