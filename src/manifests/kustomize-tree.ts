// How documents come out of the repository: each workload document is either a plain manifest
// or reached from a root kustomization through layers (kustomizations and components) that may
// rename it, move it to a namespace and patch it. The view is computed once per index.

import { dirOf } from "./paths.js";
import { declaredPaths } from "./roots.js";
import type { IndexedDocument, Kustomization, RepoIndex } from "./types.js";

export interface Rendering {
  doc: IndexedDocument;
  /** Kustomizations and components applied to the document, innermost first. */
  layers: Kustomization[];
  /** The kustomization that renders it (absent for a plain manifest). */
  root?: Kustomization;
  /**
   * The root kustomizations (by file) the policy targets, when several render the workload; a file
   * that also renders into a root outside this set is never edited. Defaults to `root` alone.
   */
  targeted?: ReadonlySet<string>;
  /** The name the document has when it enters each layer. */
  namesIn: string[];
  /** Name and namespace after every layer. */
  name: string;
  namespace?: string;
}

export interface RepoView {
  renderings: Rendering[];
  byKindName: Map<string, Rendering[]>;
  /** The root kustomizations (by file) that render each document (none for plain manifests). */
  docRoots: Map<IndexedDocument, Set<string>>;
  dirKustomization: Map<string, Kustomization>;
  /** The root kustomizations (by file) that apply each kustomization or component (by file). */
  layerRoots: Map<string, Set<string>>;
  /** Kustomizations that are deployed: included by none, or named by an Argo CD Application or Flux Kustomization. */
  roots: Set<string>;
  /** HorizontalPodAutoscalers, which may own a workload's replicas. */
  hpas: IndexedDocument[];
  /** Files kustomizations use as patches: their documents are not resources. */
  patchFiles: Set<string>;
  /** Pointers of leading-zero numbers (010) in a file's document, for refusing them where values are read. */
  leadingZerosOf(file: string, docIndex: number): readonly string[];
}

type Raw = { doc: IndexedDocument; layers: Kustomization[] };

export function kindNameKey(kind: string, name: string): string {
  return `${kind}\u0000${name}`;
}

function objectDocs(index: RepoIndex, path: string): IndexedDocument[] {
  const docs = index.files.get(path)?.documents ?? [];
  // A List stands for its items.
  return docs.filter(
    (d) => !(d.pointer === "" && docs.some((o) => o.docIndex === d.docIndex && o.pointer !== "")),
  );
}

export function renderKustomization(
  index: RepoIndex,
  dirKustomization: ReadonlyMap<string, Kustomization>,
  k: Kustomization,
  stack: ReadonlySet<string> = new Set(),
): Raw[] {
  if (stack.has(k.file)) return [];
  const inner = new Set(stack).add(k.file);
  const out: Raw[] = [];
  const include = (path: string) => {
    const sub = dirKustomization.get(path) ?? index.kustomizations.get(path);
    if (sub) out.push(...renderKustomization(index, dirKustomization, sub, inner));
    else for (const doc of objectDocs(index, path)) out.push({ doc, layers: [] });
  };
  for (const path of k.resources) include(path);
  for (const path of k.components) {
    const c = dirKustomization.get(path);
    if (!c) continue;
    // A component adds its own resources, then patches everything accumulated so far.
    for (const r of c.resources) include(r);
    for (const raw of out) raw.layers.push(c);
  }
  for (const raw of out) raw.layers.push(k);
  return out;
}

function finish(raw: Raw, root?: Kustomization): Rendering | undefined {
  const { doc, layers } = raw;
  if (doc.kind === undefined || doc.name === undefined) return undefined;
  let name = doc.name;
  let namespace = doc.namespace;
  const namesIn: string[] = [];
  for (const layer of layers) {
    namesIn.push(name);
    name = `${layer.namePrefix ?? ""}${name}${layer.nameSuffix ?? ""}`;
    if (layer.namespace) namespace = layer.namespace;
  }
  return { doc, layers, namesIn, name, ...(namespace ? { namespace } : {}), ...(root ? { root } : {}) };
}

export function renderingsOf(index: RepoIndex, view: RepoView, k: Kustomization): Rendering[] {
  return renderKustomization(index, view.dirKustomization, k).flatMap((raw) => finish(raw, k) ?? []);
}

const views = new WeakMap<RepoIndex, RepoView>();

export function viewOf(index: RepoIndex): RepoView {
  const cached = views.get(index);
  if (cached) return cached;
  const dirKustomization = new Map<string, Kustomization>();
  for (const k of index.kustomizations.values()) dirKustomization.set(k.dir, k);
  const referenced = new Set<string>();
  const patchFiles = new Set<string>();
  for (const k of index.kustomizations.values()) {
    for (const p of [...k.resources, ...k.components]) {
      const sub = dirKustomization.get(p) ?? index.kustomizations.get(p);
      if (sub) referenced.add(sub.file);
    }
    for (const p of k.patches) if (!p.inline) patchFiles.add(p.file);
  }
  // A folder an Application or Flux Kustomization deploys stays a root even when another root includes it.
  const declared = new Set(declaredPaths(index).flatMap((p) => dirKustomization.get(p.dir)?.file ?? []));
  const view: RepoView = {
    renderings: [],
    byKindName: new Map(),
    docRoots: new Map(),
    dirKustomization,
    layerRoots: new Map(),
    roots: new Set(),
    hpas: index.documents.filter((d) => d.kind === "HorizontalPodAutoscaler"),
    patchFiles,
    leadingZerosOf: (file, docIndex) =>
      index.files.get(file)?.documents.find((d) => d.docIndex === docIndex)?.leadingZeros ?? [],
  };
  const inTree = new Set<IndexedDocument>();
  for (const k of index.kustomizations.values()) {
    if (k.kind !== "Kustomization") continue;
    for (const raw of renderKustomization(index, dirKustomization, k)) inTree.add(raw.doc);
    if (referenced.has(k.file) && !declared.has(k.file)) continue;
    view.roots.add(k.file);
    for (const r of renderingsOf(index, view, k)) {
      view.renderings.push(r);
      addTo(view.docRoots, r.doc, k.file);
      for (const layer of r.layers) addTo(view.layerRoots, layer.file, k.file);
    }
  }
  for (const file of index.files.values()) {
    if (patchFiles.has(file.path) || index.kustomizations.has(file.path)) continue;
    for (const doc of objectDocs(index, file.path)) {
      if (inTree.has(doc)) continue;
      const r = finish({ doc, layers: [] });
      if (r) view.renderings.push(r);
    }
  }
  for (const r of view.renderings) {
    const key = kindNameKey(r.doc.kind as string, r.name);
    const list = view.byKindName.get(key);
    if (list) list.push(r);
    else view.byKindName.set(key, [r]);
  }
  views.set(index, view);
  return view;
}

function addTo<K>(map: Map<K, Set<string>>, key: K, root: string): void {
  const set = map.get(key);
  if (set) set.add(root);
  else map.set(key, new Set([root]));
}

/** The roots a rendering's edit may reach: the targeted ones, or its own root alone. */
export function targetedRoots(r: Rendering): ReadonlySet<string> {
  return r.targeted ?? new Set(r.root ? [r.root.file] : []);
}

/** Roots in `reach` the rendering does not target (a file rendering into them must not change). */
export function untargeted(r: Rendering, reach: ReadonlySet<string> | undefined): string[] {
  const targeted = targetedRoots(r);
  return [...(reach ?? [])].filter((root) => !targeted.has(root));
}

export function folderOf(r: Rendering): string {
  return dirOf(r.doc.file);
}
