// TEST DOUBLE: a small in-process HTTP server speaking the Kubernetes API's JSON, for tests and
// benchmarks only. No kube-apiserver can run on these machines, so costopt's Kubernetes code
// (the client in src/kube/connection.ts and client.ts, and its informer) is exercised against this instead.
//
// What it implements, for any registered group/version/plural (data-driven, see `register`):
//   - GET list (with labelSelector equality terms) and GET one; list carries a resourceVersion;
//   - watch streams (?watch=true): newline-delimited {type, object} events, replayed from the
//     requested resourceVersion, kept open until the client leaves or the server stops;
//   - POST create (409 when it exists), PUT replace (409 on a stale resourceVersion);
//   - PATCH with merge-patch (RFC 7386; strategic-merge is treated as merge) or json-patch
//     (RFC 6902), on the object or on its /status subresource (which only touches status);
//     metadata.generation rises when spec changes;
//   - DELETE: with finalizers the object only gets a deletionTimestamp; it disappears when the
//     last finalizer is removed;
//   - read-only resources answer writes with 403, as RBAC would (apps/v1 workloads by default);
//   - API groups/versions that are not registered answer 404 with a Status object, like a
//     cluster without that CRD installed.
// Every request is recorded in `requests` so tests can assert what was (not) written.
// Not implemented: field selectors, server-side apply, pagination, admission, RBAC beyond
// the read-only flag, watch bookmarks.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fastJsonPatch from "fast-json-patch";
import { KubeConnection } from "../../src/kube/connection.js";

type Obj = Record<string, unknown> & { metadata: Meta };
interface Meta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  generation?: number;
  finalizers?: string[];
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  [k: string]: unknown;
}

export interface ResourceType {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Writes answer 403 Forbidden. */
  readOnly?: boolean;
  /** With a status subresource, writes to the object ignore status and /status touches only status. */
  statusSubresource?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  body?: unknown;
  status: number;
  /** Which client sent it: the bearer token, when it sent one (see connectionFor). */
  client?: string;
}

export const CORE_RESOURCES: ResourceType[] = [
  { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true },
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, readOnly: true },
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, readOnly: true },
  { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
  { group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true },
  {
    group: "apps",
    version: "v1",
    plural: "deployments",
    kind: "Deployment",
    namespaced: true,
    readOnly: true,
  },
  {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    kind: "StatefulSet",
    namespaced: true,
    readOnly: true,
  },
  { group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true, readOnly: true },
];

export const COSTOPT_RESOURCE: ResourceType = {
  group: "costopt.dev",
  version: "v1",
  plural: "costoptimizations",
  kind: "CostOptimization",
  namespaced: true,
  statusSubresource: true,
};

interface Watcher {
  typeKey: string;
  namespace?: string;
  selector: [string, string][];
  res: ServerResponse;
}

interface HistoryEntry {
  rv: number;
  typeKey: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Obj;
}

const clone = <T>(v: T): T => structuredClone(v);

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  private readonly types = new Map<string, ResourceType>();
  private readonly store = new Map<string, Map<string, Obj>>();
  private readonly watchers = new Set<Watcher>();
  private readonly history: HistoryEntry[] = [];
  private rv = 1;
  private server?: Server;
  /** Answers the next matching request with this HTTP status instead of serving it. */
  private readonly faults: { method: string; pathPart: string; status: number }[] = [];

  constructor(resources: ResourceType[] = [...CORE_RESOURCES, COSTOPT_RESOURCE]) {
    for (const r of resources) this.register(r);
  }

  /** Makes a group/version/plural servable (e.g. Argo CD Applications, Flux Kustomizations). */
  register(type: ResourceType): void {
    const key = typeKey(type.group, type.version, type.plural);
    this.types.set(key, type);
    if (!this.store.has(key)) this.store.set(key, new Map());
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.send(res, 500, status(500, "InternalError", String(err)));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this.url;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error("FakeKubeApi not started");
    return `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  /** Ends every open watch stream, as an apiserver does on its watch timeout. */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  failNext(method: string, pathPart: string, status: number): void {
    this.faults.push({ method, pathPart, status });
  }

  // --- direct access for tests (no HTTP) ---

  /** Creates or replaces an object, emitting the watch event a client would see. */
  put(group: string, version: string, plural: string, object: Record<string, unknown>): Obj {
    const key = typeKey(group, version, plural);
    const type = this.types.get(key);
    if (!type) throw new Error(`not registered: ${key}`);
    const obj = clone(object) as Obj;
    const existing = this.objects(key).get(objKey(obj.metadata.namespace, obj.metadata.name));
    if (!existing) return this.create(type, obj.metadata.namespace, obj);
    const explicitGeneration = obj.metadata.generation !== undefined;
    obj.metadata = { ...existing.metadata, ...obj.metadata };
    // A test that states the generation (with a matching status.observedGeneration) keeps it.
    if (!explicitGeneration && !isEqual(existing.spec, obj.spec)) {
      obj.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    return this.update(type, obj);
  }

  get(group: string, version: string, plural: string, namespace: string | undefined, name: string) {
    const o = this.objects(typeKey(group, version, plural)).get(objKey(namespace, name));
    return o ? clone(o) : undefined;
  }

  list(group: string, version: string, plural: string, namespace?: string): Obj[] {
    return [...this.objects(typeKey(group, version, plural)).values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map(clone);
  }

  /** Writes (POST/PUT/PATCH/DELETE) received so far, optionally only those whose path contains `pathPart`. */
  writes(pathPart = ""): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== "GET" && r.path.includes(pathPart));
  }

  // --- HTTP ---

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    const contentType = req.headers["content-type"];
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.reply(req, res, url, 400, status(400, "BadRequest", "body is not JSON"), contentType);
      }
    }
    const fault = this.faults.findIndex((f) => f.method === method && url.pathname.includes(f.pathPart));
    if (fault >= 0) {
      const f = this.faults.splice(fault, 1)[0] as { status: number };
      return this.reply(
        req,
        res,
        url,
        f.status,
        status(f.status, "Injected", "injected fault"),
        contentType,
        body,
      );
    }
    const route = this.route(url.pathname);
    if (!route) {
      return this.reply(
        req,
        res,
        url,
        404,
        status(404, "NotFound", `the server could not find the requested resource`),
        contentType,
        body,
      );
    }
    const { type, namespace, name, subresource } = route;
    const write = method !== "GET";
    if (write && type.readOnly) {
      const msg = `${type.plural}.${type.group || "core"} is forbidden: costopt may not ${method.toLowerCase()} ${type.plural}`;
      return this.reply(req, res, url, 403, status(403, "Forbidden", msg), contentType, body);
    }
    const [code, out] = this.serve(method, url, type, namespace, name, subresource, body, contentType, res);
    if (code === 0) {
      this.requests.push({ method, path: url.pathname + url.search, status: 200, ...clientOf(req) });
      return; // a watch stream, left open
    }
    return this.reply(req, res, url, code, out, contentType, body);
  }

  private reply(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    code: number,
    out: unknown,
    contentType: string | undefined,
    body?: unknown,
  ): void {
    this.requests.push({
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      contentType,
      body,
      status: code,
      ...clientOf(req),
    });
    this.send(res, code, out);
  }

  private send(res: ServerResponse, code: number, out: unknown): void {
    const text = JSON.stringify(out);
    res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  private route(path: string) {
    // /api/v1[/namespaces/ns]/plural[/name[/sub]]  or  /apis/group/version[/namespaces/ns]/plural[/name[/sub]]
    const parts = path.split("/").filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === "api") {
      group = "";
      version = parts[1] ?? "";
      rest = parts.slice(2);
    } else if (parts[0] === "apis") {
      group = parts[1] ?? "";
      version = parts[2] ?? "";
      rest = parts.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const plural = rest[0];
    if (!plural) return undefined;
    const type = this.types.get(typeKey(group, version, plural));
    if (!type) return undefined;
    return { type, namespace, name: rest[1], subresource: rest[2] };
  }

  private serve(
    method: string,
    url: URL,
    type: ResourceType,
    namespace: string | undefined,
    name: string | undefined,
    subresource: string | undefined,
    body: unknown,
    contentType: string | undefined,
    res: ServerResponse,
  ): [number, unknown] {
    const key = typeKey(type.group, type.version, type.plural);
    const objects = this.objects(key);
    const notFound = (): [number, unknown] => [
      404,
      status(404, "NotFound", `${type.plural}${type.group ? `.${type.group}` : ""} "${name}" not found`),
    ];
    if (subresource && subresource !== "status")
      return [404, status(404, "NotFound", `no subresource ${subresource}`)];
    if (subresource === "status" && !type.statusSubresource) return notFound();

    if (method === "GET" && !name) {
      const selector = parseSelector(url.searchParams.get("labelSelector"));
      if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
        this.openWatch(key, namespace, selector, url.searchParams.get("resourceVersion"), res);
        return [0, undefined];
      }
      const items = [...objects.values()]
        .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
        .filter((o) => matches(o, selector));
      return [
        200,
        {
          apiVersion: apiVersion(type),
          kind: `${type.kind}List`,
          metadata: { resourceVersion: String(this.rv) },
          items: items.map(clone),
        },
      ];
    }
    if (method === "POST" && !name) {
      const obj = body as Obj;
      if (!obj?.metadata?.name) {
        if (obj?.metadata && typeof obj.metadata.generateName === "string") {
          obj.metadata.name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`;
        } else return [422, status(422, "Invalid", "metadata.name: Required value")];
      }
      if (objects.has(objKey(namespace, obj.metadata.name))) {
        return [409, status(409, "AlreadyExists", `${type.plural} "${obj.metadata.name}" already exists`)];
      }
      return [201, this.create(type, namespace, obj)];
    }
    if (!name) return [405, status(405, "MethodNotAllowed", `${method} needs a name`)];
    const existing = objects.get(objKey(namespace, name));
    if (!existing) return notFound();

    if (method === "GET") return [200, clone(existing)];
    if (method === "DELETE") {
      if (existing.metadata.finalizers?.length) {
        if (!existing.metadata.deletionTimestamp) {
          const next = clone(existing);
          next.metadata.deletionTimestamp = new Date().toISOString();
          return [200, this.update(type, next)];
        }
        return [200, clone(existing)];
      }
      this.remove(type, existing);
      return [200, status(200, "Success", "deleted")];
    }
    let next: Obj;
    if (method === "PUT") {
      next = clone(body as Obj);
    } else if (method === "PATCH") {
      try {
        next = applyPatch(existing, body, contentType);
      } catch (err) {
        return [422, status(422, "Invalid", `patch failed: ${(err as Error).message}`)];
      }
    } else return [405, status(405, "MethodNotAllowed", method)];

    const wantedRv = next.metadata?.resourceVersion;
    if (wantedRv && wantedRv !== existing.metadata.resourceVersion) {
      return [
        409,
        status(
          409,
          "Conflict",
          `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        ),
      ];
    }
    // Identity and server-owned fields are never taken from the client.
    next.metadata = {
      ...next.metadata,
      name: existing.metadata.name,
      namespace: existing.metadata.namespace,
      uid: existing.metadata.uid,
      creationTimestamp: existing.metadata.creationTimestamp,
      generation: existing.metadata.generation,
      deletionTimestamp: existing.metadata.deletionTimestamp,
    };
    if (type.statusSubresource) {
      if (subresource === "status") {
        next = { ...clone(existing), status: next.status };
      } else {
        next.status = existing.status;
        if (!isEqual(existing.spec, next.spec))
          next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
      }
    }
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      this.remove(type, next);
      return [200, clone(next)];
    }
    return [200, this.update(type, next)];
  }

  private objects(key: string): Map<string, Obj> {
    let m = this.store.get(key);
    if (!m) {
      m = new Map();
      this.store.set(key, m);
    }
    return m;
  }

  private create(type: ResourceType, namespace: string | undefined, input: Obj): Obj {
    const obj = clone(input);
    obj.apiVersion = apiVersion(type);
    obj.kind = type.kind;
    obj.metadata = {
      ...obj.metadata,
      namespace: type.namespaced ? (namespace ?? obj.metadata.namespace ?? "default") : undefined,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
      generation: typeof obj.metadata.generation === "number" ? obj.metadata.generation : 1,
      resourceVersion: String(++this.rv),
    };
    if (!type.namespaced) delete obj.metadata.namespace;
    this.objects(typeKey(type.group, type.version, type.plural)).set(
      objKey(obj.metadata.namespace, obj.metadata.name),
      obj,
    );
    this.emit(type, "ADDED", obj);
    return clone(obj);
  }

  private update(type: ResourceType, input: Obj): Obj {
    const obj = clone(input);
    obj.apiVersion = apiVersion(type);
    obj.kind = type.kind;
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects(typeKey(type.group, type.version, type.plural)).set(
      objKey(obj.metadata.namespace, obj.metadata.name),
      obj,
    );
    this.emit(type, "MODIFIED", obj);
    return clone(obj);
  }

  private remove(type: ResourceType, input: Obj): void {
    const obj = clone(input);
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects(typeKey(type.group, type.version, type.plural)).delete(
      objKey(obj.metadata.namespace, obj.metadata.name),
    );
    this.emit(type, "DELETED", obj);
  }

  private emit(type: ResourceType, event: HistoryEntry["type"], obj: Obj): void {
    const key = typeKey(type.group, type.version, type.plural);
    const entry = { rv: this.rv, typeKey: key, type: event, object: clone(obj) };
    this.history.push(entry);
    if (this.history.length > 50_000) this.history.splice(0, 10_000);
    for (const w of this.watchers) this.deliver(w, entry);
  }

  private deliver(w: Watcher, e: HistoryEntry): void {
    if (w.typeKey !== e.typeKey) return;
    if (w.namespace !== undefined && e.object.metadata.namespace !== w.namespace) return;
    if (!matches(e.object, w.selector)) return;
    w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
  }

  private openWatch(
    key: string,
    namespace: string | undefined,
    selector: [string, string][],
    fromRv: string | null,
    res: ServerResponse,
  ): void {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const w: Watcher = { typeKey: key, namespace, selector, res };
    const since = fromRv ? Number(fromRv) : this.rv;
    for (const e of this.history) if (e.rv > since) this.deliver(w, e);
    this.watchers.add(w);
    res.on("close", () => this.watchers.delete(w));
  }
}

function applyPatch(existing: Obj, patch: unknown, contentType: string | undefined): Obj {
  if (contentType?.startsWith("application/json-patch+json")) {
    const ops = patch as fastJsonPatch.Operation[];
    return fastJsonPatch.applyPatch(clone(existing), ops, true, false).newDocument as Obj;
  }
  return mergePatch(clone(existing), patch) as Obj;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function parseSelector(s: string | null): [string, string][] {
  if (!s) return [];
  return s.split(",").map((term) => {
    const [k, v] = term.split("=").filter((x) => x !== "");
    return [k ?? "", v ?? ""];
  });
}

function matches(o: Obj, selector: [string, string][]): boolean {
  return selector.every(([k, v]) => o.metadata.labels?.[k] === v);
}

function typeKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function objKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

function apiVersion(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function status(code: number, reason: string, message: string) {
  return {
    apiVersion: "v1",
    kind: "Status",
    metadata: {},
    status: code < 400 ? "Success" : "Failure",
    message,
    reason,
    code,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * A connection to a started FakeKubeApi (plain HTTP). The double checks no credentials; a
 * `client` name is sent as the bearer token only so tests can tell whose requests are whose.
 */
export function connectionFor(url: string, client?: string): KubeConnection {
  return new KubeConnection({ server: url, timeoutMs: 10_000, ...(client ? { token: client } : {}) });
}

function clientOf(req: IncomingMessage): { client?: string } {
  const auth = req.headers.authorization;
  return auth?.startsWith("Bearer ") ? { client: auth.slice("Bearer ".length) } : {};
}
