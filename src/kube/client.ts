// A small resource-generic Kubernetes client: any group/version/plural, addressed by a
// ResourceRef, so the control loop, leases, events and (later) Argo CD / Flux objects share
// one code path. It rides on @kubernetes/client-node for configuration, auth and TLS.

import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
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
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "KubeError";
  }
}

export interface KubeClient {
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
  return r.namespaced && namespace ? `${base}/namespaces/${namespace}/${r.plural}` : `${base}/${r.plural}`;
}

type Any = Record<string, unknown>;

/** KubeClient over @kubernetes/client-node. Core-group calls go through CoreV1Api (events, pods). */
export class ClientNodeKube implements KubeClient {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async get<T = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string) {
    try {
      return (await this.call(() => {
        if (!r.group) return this.coreGet(r, namespace ?? "", name);
        const p = { group: r.group, version: r.version, plural: r.plural, name };
        return r.namespaced
          ? this.custom.getNamespacedCustomObject({ ...p, namespace: namespace ?? "" })
          : this.custom.getClusterCustomObject(p);
      })) as T;
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) return undefined;
      throw err;
    }
  }

  async list<T = KubeObject>(r: ResourceRef, namespace?: string, labelSelector?: string) {
    const out = (await this.call(() => {
      if (!r.group) return this.coreList(r, namespace, labelSelector);
      const p = { group: r.group, version: r.version, plural: r.plural, labelSelector };
      return r.namespaced && namespace
        ? this.custom.listNamespacedCustomObject({ ...p, namespace })
        : this.custom.listClusterCustomObject(p);
    })) as { items?: T[]; metadata?: { resourceVersion?: string } };
    return { items: out.items ?? [], resourceVersion: out.metadata?.resourceVersion ?? "" };
  }

  async create<T = KubeObject>(r: ResourceRef, namespace: string | undefined, body: object) {
    return (await this.call(() => {
      if (!r.group) {
        if (r.plural !== "events")
          throw new KubeError(405, `costopt only creates core events, not ${r.plural}`);
        return this.core.createNamespacedEvent({ namespace: namespace ?? "", body: body as never });
      }
      const p = { group: r.group, version: r.version, plural: r.plural, body };
      return r.namespaced
        ? this.custom.createNamespacedCustomObject({ ...p, namespace: namespace ?? "" })
        : this.custom.createClusterCustomObject(p);
    })) as T;
  }

  async replace<T = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, body: object) {
    this.requireGroup(r, "replace");
    const p = { group: r.group, version: r.version, plural: r.plural, name, body };
    return (await this.call(() =>
      r.namespaced
        ? this.custom.replaceNamespacedCustomObject({ ...p, namespace: namespace ?? "" })
        : this.custom.replaceClusterCustomObject(p),
    )) as T;
  }

  async mergePatch<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: { status?: boolean } = {},
  ) {
    this.requireGroup(r, "patch");
    const headers = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    const p = { group: r.group, version: r.version, plural: r.plural, name, body: patch as object };
    const ns = { ...p, namespace: namespace ?? "" };
    return (await this.call(() => {
      if (opts.status) {
        return r.namespaced
          ? this.custom.patchNamespacedCustomObjectStatus(ns, headers)
          : this.custom.patchClusterCustomObjectStatus(p, headers);
      }
      return r.namespaced
        ? this.custom.patchNamespacedCustomObject(ns, headers)
        : this.custom.patchClusterCustomObject(p, headers);
    })) as T;
  }

  async delete(r: ResourceRef, namespace: string | undefined, name: string) {
    this.requireGroup(r, "delete");
    const p = { group: r.group, version: r.version, plural: r.plural, name };
    try {
      await this.call(() =>
        r.namespaced
          ? this.custom.deleteNamespacedCustomObject({ ...p, namespace: namespace ?? "" })
          : this.custom.deleteClusterCustomObject(p),
      );
    } catch (err) {
      if (!(err instanceof KubeError && err.code === 404)) throw err;
    }
  }

  // costopt never writes core objects other than Events; refusing here keeps that a property of the code.
  private requireGroup(r: ResourceRef, verb: string): void {
    if (!r.group) throw new KubeError(405, `costopt does not ${verb} core ${r.plural}`);
  }

  private coreGet(r: ResourceRef, namespace: string, name: string): Promise<unknown> {
    if (r.plural === "pods") return this.core.readNamespacedPod({ namespace, name });
    if (r.plural === "namespaces") return this.core.readNamespace({ name });
    throw new KubeError(405, `costopt does not read core ${r.plural}`);
  }

  private coreList(r: ResourceRef, namespace: string | undefined, labelSelector: string | undefined) {
    if (r.plural === "pods") {
      return namespace
        ? this.core.listNamespacedPod({ namespace, labelSelector })
        : this.core.listPodForAllNamespaces({ labelSelector });
    }
    if (r.plural === "events") {
      return namespace
        ? this.core.listNamespacedEvent({ namespace, labelSelector })
        : this.core.listEventForAllNamespaces({ labelSelector });
    }
    throw new KubeError(405, `costopt does not list core ${r.plural}`);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toKubeError(err);
    }
  }
}

function toKubeError(err: unknown): unknown {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) {
    const body = typeof err.body === "string" ? safeJson(err.body) : (err.body as Any | undefined);
    const message = typeof body?.message === "string" ? body.message : String(err.message).slice(0, 300);
    return new KubeError(err.code, message);
  }
  return err;
}

function safeJson(s: string): Any | undefined {
  try {
    return JSON.parse(s) as Any;
  } catch {
    return undefined;
  }
}
