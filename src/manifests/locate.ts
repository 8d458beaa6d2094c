// locateWorkload: from a target (kind, namespace, name) and the policy's optional source to
// the place of every value costopt may change, or a refusal that says why not.

import type { PolicySource } from "../api/types.js";
import { effectiveObject } from "./effective.js";
import { locateInHelm } from "./helm.js";
import { fluxChart, fluxReleaseName } from "./helm-release.js";
import { findHpa } from "./hpa.js";
import { kindNameKey, type Rendering, renderingsOf, viewOf } from "./kustomize-tree.js";
import { locatedFromRendering, mergeLocated, type Target } from "./located.js";
import { dirOf, isUnder, repoPath, symlinkOnPath } from "./paths.js";
import { getAt } from "./pointer.js";
import { clusterPaths, clustersOf, type DeployedPath } from "./roots.js";
import type { ChartNeed, FetchedChart, IndexedDocument, Located, Refused, RepoIndex } from "./types.js";

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

export interface LocateOptions {
  /**
   * The cluster (CLUSTER_NAME, --cluster): when the repository has clusters/<name>/, only what the
   * Flux Kustomizations and Argo CD Applications there deploy is considered.
   */
  cluster?: string;
  /** Charts Flux fetched into the cluster (src/discovery fetchCharts), by ChartNeed key. */
  charts?: ReadonlyMap<string, FetchedChart>;
  /** Accept a workload several clusters deploy (only to say where it is, never to edit it). */
  everyCluster?: boolean;
}

/** Which renderings the policy may reach: inside source.path (by their root) and deployed to the cluster. */
interface Reach {
  scope: string;
  /** Folders the cluster deploys, or undefined when there is no clusters/<name>/ to go by. */
  deployed?: DeployedPath[];
}

function inScope(r: Rendering, scope: string): boolean {
  return r.root ? isUnder(r.root.file, scope) : isUnder(r.doc.file, scope);
}

function inCluster(r: Rendering, deployed: DeployedPath[] | undefined): boolean {
  if (!deployed) return true;
  // A folder without a kustomization is applied whole (Flux generates one), subfolders included.
  const at = r.root ? r.root.dir : r.doc.file;
  return deployed.some((p) => (r.root ? at === p.dir || isUnder(at, p.dir) : isUnder(at, p.dir)));
}

function candidates(index: RepoIndex, target: Target, reach: Reach, format: string): Rendering[] {
  const view = viewOf(index);
  const { scope } = reach;
  if (format === "manifest")
    // The policy says these are plain files: read each document as written, ignoring kustomize.
    return index.documents
      .filter((d) => d.kind === target.kind && d.name === target.name && isUnder(d.file, scope))
      .map(plainRendering)
      .filter((r) => namespaceFits(r, target));
  let found = (view.byKindName.get(kindNameKey(target.kind, target.name)) ?? []).filter(
    (r) => inScope(r, scope) && namespaceFits(r, target) && (format !== "kustomize" || r.root),
  );
  if (!found.length && scope !== "") {
    // source.path may name a kustomization that others include (a base) deployed on its own.
    const own = [...index.kustomizations.values()].filter(
      (k) => k.kind === "Kustomization" && isUnder(k.file, scope) && !view.roots.has(k.file),
    );
    found = own
      .flatMap((k) => renderingsOf(index, view, k))
      .filter((r) => r.doc.kind === target.kind && r.name === target.name && namespaceFits(r, target));
    // The policy says this folder is deployed (Argo CD and Flux point at it): it is a root of its
    // own, and what it shares with the roots that include it is not edited for it alone.
    return found;
  }
  found = found.filter((r) => inCluster(r, reach.deployed));
  // Several roots render the workload and the policy reaches them all: each may be edited where
  // they share a file; a file that also reaches some other root never is.
  const roots = new Set(found.flatMap((r) => r.root?.file ?? []));
  if (roots.size > 1) found = found.map((r) => ({ ...r, targeted: roots }));
  return found;
}

const isDeployer = (r: Rendering) => r.doc.kind === "HelmRelease" || r.doc.kind === "Application";

/**
 * The renderings HelmReleases and Applications are read from: those in scope and cluster, or the
 * kustomizations under source.path rendered on their own when it names a base (as for workloads).
 */
function deployers(index: RepoIndex, reach: Reach): Rendering[] {
  const view = viewOf(index);
  const found = view.renderings.filter((r) => inScope(r, reach.scope) && inCluster(r, reach.deployed));
  if (found.some(isDeployer) || reach.scope === "") return found;
  return [...index.kustomizations.values()]
    .filter((k) => k.kind === "Kustomization" && isUnder(k.file, reach.scope) && !view.roots.has(k.file))
    .flatMap((k) => renderingsOf(index, view, k))
    .filter(isDeployer);
}

function describeTarget(target: Target): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ""}${target.name}`;
}

/** Why nothing was found inside the cluster's folders, naming where the workload is. */
function outsideCluster(
  index: RepoIndex,
  target: Target,
  source: PolicySource | undefined,
  reach: Reach,
  cluster: string,
) {
  if (!reach.deployed) return undefined;
  const elsewhere = locateWorkload(index, target, source, { everyCluster: true });
  if (!elsewhere.ok) return undefined;
  const at = [...new Set(elsewhere.definedIn.map((d) => d.file))].join(", ");
  const dirs = reach.deployed.map((p) => p.dir || "/").join(", ") || "nothing";
  return `${describeTarget(target)} is defined in ${at}, but cluster ${cluster} (clusters/${cluster}/) deploys ${dirs}, which do not render it`;
}

/**
 * The workload as found, or a refusal when it is deployed to several clusters of the repository
 * (clusters/<name>/) and the policy does not say which: a policy lives in one cluster, and an
 * edit for every cluster at once is never what it asks for.
 */
function forOneCluster(
  index: RepoIndex,
  located: Located,
  reach: Reach,
  options: LocateOptions,
): Located | Refused {
  const cluster = options.cluster;
  if (options.everyCluster) return located;
  if (cluster) {
    if (!reach.deployed)
      located.notes.push(
        `the repository has no clusters/${cluster}/ folder; every deployed root was considered`,
      );
    return located;
  }
  const roots = (located.roots ?? []).map(dirOf);
  const clusters = [...clustersOf(index)].filter(([, paths]) =>
    paths.some((p) => roots.some((root) => isUnder(root, p.dir))),
  );
  if (clusters.length < 2) return located;
  return refuse(
    `${describeTarget(located.target)} is deployed to clusters ${clusters.map(([c]) => c).join(", ")} (${located.roots?.join(", ")}); set CLUSTER_NAME (costopt serve) or --cluster (costopt run, recommend) to this policy's cluster, or source.path to one root`,
  );
}

export function locateWorkload(
  index: RepoIndex,
  target: Target,
  source?: PolicySource,
  options: LocateOptions = {},
): Located | Refused {
  const located = locate(index, target, source, options);
  if (!located.ok) return located;
  // A current value that is not a quantity is not "unset": recommending from it would be a guess.
  const invalid = located.containers
    .flatMap((c) => Object.values(c.sites).flat())
    .find((site) => site.invalid)?.invalid;
  return invalid ? refuse(invalid) : located;
}

function locate(
  index: RepoIndex,
  target: Target,
  source: PolicySource | undefined,
  options: LocateOptions,
): Located | Refused {
  const scope = scopeOf(index, source);
  if (typeof scope !== "string") return scope;
  const reach: Reach = {
    scope,
    ...(options.cluster ? { deployed: clusterPaths(index, options.cluster) } : {}),
  };
  const format = source?.format ?? "auto";
  const what = describeTarget(target);
  const view = viewOf(index);
  if (format !== "helm-values") {
    const found = candidates(index, target, reach, format);
    if (found.length) {
      const merged = mergeLocated(
        found.map((r) => locatedFromRendering(view, r, target, findHpa(index, view, r))),
        what,
      );
      return typeof merged === "string" ? refuse(merged) : forOneCluster(index, merged, reach, options);
    }
  }
  if (format === "auto" || format === "helm-values") {
    const helm = locateInHelm(index, view, target, {
      scope,
      renderings: deployers(index, reach),
      ...(source?.valuesPath !== undefined ? { valuesPath: source.valuesPath } : {}),
      explicit: format === "helm-values",
      ...(options.charts ? { charts: options.charts } : {}),
    });
    if (typeof helm === "string") return refuse(helm);
    if (helm) return forOneCluster(index, helm, reach, options);
  }
  const cluster = options.cluster && outsideCluster(index, target, source, reach, options.cluster);
  if (cluster) return refuse(cluster);
  const skipped = index.skipped.length
    ? `; ${index.skipped.length} file(s) were skipped (${index.skipped.map((s) => s.path).join(", ")})`
    : "";
  return refuse(
    `${what} was not found in ${scope ? `source.path ${scope}` : "the repository"} (format ${format})${skipped}`,
  );
}

/**
 * The charts that only the cluster has (Flux fetched them) of the HelmReleases in the repository
 * that may render `target`: their release name starts its name, or fullnameOverride is its name.
 */
export function chartNeeds(index: RepoIndex, target: Target): ChartNeed[] {
  const out = new Map<string, ChartNeed>();
  for (const r of viewOf(index).renderings) {
    if (r.doc.kind !== "HelmRelease" || !r.doc.apiVersion?.startsWith("helm.toolkit.fluxcd.io/")) continue;
    const obj = effectiveObject(r);
    const override = getAt(obj, ["spec", "values", "fullnameOverride"]);
    if (!target.name.startsWith(fluxReleaseName(obj, r.name)) && override !== target.name) continue;
    const at = { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) };
    const need = fluxChart(index, obj, at).need;
    if (need) out.set(need.key, need);
  }
  return [...out.values()];
}
