// The one Kubernetes read discovery needs, behind a small interface. src/kube's KubeClient
// satisfies it as is (get returns undefined on 404), so the reconciler passes its client and
// tests pass the same client pointed at the API double.
//
// A 404 is also what a cluster without Argo CD or Flux answers for their API groups, so
// "not installed" and "not found" are the same quiet undefined here.

import type { ResourceRef } from "../kube/client.js";
import type { LiveObject } from "./live.js";

export type { ResourceRef };

export interface ClusterReader {
  /** undefined when the object (or its whole API group) does not exist. */
  get(r: ResourceRef, namespace: string | undefined, name: string): Promise<LiveObject | undefined>;
}

export const ARGO_APPLICATIONS: ResourceRef = {
  group: "argoproj.io",
  version: "v1alpha1",
  plural: "applications",
  namespaced: true,
};
export const FLUX_KUSTOMIZATIONS: ResourceRef = {
  group: "kustomize.toolkit.fluxcd.io",
  version: "v1",
  plural: "kustomizations",
  namespaced: true,
};
export const FLUX_HELMRELEASES: ResourceRef = {
  group: "helm.toolkit.fluxcd.io",
  version: "v2",
  plural: "helmreleases",
  namespaced: true,
};
export const FLUX_GITREPOSITORIES: ResourceRef = {
  group: "source.toolkit.fluxcd.io",
  version: "v1",
  plural: "gitrepositories",
  namespaced: true,
};

export const FLUX_EXTERNALARTIFACTS: ResourceRef = {
  group: "source.toolkit.fluxcd.io",
  version: "v1",
  plural: "externalartifacts",
  namespaced: true,
};
export const FLUX_ARTIFACTGENERATORS: ResourceRef = {
  group: "source.extensions.fluxcd.io",
  version: "v1beta1",
  plural: "artifactgenerators",
  namespaced: true,
};

/** A failed read other than not-found (403 without the RBAC rules, 5xx, network). */
export class DiscoveryReadError extends Error {
  /** The failure reason costopt_optimizations_failed_total counts it under. */
  readonly reason = "DiscoveryFailed";
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "DiscoveryReadError";
  }
}

/**
 * Wraps a reader for one reconcile pass: each object is fetched at most once, so many policies
 * pointing at one Application or GitRepository cost one request. Errors name what was read.
 */
export function passReader(inner: ClusterReader): ClusterReader {
  const cache = new Map<string, Promise<LiveObject | undefined>>();
  return {
    get(r, namespace, name) {
      const key = `${r.group}/${r.version}/${r.plural}/${namespace ?? ""}/${name}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = inner.get(r, namespace, name).catch((err: unknown) => {
          throw readError(err, r, namespace, name);
        });
        cache.set(key, hit);
      }
      return hit;
    },
  };
}

function readError(err: unknown, r: ResourceRef, namespace: string | undefined, name: string) {
  const code = (err as { code?: unknown })?.code;
  const status = typeof code === "number" ? code : undefined;
  const what = `${r.plural}${r.group ? `.${r.group}` : ""} ${namespace ? `${namespace}/` : ""}${name}`;
  const detail = err instanceof Error ? err.message : String(err);
  if (status === 403) {
    return new DiscoveryReadError(
      403,
      `costopt may not read ${what} (403 Forbidden): its ClusterRole needs get, list and watch on ${r.plural}.${r.group || "core"}`,
    );
  }
  return new DiscoveryReadError(status, `reading ${what} failed${status ? ` (${status})` : ""}: ${detail}`);
}
