// Which layer sets a field, and where costopt should write it. The last layer to set a value
// wins; a value only the base sets is edited in the base unless other overlays share that base,
// in which case it goes into a patch of this overlay.

import type { parseCpu, parseMemory } from "../api/quantity.js";
import type { ResourceField } from "../api/types.js";
import { documentLabel } from "./errors.js";
import { type Rendering, type RepoView, untargeted } from "./kustomize-tree.js";
import { formatPointer, getAt, isRecord } from "./pointer.js";
import type { EditSite, Kustomization, KustomizePatch } from "./types.js";

export type FieldRef =
  | { scope: "container"; container: string; sub: string[] }
  | { scope: "pod"; sub: string[] }
  /**
   * A path from the object's root, e.g. an HPA's spec.minReplicas. `managed`: how many leading
   * segments of `sub` mark an overlay patch as the one that manages this part (a HelmRelease
   * patch setting spec.values gets new values too).
   */
  | { scope: "object"; sub: string[]; managed?: number }
  | { scope: "replicas" };

export const POD_SPEC = ["spec", "template", "spec"];
/** A CronJob's pods come from its Job template: spec.jobTemplate.spec.template.spec. */
export const CRONJOB_POD_SPEC = ["spec", "jobTemplate", "spec", "template", "spec"];

/** Where a workload of this kind keeps its pod spec. */
export function podSpecPath(kind: unknown): string[] {
  return kind === "CronJob" ? CRONJOB_POD_SPEC : POD_SPEC;
}

function podSpecOf(obj: unknown): string[] {
  return podSpecPath(isRecord(obj) ? obj.kind : undefined);
}

export const RESOURCE_PATHS: Record<ResourceField, string[]> = {
  cpuRequest: ["resources", "requests", "cpu"],
  cpuLimit: ["resources", "limits", "cpu"],
  memoryRequest: ["resources", "requests", "memory"],
  memoryLimit: ["resources", "limits", "memory"],
};

export interface Resolution {
  value: unknown;
  site: EditSite;
}

function containerIndex(obj: unknown, name: string): number {
  const list = getAt(obj, [...podSpecOf(obj), "containers"]);
  return Array.isArray(list) ? list.findIndex((c) => isRecord(c) && c.name === name) : -1;
}

/** The field's path inside a workload-shaped object, or undefined when the container is absent. */
function pathIn(obj: unknown, field: FieldRef): string[] | undefined {
  if (field.scope === "replicas") return ["spec", "replicas"];
  if (field.scope === "pod") return [...podSpecOf(obj), ...field.sub];
  if (field.scope === "object") return field.sub;
  const i = containerIndex(obj, field.container);
  return i < 0 ? undefined : [...podSpecOf(obj), "containers", String(i), ...field.sub];
}

function nameMatches(pattern: string, names: ReadonlySet<string>): boolean {
  if (names.has(pattern)) return true;
  if (!/[\\^$.*+?()[\]{}|]/.test(pattern)) return false;
  try {
    const re = new RegExp(`^(?:${pattern})$`);
    return [...names].some((n) => re.test(n));
  } catch {
    return false;
  }
}

function selectorMatches(selector: string, labels: unknown): boolean {
  const have = isRecord(labels) ? labels : {};
  return selector.split(",").every((term) => {
    const m = /^\s*([^=!\s]+)\s*(?:(==?|!=)\s*(\S*))?\s*$/.exec(term);
    if (!m) return false;
    const [, key, op, value] = m as unknown as [string, string, string | undefined, string | undefined];
    if (op === undefined) return Object.hasOwn(have, key);
    return op === "!=" ? String(have[key]) !== value : String(have[key]) === value;
  });
}

export function patchApplies(patch: KustomizePatch, r: Rendering, names: ReadonlySet<string>): boolean {
  const kind = r.doc.kind as string;
  const t = patch.target;
  if (t)
    return (
      (!t.kind || t.kind === kind) &&
      (!t.name || nameMatches(t.name, names)) &&
      (!t.labelSelector || selectorMatches(t.labelSelector, getAt(r.doc.value, ["metadata", "labels"])))
    );
  if (patch.type !== "strategic-merge" || !isRecord(patch.value)) return false;
  const meta = patch.value.metadata;
  return patch.value.kind === kind && isRecord(meta) && typeof meta.name === "string" && names.has(meta.name);
}

/** `path` is the pointer inside the patch itself. */
function patchSite(patch: KustomizePatch, layer: Kustomization, path: string, value: unknown): EditSite {
  return {
    file: patch.file,
    docIndex: patch.docIndex,
    path: patch.inline ? path : patch.pointer + path,
    exists: value !== undefined,
    ...(value !== undefined ? { raw: value } : {}),
    layer: patch.inline
      ? `inline patch in ${layer.file} (${patch.pointer})`
      : `patch ${patch.file} (from ${layer.file})`,
    ...(patch.inline ? { inline: { path: patch.pointer } } : {}),
  };
}

function fromJson6902(patch: KustomizePatch, layer: Kustomization, rel: string): Resolution | undefined {
  let found: Resolution | undefined;
  const ops = Array.isArray(patch.value) ? patch.value : [];
  for (const [k, op] of ops.entries()) {
    if (!isRecord(op) || typeof op.path !== "string" || (op.op !== "add" && op.op !== "replace")) continue;
    if (rel !== op.path && !rel.startsWith(`${op.path}/`)) continue;
    const rest = rel.slice(op.path.length);
    const value = getAt(op.value, rest);
    if (value !== undefined) found = { value, site: patchSite(patch, layer, `/${k}/value${rest}`, value) };
  }
  return found;
}

export function newPatchFile(r: Rendering): string {
  const root = r.root as Kustomization;
  const base = `costopt-${(r.doc.kind as string).toLowerCase()}-${r.doc.name}.yaml`;
  return root.dir === "" ? base : `${root.dir}/${base}`;
}

function newPatchSite(view: RepoView, r: Rendering, field: FieldRef): EditSite {
  const root = r.root as Kustomization;
  const others = untargeted(r, view.layerRoots.get(root.file));
  const podSpec = podSpecPath(r.doc.kind);
  const rel =
    field.scope === "replicas"
      ? ["spec", "replicas"]
      : field.scope === "pod"
        ? [...podSpec, ...field.sub]
        : field.scope === "object"
          ? field.sub
          : [...podSpec, "containers", "0", ...field.sub];
  return {
    file: newPatchFile(r),
    docIndex: 0,
    path: formatPointer(rel),
    exists: false,
    layer: `new patch listed in ${root.file}`,
    create: {
      kustomization: root.file,
      header: {
        apiVersion: r.doc.apiVersion ?? "apps/v1",
        kind: r.doc.kind as string,
        metadata: { name: r.namesIn[r.namesIn.length - 1] ?? (r.doc.name as string) },
      },
    },
    // The root itself is included by another deployed root: a patch here would change that one too.
    ...(others.length
      ? {
          blocked: `${r.doc.kind} ${r.name} renders from ${r.doc.file}, which ${root.file} shares with ${others.join(", ")} (${others.length === 1 ? "a root" : "roots"} the policy does not target); a change in ${root.dir || "the repository root"} would change ${others.length === 1 ? "it" : "them"} too. Target ${others.length === 1 ? "it" : "them"} as well (source.path naming a common folder), or give ${root.dir || "this folder"} an overlay of its own`,
        }
      : {}),
  };
}

/** The effective value of a field and the site to edit; undefined when the container is absent. */
export function resolveField(view: RepoView, r: Rendering, field: FieldRef): Resolution | undefined {
  const rel = pathIn(r.doc.value, field);
  if (!rel) return undefined;
  const relPointer = formatPointer(rel);
  const baseValue = getAt(r.doc.value, rel);
  const baseSite: EditSite = {
    file: r.doc.file,
    docIndex: r.doc.docIndex,
    path: r.doc.pointer + relPointer,
    exists: baseValue !== undefined,
    ...(baseValue !== undefined ? { raw: baseValue } : {}),
    layer: r.layers.length ? `base ${r.doc.file}` : r.doc.file,
  };
  let current: Resolution = { value: baseValue, site: baseSite };
  let fromBase = true;
  let currentLayer: Kustomization | undefined;
  let overlayResources: { site: EditSite; layer: Kustomization } | undefined;
  for (const [li, layer] of r.layers.entries()) {
    const names = new Set([r.doc.name as string, r.namesIn[li] as string]);
    for (const patch of layer.patches) {
      if (!patchApplies(patch, r, names)) continue;
      if (patch.type === "json6902") {
        const hit = fromJson6902(patch, layer, relPointer);
        if (hit) [current, fromBase, currentLayer] = [hit, false, layer];
        continue;
      }
      const prel = pathIn(patch.value, field);
      if (!prel) continue;
      const value = getAt(patch.value, prel);
      const site = patchSite(patch, layer, formatPointer(prel), value);
      if (value !== undefined) [current, fromBase, currentLayer] = [{ value, site }, false, layer];
      else if (field.scope === "container" && getAt(patch.value, prel.slice(0, 6)) !== undefined)
        overlayResources = { site, layer };
      else if (field.scope === "object" && field.managed && getAt(patch.value, prel.slice(0, field.managed)))
        overlayResources = { site, layer };
    }
    if (field.scope === "replicas")
      for (const rep of layer.replicas)
        if (names.has(rep.name)) {
          const site: EditSite = {
            file: layer.file,
            docIndex: 0,
            path: `/replicas/${rep.index}/count`,
            exists: true,
            raw: rep.count,
            layer: `replicas transformer in ${layer.file}`,
          };
          [current, fromBase, currentLayer] = [{ value: rep.count, site }, false, layer];
        }
  }
  // A layer that also renders into roots the policy does not target (a shared component, an
  // intermediate base) is left alone: the change goes into a patch of this root, applied last.
  const shared = (layer: Kustomization) =>
    layer !== r.root && untargeted(r, view.layerRoots.get(layer.file)).length > 0;
  // The value in effect comes from elsewhere: say where, so "current" is never "not set" for it.
  const elsewhere = (site: EditSite): Resolution => ({
    value: current.value,
    site: current.value !== undefined ? { ...site, setIn: current.site.layer } : site,
  });
  if (!fromBase)
    return currentLayer && shared(currentLayer) ? elsewhere(newPatchSite(view, r, field)) : current;
  // An overlay patch that already manages this container's resources is where they change.
  if (overlayResources && !shared(overlayResources.layer)) return elsewhere(overlayResources.site);
  if (!r.root || untargeted(r, view.docRoots.get(r.doc)).length === 0) return current;
  return elsewhere(newPatchSite(view, r, field));
}

/**
 * The largest values read as real: anything above is a typo or an attack on the cost figures
 * (cpu: "99999999999" would "save" 10^22 $/mo). 1024 cores and 64Ti are beyond any node sold
 * today; 10,000 replicas beyond any one workload (and the PDB search limit).
 */
export const SANE_LIMITS = {
  cpuMillicores: 1024 * 1000,
  memoryBytes: 64 * 2 ** 40,
  replicas: 10_000,
} as const;

function where(res: Resolution): string {
  return `${res.site.file}, ${documentLabel(res.site.docIndex)}, field ${res.site.path}`;
}

/** Where leading-zero numbers sit (the repository view). */
export type LeadingZeros = Pick<RepoView, "leadingZerosOf">;

function leadingZerosAt(zeros: LeadingZeros | undefined, site: EditSite): readonly string[] {
  return zeros ? zeros.leadingZerosOf(site.file, site.docIndex) : [];
}

/** Refuses (blocks) a site whose number was written with a leading zero: kubectl and this reader disagree on it. */
function ambiguous(res: Resolution, zeros: LeadingZeros | undefined): boolean {
  const { site } = res;
  // A value inside a YAML string (inline patch, Argo CD helm.values) has its own pointers.
  if (site.inline || !leadingZerosAt(zeros, site).includes(site.path)) return false;
  site.blocked ??= `${where(res)}: ambiguous YAML number ${JSON.stringify(res.value)} written with a leading zero (kubectl's YAML 1.1 reads it as octal, YAML 1.2 as decimal); write it without the leading zero or quote it`;
  return true;
}

/** A replica count as written, or undefined (and the site blocked) when it is ambiguous or beyond SANE_LIMITS. */
export function readReplicas(res: Resolution, doc?: LeadingZeros): number | undefined {
  const raw = res.value;
  if (typeof raw !== "number" || ambiguous(res, doc)) return undefined;
  if (raw > SANE_LIMITS.replicas) {
    res.site.blocked ??= `${where(res)}: ${raw} replicas is beyond the ${SANE_LIMITS.replicas} costopt accepts; refused`;
    return undefined;
  }
  return raw;
}

/** Marks a site that holds a Helm template, an unreadable, ambiguous or absurd quantity, and parses its value. */
export function readQuantity(
  res: Resolution,
  parse: typeof parseCpu | typeof parseMemory,
  what: string,
  doc?: LeadingZeros,
): number | undefined {
  const raw = res.value;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string" && raw.includes("{{")) {
    res.site.blocked ??= `Helm template (${raw}) at ${res.site.file}, ${documentLabel(res.site.docIndex)}, field ${res.site.path}`;
    return undefined;
  }
  if (ambiguous(res, doc)) {
    res.site.invalid ??= res.site.blocked;
    return undefined;
  }
  let value: number;
  try {
    value = parse(raw as string | number);
  } catch (err) {
    res.site.blocked ??= `${where(res)}: invalid ${what}: ${(err as Error).message}`;
    res.site.invalid ??= res.site.blocked;
    return undefined;
  }
  const cpu = what.startsWith("CPU");
  const limit = cpu ? SANE_LIMITS.cpuMillicores : SANE_LIMITS.memoryBytes;
  if (value > limit) {
    res.site.blocked ??= `${where(res)}: ${what} ${JSON.stringify(raw)} is beyond ${cpu ? "1024 cores" : "64Ti"}, more than any node has; refused`;
    res.site.invalid ??= res.site.blocked;
    return undefined;
  }
  return value;
}
