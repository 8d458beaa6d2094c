// Flux, as pure functions over live objects: the labels kustomize-controller and
// helm-controller put on what they apply, and where a Kustomization or HelmRelease reads Git.

import { arrayAt, hasKey, type LiveObject, objectAt, stringAt } from "./live.js";
import { repoPath } from "./paths.js";
import { fluxRevision } from "./revision.js";
import type { GitLocation } from "./types.js";

export const KUSTOMIZE_NAME_LABEL = "kustomize.toolkit.fluxcd.io/name";
export const KUSTOMIZE_NAMESPACE_LABEL = "kustomize.toolkit.fluxcd.io/namespace";
export const HELM_NAME_LABEL = "helm.toolkit.fluxcd.io/name";
export const HELM_NAMESPACE_LABEL = "helm.toolkit.fluxcd.io/namespace";

export interface ObjectRef {
  namespace: string;
  name: string;
}

/** The Kustomization that applied `live`, from kustomize-controller's labels. */
export function fluxKustomizationRef(live: LiveObject): ObjectRef | undefined {
  return labelRef(live, KUSTOMIZE_NAME_LABEL, KUSTOMIZE_NAMESPACE_LABEL);
}

/** The HelmRelease that installed `live`, from helm-controller's labels. */
export function fluxHelmReleaseRef(live: LiveObject): ObjectRef | undefined {
  return labelRef(live, HELM_NAME_LABEL, HELM_NAMESPACE_LABEL);
}

function labelRef(live: LiveObject, nameKey: string, nsKey: string): ObjectRef | undefined {
  const name = live.metadata.labels?.[nameKey];
  const namespace = live.metadata.labels?.[nsKey] ?? live.metadata.namespace;
  return name && namespace ? { name, namespace } : undefined;
}

export interface SourceRef extends ObjectRef {
  kind: string;
}

/** spec.sourceRef (or spec.chart.spec.sourceRef); the namespace defaults to the referrer's. */
export function sourceRefOf(referrer: LiveObject, path: string): SourceRef | undefined {
  const ref = objectAt(referrer, path);
  const kind = stringAt(ref, "kind");
  const name = stringAt(ref, "name");
  if (!kind || !name) return undefined;
  return { kind, name, namespace: stringAt(ref, "namespace") ?? referrer.metadata.namespace ?? "default" };
}

/** The folder a Kustomization builds, in the GitRepository it reads. */
export function kustomizationLocation(ks: LiveObject, gitRepo: LiveObject): GitLocation | undefined {
  const url = stringAt(gitRepo, "spec.url");
  const path = repoPath(stringAt(ks, "spec.path"));
  if (!url || !path) return undefined;
  return {
    repoURL: url,
    revision: fluxRevision(objectAt(gitRepo, "spec.ref")),
    path,
    format: "auto",
    role: "Kustomization path",
  };
}

export interface HelmReleaseValues {
  /** spec.values is set: it is merged last, so an edit there wins over every other source. */
  inline: boolean;
  /** spec.valuesFrom entries, e.g. "ConfigMap/web-values"; they live outside Git as far as we can tell. */
  valuesFrom: string[];
  /** The chart's source, when it is a GitRepository (then its value files can be edited too). */
  chartSource?: SourceRef;
  /** The chart folder inside chartSource. */
  chartPath?: string;
  /** spec.chart.spec.valuesFiles, relative to the chart source's root, in Helm's merge order. */
  valuesFiles: string[];
}

export function helmReleaseValues(hr: LiveObject): HelmReleaseValues {
  const valuesFrom = arrayAt(hr, "spec.valuesFrom")
    .map((v) => `${stringAt(v, "kind") ?? "?"}/${stringAt(v, "name") ?? "?"}`)
    .filter((v) => v !== "?/?");
  const chartSource = sourceRefOf(hr, "spec.chart.spec.sourceRef");
  const valuesFiles = arrayAt(hr, "spec.chart.spec.valuesFiles").filter(
    (f): f is string => typeof f === "string" && f !== "",
  );
  const legacy = stringAt(hr, "spec.chart.spec.valuesFile");
  if (legacy && !valuesFiles.includes(legacy)) valuesFiles.push(legacy);
  return {
    inline: hasKey(hr, "spec.values"),
    valuesFrom,
    chartSource,
    chartPath: stringAt(hr, "spec.chart.spec.chart"),
    valuesFiles,
  };
}

/** Value files of a chart kept in a GitRepository, the one that wins first. */
export function chartValueLocations(v: HelmReleaseValues, gitRepo: LiveObject): GitLocation[] {
  const url = stringAt(gitRepo, "spec.url");
  if (!url) return [];
  const revision = fluxRevision(objectAt(gitRepo, "spec.ref"));
  const files = v.valuesFiles.length > 0 ? v.valuesFiles : v.chartPath ? [`${v.chartPath}/values.yaml`] : [];
  const out: GitLocation[] = [];
  for (let i = files.length - 1; i >= 0; i--) {
    const path = repoPath(files[i]);
    if (!path) continue;
    const role =
      v.valuesFiles.length > 0 ? `chart value file ${i + 1} of ${files.length}` : "chart values.yaml";
    out.push({ repoURL: url, revision, path, format: "helm-values", role });
  }
  return out;
}
