// The HorizontalPodAutoscaler that owns a workload's replicas, and where its minReplicas is set.
// Under Kustomize the HPA is found among the documents the workload's own kustomization renders
// (its scaleTargetRef names the workload as some layer sees it) and its fields are resolved
// through the layers like the workload's; a plain HPA names the workload as deployed.

import { documentLabel } from "./errors.js";
import { type FieldRef, readReplicas, resolveField } from "./fields.js";
import { type Rendering, type RepoView, renderingsOf } from "./kustomize-tree.js";
import { getAt, isRecord } from "./pointer.js";
import type { EditSite, LocatedReplicas, RepoIndex } from "./types.js";

const HPA = "HorizontalPodAutoscaler";

function targets(h: Rendering, r: Rendering, names: ReadonlySet<string>): boolean {
  const ref = getAt(h.doc.value, ["spec", "scaleTargetRef"]);
  if (!isRecord(ref) || ref.kind !== r.doc.kind || typeof ref.name !== "string" || !names.has(ref.name))
    return false;
  return !h.namespace || !r.namespace || h.namespace === r.namespace;
}

function plain(view: RepoView): Rendering[] {
  return view.hpas
    .filter((d) => !view.patchFiles.has(d.file) && d.name !== undefined)
    .map((doc) => ({
      doc,
      layers: [],
      namesIn: [],
      name: doc.name as string,
      ...(doc.namespace ? { namespace: doc.namespace } : {}),
    }));
}

/** The HPA rendering that targets the workload rendering `r`, if the repository holds one. */
export function findHpa(index: RepoIndex, view: RepoView, r: Rendering): Rendering | undefined {
  if (r.root) {
    const names = new Set([r.doc.name as string, ...r.namesIn, r.name]);
    const rendered = renderingsOf(index, view, r.root).filter((h) => h.doc.kind === HPA);
    const found = rendered.find((h) => targets(h, r, names));
    if (found) return found;
  }
  // A plain HPA (or one no kustomization lists) names the workload as it is deployed.
  return plain(view).find((h) => targets(h, r, new Set([r.name])));
}

function intField(view: RepoView, h: Rendering, key: string): { value?: number; site: EditSite } {
  const field: FieldRef = { scope: "object", sub: ["spec", key] };
  const res = resolveField(view, h, field) as NonNullable<ReturnType<typeof resolveField>>;
  const raw = res.value;
  if (raw !== undefined && !(Number.isInteger(raw) && (raw as number) >= 0))
    res.site.blocked ??= `${res.site.file}, ${documentLabel(res.site.docIndex)}, field ${res.site.path}: ${JSON.stringify(raw)} is not a replica count`;
  const value = readReplicas(res, view);
  return { ...(value !== undefined ? { value } : {}), site: res.site };
}

/** What Located reports about the HPA: its bounds and where minReplicas is (or would be) set. */
export function hpaInfo(view: RepoView, h: Rendering): NonNullable<LocatedReplicas["hpa"]> {
  const min = intField(view, h, "minReplicas");
  const max = intField(view, h, "maxReplicas");
  return {
    file: h.doc.file,
    docIndex: h.doc.docIndex,
    name: h.name,
    ...(min.value !== undefined ? { minReplicas: min.value } : {}),
    ...(max.value !== undefined ? { maxReplicas: max.value } : {}),
    minReplicasSites: [min.site],
  };
}
