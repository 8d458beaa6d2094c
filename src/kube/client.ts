// A small resource-generic Kubernetes client: any group/version/plural, addressed by a
// ResourceRef, so the control loop, leases, events and Argo CD / Flux objects share one
// code path over one connection (see connection.ts for why it is not client-node).

import type { KubeConnection } from "./connection.js";

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
  // Encoded: a namespace read from a request (`../../api/v1/secrets`) must stay one path segment.
  return r.namespaced && namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`
    : `${base}/${r.plural}`;
}

/** KubeClient over a KubeConnection: plain REST paths, JSON bodies, merge patches. */
export class HttpKube implements KubeClient {
  constructor(private readonly conn: KubeConnection) {}

  async get<T = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string) {
    const res = await this.conn.request("GET", objectPath(r, namespace, name));
    if (res.status === 404) return undefined;
    return expectOk(res, "get", r, name) as T;
  }

  async list<T = KubeObject>(r: ResourceRef, namespace?: string, labelSelector?: string) {
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
    const res = await this.conn.request("GET", `${apiPath(r, namespace)}${q}`);
    const out = expectOk(res, "list", r) as { items?: T[]; metadata?: { resourceVersion?: string } };
    return { items: out.items ?? [], resourceVersion: out.metadata?.resourceVersion ?? "" };
  }

  async create<T = KubeObject>(r: ResourceRef, namespace: string | undefined, body: object) {
    if (!r.group && r.plural !== "events")
      throw new KubeError(405, `costopt only creates core events, not ${r.plural}`);
    return expectOk(await this.conn.request("POST", apiPath(r, namespace), body), "create", r) as T;
  }

  async replace<T = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, body: object) {
    this.requireGroup(r, "replace");
    return expectOk(
      await this.conn.request("PUT", objectPath(r, namespace, name), body),
      "replace",
      r,
      name,
    ) as T;
  }

  async mergePatch<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: { status?: boolean } = {},
  ) {
    this.requireGroup(r, "patch");
    const path = `${objectPath(r, namespace, name)}${opts.status ? "/status" : ""}`;
    const res = await this.conn.request("PATCH", path, patch, "application/merge-patch+json");
    return expectOk(res, "patch", r, name) as T;
  }

  async delete(r: ResourceRef, namespace: string | undefined, name: string) {
    this.requireGroup(r, "delete");
    const res = await this.conn.request("DELETE", objectPath(r, namespace, name));
    if (res.status !== 404) expectOk(res, "delete", r, name);
  }

  // costopt never writes core objects other than Events; refusing here keeps that a property of the code.
  private requireGroup(r: ResourceRef, verb: string): void {
    if (!r.group) throw new KubeError(405, `costopt does not ${verb} core ${r.plural}`);
  }
}

function objectPath(r: ResourceRef, namespace: string | undefined, name: string): string {
  return `${apiPath(r, namespace)}/${encodeURIComponent(name)}`;
}

function expectOk(
  res: { status: number; body: unknown },
  verb: string,
  r: ResourceRef,
  name?: string,
): unknown {
  if (res.status >= 200 && res.status < 300) return res.body;
  const body = res.body as { message?: unknown } | string | undefined;
  const message =
    typeof body === "object" && typeof body?.message === "string"
      ? body.message
      : `${verb} ${r.plural}${name ? ` ${name}` : ""}: HTTP ${res.status}`;
  throw new KubeError(res.status, message);
}
