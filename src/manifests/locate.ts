// locateWorkload: from a target (kind, namespace, name) and the policy's optional source to
// the place of every value costopt may change, or a refusal that says why not.

import type { PolicySource } from "../api/types.js";
import { locateInHelm } from "./helm.js";
import { findHpa } from "./hpa.js";
import { kindNameKey, type Rendering, renderingsOf, viewOf } from "./kustomize-tree.js";
import { locatedFromRendering, mergeLocated, type Target } from "./located.js";
import { isUnder, repoPath, symlinkOnPath } from "./paths.js";
import type { IndexedDocument, Located, Refused, RepoIndex } from "./types.js";

function refuse(reason: string): Refused {
  return { ok: false, reason };
}

/** The folder or file the policy limits us to, or a refusal. */
function scopeOf(index: RepoIndex, source: PolicySource | undefined): string | Refused {
  // GitHub owner and repository names are case-insensitive: Codertocat/Hello-World is codertocat/hello-world.
  if (
    source?.repository &&
    index.repository &&
    source.repository.toLowerCase() !== index.repository.toLowerCase()
  )
    return refuse(`source.repository is ${source.repository} but the index holds ${index.repository}`);
  if (source?.branch && index.branch && source.branch !== index.branch)
    return refuse(`source.branch is ${source.branch} but the index holds branch ${index.branch}`);
  if (source?.path === undefined) return "";
  const scope = repoPath(source.path);
  if (scope === undefined)
    return refuse(`source.path ${JSON.stringify(source.path)} leaves the repository (absolute path or "..")`);
  const link = symlinkOnPath(scope, index.symlinks);
  if (link !== undefined) return refuse(`source.path ${source.path} runs through the symbolic link ${link}`);
  return scope;
}

function namespaceFits(r: Rendering, target: Target): boolean {
  return !target.namespace || !r.namespace || r.namespace === target.namespace;
}

function plainRendering(doc: IndexedDocument): Rendering {
  return {
    doc,
    layers: [],
    namesIn: [],
    name: doc.name as string,
    ...(doc.namespace ? { namespace: doc.namespace } : {}),
  };
}

function candidates(index: RepoIndex, target: Target, scope: string, format: string): Rendering[] {
  const view = viewOf(index);
  if (format === "manifest")
    // The policy says these are plain files: read each document as written, ignoring kustomize.
    return index.documents
      .filter((d) => d.kind === target.kind && d.name === target.name && isUnder(d.file, scope))
      .map(plainRendering)
      .filter((r) => namespaceFits(r, target));
  const inScope = (r: Rendering) => (r.root ? isUnder(r.root.file, scope) : isUnder(r.doc.file, scope));
  let found = (view.byKindName.get(kindNameKey(target.kind, target.name)) ?? []).filter(
    (r) => inScope(r) && namespaceFits(r, target) && (format !== "kustomize" || r.root),
  );
  if (!found.length && scope !== "") {
    // source.path may name a kustomization that others include (a base): render it on its own.
    const own = [...index.kustomizations.values()].filter(
      (k) => k.kind === "Kustomization" && isUnder(k.file, scope),
    );
    found = own
      .flatMap((k) => renderingsOf(index, view, k))
      .filter((r) => r.doc.kind === target.kind && r.name === target.name && namespaceFits(r, target));
  }
  return found;
}

function describeTarget(target: Target): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ""}${target.name}`;
}

/** Reports containers under their live names, as metrics know them (source.containerMapping). */
function withLiveNames(located: Located, mapping: Record<string, string> | undefined): Located {
  if (!mapping) return located;
  for (const c of located.containers) {
    const live = Object.entries(mapping).find(([, inManifest]) => inManifest === c.name)?.[0];
    if (live !== undefined && live !== c.name) {
      c.manifestName = c.name;
      c.name = live;
    }
  }
  return located;
}

export function locateWorkload(index: RepoIndex, target: Target, source?: PolicySource): Located | Refused {
  const result = locate(index, target, source);
  return result.ok ? withLiveNames(result, source?.containerMapping) : result;
}

function locate(index: RepoIndex, target: Target, source?: PolicySource): Located | Refused {
  const scope = scopeOf(index, source);
  if (typeof scope !== "string") return scope;
  const format = source?.format ?? "auto";
  const what = describeTarget(target);
  if (format !== "helm-values") {
    const found = candidates(index, target, scope, format);
    if (found.length) {
      const view = viewOf(index);
      const merged = mergeLocated(
        found.map((r) => locatedFromRendering(view, r, target, findHpa(index, view, r))),
        what,
      );
      return typeof merged === "string" ? refuse(merged) : merged;
    }
  }
  if (format === "auto" || format === "helm-values") {
    const helm = locateInHelm(index, target, scope, source?.valuesPath, format === "helm-values");
    if (typeof helm === "string") return refuse(helm);
    if (helm) return helm;
  }
  const skipped = index.skipped.length
    ? `; ${index.skipped.length} file(s) were skipped (${index.skipped.map((s) => s.path).join(", ")})`
    : "";
  return refuse(
    `${what} was not found in ${scope ? `source.path ${scope}` : "the repository"} (format ${format})${skipped}`,
  );
}
