// The resource-generic Kubernetes interface costopt is written against: any group/version/
// plural, addressed by a ResourceRef, so the control loop, leases, events and Argo CD / Flux
// objects share one code path. Built-in objects costopt reads (workloads, HPAs, PDBs, pods) come
// as @kubernetes/client-node's typed models instead (TypedReader). The implementation is
// cluster.ts; this file imports only types, so modules that need them stay light.

import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Pod,
  V1PodDisruptionBudget,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";

export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
}

/** An API error with the HTTP status, so callers can tell not-found and conflict from the rest. */
export class KubeError extends Error {
  /** The failure reason costopt_optimizations_failed_total counts it under. */
  readonly reason = "KubernetesAPIError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "KubeError";
  }
}

/** The built-in kinds costopt reads, as client-node models them (timestamps are Dates). */
export interface TypedObjects {
  Deployment: V1Deployment;
  StatefulSet: V1StatefulSet;
  DaemonSet: V1DaemonSet;
  CronJob: V1CronJob;
  HorizontalPodAutoscaler: V2HorizontalPodAutoscaler;
  PodDisruptionBudget: V1PodDisruptionBudget;
  Pod: V1Pod;
}
export type TypedKind = keyof TypedObjects;

/** Reads of built-in objects through client-node's typed API clients (AppsV1Api, BatchV1Api...). */
export interface TypedReader {
  /** undefined when the object does not exist; apiVersion and kind are always set. */
  read<K extends TypedKind>(kind: K, namespace: string, name: string): Promise<TypedObjects[K] | undefined>;
  /** Every page of the list (all namespaces without one); each item's apiVersion and kind set. */
  listOf<K extends TypedKind>(
    kind: K,
    namespace?: string,
    labelSelector?: string,
  ): Promise<TypedObjects[K][]>;
}

export interface KubeClient extends TypedReader {
  /** undefined when the object does not exist. */
  get<T = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T = KubeObject>(r: ResourceRef, namespace?: string, labelSelector?: string): Promise<ObjectList<T>>;
  create<T = KubeObject>(r: ResourceRef, namespace: string | undefined, body: object): Promise<T>;
  /** Full replacement; the body's metadata.resourceVersion guards against lost updates (409). */
  replace<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: object,
  ): Promise<T>;
  /** RFC 7386 merge patch, on the object or (status: true) on its status subresource. */
  mergePatch<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts?: { status?: boolean },
  ): Promise<T>;
  delete(r: ResourceRef, namespace: string | undefined, name: string): Promise<void>;
}

export function apiPath(r: ResourceRef, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  // Encoded: a namespace read from a request (`../../api/v1/secrets`) must stay one path segment.
  return r.namespaced && namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`
    : `${base}/${r.plural}`;
}

export interface WatchEvent<T = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  /** For ERROR, a Status object (code 410: the resourceVersion is too old, relist). */
  object: T;
}

export interface KubeWatch {
  /**
   * One watch stream from `resourceVersion`, with bookmarks; resolves when the server ends it,
   * rejects with a KubeError on an HTTP error; `signal` ends it early.
   */
  watch<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    opts: { resourceVersion: string; timeoutSeconds: number; labelSelector?: string },
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** What the service needs of a cluster: requests and watches. */
export type Cluster = KubeClient & KubeWatch;
