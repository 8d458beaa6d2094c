// Building a Located from one rendering of a workload (plain manifest or kustomize), and
// merging identical copies found in several places.

import { parseCpu, parseMemory } from "../api/quantity.js";
import type { WorkloadKind } from "../api/types.js";
import { RESOURCE_FIELDS, type ResourceField } from "../api/types.js";
import {
  type FieldRef,
  podSpecPath,
  RESOURCE_PATHS,
  readQuantity,
  readReplicas,
  resolveField,
} from "./fields.js";
import { hpaInfo } from "./hpa.js";
import { folderOf, type Rendering, type RepoView, untargeted } from "./kustomize-tree.js";
import { getAt, isRecord } from "./pointer.js";
import type {
  Desired,
  EditSite,
  Located,
  LocatedContainer,
  LocatedReplicas,
  NewFileSite,
  WorkloadLocation,
} from "./types.js";
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

/** The folder of the kustomization that renders the workload, unless other roots include it too. */
export function newFileSite(view: RepoView, r: Rendering): NewFileSite {
  if (!r.root) return { folder: folderOf(r) };
  const others = untargeted(r, view.layerRoots.get(r.root.file));
  return {
    folder: r.root.dir,
    kustomization: r.root.file,
    ...(others.length
      ? {
          blocked: `a new file listed in ${r.root.file} would also be applied by ${others.join(", ")}, which the policy does not target`,
        }
      : {}),
  };
}

export function locatedFromRendering(
  view: RepoView,
  r: Rendering,
  target: Target,
  hpa: Rendering | undefined,
): Located {
  const containers = getAt(r.doc.value, [...podSpecPath(r.doc.kind), "containers"]);
  const names = Array.isArray(containers)
    ? containers.flatMap((c) => (isRecord(c) && typeof c.name === "string" ? [c.name] : []))
    : [];
  const pod = (sub: string[]) => {
    const res = resolveField(view, r, { scope: "pod", sub });
    return res ? [res.site] : [];
  };
  const notes: string[] = [];
  const roots = view.docRoots.get(r.doc)?.size ?? 0;
  if (r.root && roots > 1)
    notes.push(
      `${r.doc.file} is shared by ${roots} kustomizations; values it sets are overridden in ${r.root.file}`,
    );
  return {
    ok: true,
    target: { kind: target.kind, name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
    source: r.root ? "kustomize" : "manifest",
    roots: r.root ? [r.root.file] : [],
    definedIn: [
      { file: r.doc.file, docIndex: r.doc.docIndex, ...(r.doc.pointer ? { pointer: r.doc.pointer } : {}) },
    ],
    // Kustomize, Argo CD and Flux apply only what a kustomization lists: a new file belongs to the
    // layer being edited (the overlay, or the base rendered on its own) and is listed there.
    newFiles: [newFileSite(view, r)],
    labels: Object.assign(
      labelsAt(r.doc.value, ["metadata", "labels"]),
      ...r.layers.map((l) => l.commonLabels),
    ),
    podLabels: labelsAt(r.doc.value, [...podSpecPath(r.doc.kind).slice(0, -1), "metadata", "labels"]),
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
      for (const f of RESOURCE_FIELDS) mergeSites(c.sites[f], other.containers[i]?.sites[f] ?? []);
    mergeSites(first.replicas.sites, other.replicas.sites);
    if (first.replicas.hpa && other.replicas.hpa)
      mergeSites(first.replicas.hpa.minReplicasSites, other.replicas.hpa.minReplicasSites);
    mergeSites(first.placement.nodeAffinity, other.placement.nodeAffinity);
    mergeSites(first.placement.tolerations, other.placement.tolerations);
    for (const root of other.roots ?? []) if (!first.roots?.includes(root)) first.roots?.push(root);
    for (const n of other.newFiles)
      if (!first.newFiles.some((f) => f.folder === n.folder && f.kustomization === n.kustomization))
        first.newFiles.push(n);
    first.notes.push(...other.notes);
  }
  if (rest.length) first.notes.push(`${what} has ${all.length} identical copies; all are edited together`);
  return first;
}

/** Where the workload is and where its CPU, memory and replica values are written. */
export function locationOf(l: Located): WorkloadLocation {
  const sites: WorkloadLocation["sites"] = [];
  const all = [
    ...l.containers.flatMap((c) => RESOURCE_FIELDS.flatMap((f) => c.sites[f])),
    ...l.replicas.sites,
  ];
  for (const s of all)
    if (!s.blocked && !sites.some((t) => t.file === s.file && t.layer === s.layer))
      sites.push({ file: s.file, layer: s.layer, created: s.create !== undefined });
  return { format: l.source, definedIn: [...new Set(l.definedIn.map((d) => d.file))], sites };
}

/** "apps/production/podinfo-values.yaml (patch ..., helmrelease); defined in apps/base/podinfo/release.yaml" */
export function describeLocation(loc: WorkloadLocation): string {
  const sites = loc.sites.map((s) => `${s.file}${s.created ? " (new)" : ""}: ${s.layer}`).join("; ");
  return `${loc.format}, defined in ${loc.definedIn.join(", ")}${sites ? `; written to ${sites}` : ""}`;
}

/** One value a plan changes: what it is now, which layer sets it, and where the new value goes. */
export interface LandingRow {
  container?: string;
  field: ResourceField | "replicas";
  /** Millicores, bytes or a replica count, as the targeted root renders it; absent when unset. */
  current?: number;
  /** The layer that sets the value now; absent when nothing does. */
  setIn?: string;
  /** The file the new value is written to, and its layer. */
  file: string;
  layer: string;
  created: boolean;
}

/** The rows of "Where this change lands" for the values `desired` changes. */
export function landingOf(l: Located, desired: Desired): LandingRow[] {
  const rows: LandingRow[] = [];
  const row = (site: EditSite, field: LandingRow["field"], current: number | undefined, container?: string) =>
    rows.push({
      ...(container !== undefined ? { container } : {}),
      field,
      ...(current !== undefined ? { current } : {}),
      ...(site.setIn ? { setIn: site.setIn } : site.exists ? { setIn: site.layer } : {}),
      file: site.file,
      layer: site.layer,
      created: site.create !== undefined,
    });
  const wanted = desired.containers ?? [];
  for (const d of wanted) {
    const c =
      l.containers.find((x) => x.name === d.name) ?? (wanted.length === 1 ? l.containers[0] : undefined);
    if (!c) continue;
    for (const f of RESOURCE_FIELDS)
      if (d[f] !== undefined) for (const s of c.sites[f]) row(s, f, c[f], c.name);
  }
  if (desired.replicas !== undefined)
    for (const s of l.replicas.sites)
      row(s, "replicas", l.replicas.explicit ? l.replicas.current : undefined);
  return rows;
}
