// Which folders are deployed. Argo CD Applications and Flux Kustomizations kept in the repository
// name them (spec.source.path, spec.path); such a folder is a root even when another root includes
// it. Flux paths are relative to their source: a GitRepository is the repository itself, an
// ExternalArtifact is assembled by an ArtifactGenerator whose copy rules map it back to folders.

import { dirOf, isUnder, joinRepo, repoPath } from "./paths.js";
import { getAt, isRecord } from "./pointer.js";
import type { IndexedDocument, RepoIndex } from "./types.js";

export interface DeployedPath {
  /** The repository folder that is deployed. */
  dir: string;
  /** The object that deploys it, e.g. "Flux Kustomization flux-system/apps (clusters/production/apps.yaml)". */
  by: string;
  /** The file holding that object. */
  file: string;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function describe(kind: string, doc: IndexedDocument): string {
  return `${kind} ${doc.namespace ? `${doc.namespace}/` : ""}${doc.name ?? "?"} (${doc.file})`;
}

/**
 * A path inside an ArtifactGenerator's artifact mapped back through its copy rules: the source
 * alias it comes from and the path there ("@monorepo/apps/production/**" -> "@artifact/production/").
 */
export function artifactSourcePath(copy: unknown, path: string): { alias: string; path: string } | undefined {
  if (!Array.isArray(copy)) return undefined;
  for (const c of copy) {
    if (!isRecord(c) || typeof c.from !== "string" || typeof c.to !== "string") continue;
    const to = c.to.replace(/^@artifact\/?/, "").replace(/\/+$/, "");
    const alias = /^@([^/]+)/.exec(c.from)?.[1];
    const from = c.from.replace(/^@[^/]+\/?/, "").replace(/\/?\*\*.*$/, "");
    if (alias === undefined || !isUnder(path, to)) continue;
    const mapped = repoPath(`${from}/${path.slice(to.length)}`.replace(/^\/+/, ""));
    if (mapped !== undefined) return { alias, path: mapped };
  }
  return undefined;
}

/** An ExternalArtifact path mapped back through the ArtifactGenerator copy rules that build it. */
function fromArtifact(index: RepoIndex, artifact: string, path: string, near: string): string | undefined {
  const generators = index.documents
    .filter((d) => d.kind === "ArtifactGenerator" && d.apiVersion?.startsWith("source.extensions.fluxcd.io/"))
    // The generator next to the Kustomization (same cluster folder) is the one that serves it.
    .sort((a, b) => Number(dirOf(b.file) === dirOf(near)) - Number(dirOf(a.file) === dirOf(near)));
  for (const g of generators) {
    const artifacts = getAt(g.value, ["spec", "artifacts"]);
    const a = Array.isArray(artifacts)
      ? artifacts.find((x) => isRecord(x) && x.name === artifact)
      : undefined;
    const mapped = isRecord(a) ? artifactSourcePath(a.copy, path) : undefined;
    if (mapped) return mapped.path;
  }
  return undefined;
}

function fluxPath(index: RepoIndex, doc: IndexedDocument): string | undefined {
  const path = repoPath((str(getAt(doc.value, ["spec", "path"])) ?? "./").replace(/^\.\//, "") || ".");
  if (path === undefined) return undefined;
  const ref = getAt(doc.value, ["spec", "sourceRef"]);
  const kind = isRecord(ref) ? ref.kind : undefined;
  if (kind === "ExternalArtifact" && isRecord(ref) && typeof ref.name === "string")
    return fromArtifact(index, ref.name, path, doc.file);
  // GitRepository (and OCIRepository/Bucket built from this repository): relative to its root.
  return path;
}

const declared = new WeakMap<RepoIndex, DeployedPath[]>();

/** Every folder an Argo CD Application or Flux Kustomization in the repository deploys (once per index). */
export function declaredPaths(index: RepoIndex): DeployedPath[] {
  let paths = declared.get(index);
  if (!paths) {
    paths = readDeclaredPaths(index);
    declared.set(index, paths);
  }
  return paths;
}

function readDeclaredPaths(index: RepoIndex): DeployedPath[] {
  const out: DeployedPath[] = [];
  for (const doc of index.documents) {
    if (doc.kind === "Kustomization" && doc.apiVersion?.startsWith("kustomize.toolkit.fluxcd.io/")) {
      const dir = fluxPath(index, doc);
      if (dir !== undefined) out.push({ dir, by: describe("Flux Kustomization", doc), file: doc.file });
    } else if (doc.kind === "Application" && doc.apiVersion?.startsWith("argoproj.io/")) {
      const sources = Array.isArray(getAt(doc.value, ["spec", "sources"]))
        ? (getAt(doc.value, ["spec", "sources"]) as unknown[])
        : [getAt(doc.value, ["spec", "source"])];
      for (const s of sources) {
        // A source with `chart` is a Helm repository chart, not a folder of this repository.
        if (!isRecord(s) || s.chart !== undefined) continue;
        const path = str(s.path);
        const dir = path !== undefined ? joinRepo("", path.replace(/^\.\//, "")) : undefined;
        if (dir !== undefined) out.push({ dir, by: describe("Argo CD Application", doc), file: doc.file });
      }
    }
  }
  return out;
}

/**
 * The folders one cluster deploys: what the Flux Kustomizations and Argo CD Applications under
 * clusters/<name>/ point at. undefined when the repository has no such folder.
 */
export function clusterPaths(index: RepoIndex, cluster: string): DeployedPath[] | undefined {
  const folder = `clusters/${cluster}`;
  if (![...index.files.keys()].some((p) => isUnder(p, folder))) return undefined;
  return declaredPaths(index).filter((p) => isUnder(p.file, folder));
}

/** Each clusters/<name>/ folder of the repository and the folders its Flux / Argo CD objects deploy. */
export function clustersOf(index: RepoIndex): Map<string, DeployedPath[]> {
  const out = new Map<string, DeployedPath[]>();
  for (const p of declaredPaths(index)) {
    const m = /^clusters\/([^/]+)\//.exec(p.file);
    if (m) out.set(m[1] as string, [...(out.get(m[1] as string) ?? []), p]);
  }
  return out;
}
