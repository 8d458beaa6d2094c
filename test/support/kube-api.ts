// TEST DOUBLE: a small in-process HTTP(S) server speaking the Kubernetes API's JSON, for tests
// and benchmarks only. No kube-apiserver can run on these machines, so costopt's Kubernetes code
// (src/kube/cluster.ts over @kubernetes/client-node, and its informer) is exercised against this.
// Clients reach it through a kubeconfig file (`kubeconfig()`), as users reach a cluster.
//
// Where it behaves like the real API server, because costopt depends on it:
//   - GET list with label selectors (equality and set-based: =, ==, !=, in, notin, exists, !key),
//     pagination (limit/continue, 410 Expired for a continue token older than the compacted
//     history), resourceVersion=0 served from the "cache" (limit ignored, as the watch cache does);
//   - watch streams (?watch=true): newline-delimited {type, object}; without a resourceVersion
//     (or with "0") synthetic ADDED events for the current state first, with one the history
//     after it; a resourceVersion older than the compacted history gets an ERROR event with a
//     410 Expired Status (`compact()`); BOOKMARK events only to watches that asked for them
//     (allowWatchBookmarks, `bookmark()`); the stream ends after timeoutSeconds;
//   - POST create (409 when it exists), PUT replace: 409 on a stale resourceVersion, and for
//     custom resources 422 without one (built-in types allow unconditional updates);
//   - writes that change nothing keep the resourceVersion and send no MODIFIED event;
//   - PATCH with merge-patch (RFC 7386; strategic-merge is treated as merge) or json-patch
//     (RFC 6902), on the object or on its /status subresource (which only touches status);
//     metadata.generation rises when spec changes;
//   - DELETE: with finalizers the object only gets a deletionTimestamp; it disappears when the
//     last finalizer is removed;
//   - 429 Too Many Requests with Retry-After (`throttleNext()`), as API Priority and Fairness does;
//   - authentication when `auth` is given: a listed bearer token or a client certificate signed
//     by the given CA, else 401;
//   - read-only resources answer writes with 403, as RBAC would (workloads, HPAs, PDBs);
//   - API groups/versions that are not registered answer 404 with a Status object, like a
//     cluster without that CRD installed.
// Every request is recorded in `requests` so tests can assert what was (not) written.
// Not implemented: field selectors, server-side apply, admission, RBAC beyond the read-only
// flag, consistent snapshots across list pages (later pages show the current state).

import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { KubeConfig } from "@kubernetes/client-node";
import fastJsonPatch from "fast-json-patch";
import { stringify } from "yaml";
import { ClusterClient, type ClusterClientOptions } from "../../src/kube/cluster.js";

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
  /** PUT without metadata.resourceVersion is allowed (most built-in types; never custom resources). */
  unconditionalUpdate?: boolean;
}

export interface FakeKubeApiOptions {
  /** Serve HTTPS with this certificate (PEM); kubeconfigs then carry it as the cluster CA. */
  tls?: { cert: Buffer; key: Buffer };
  /** Require authentication: one of these bearer tokens, or a client certificate signed by clientCa. */
  auth?: { tokens?: string[]; clientCa?: Buffer };
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  body?: unknown;
  status: number;
  /** Which client sent it: the bearer token or the client certificate's CN (see kubeFor). */
  client?: string;
}

export const CORE_RESOURCES: ResourceType[] = [
  { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true, unconditionalUpdate: true },
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, readOnly: true },
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, readOnly: true },
  {
    group: "coordination.k8s.io",
    version: "v1",
    plural: "leases",
    kind: "Lease",
    namespaced: true,
    unconditionalUpdate: true,
  },
  {
    group: "events.k8s.io",
    version: "v1",
    plural: "events",
    kind: "Event",
    namespaced: true,
    unconditionalUpdate: true,
  },
  {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    readOnly: true,
  },
  {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    namespaced: true,
    readOnly: true,
  },
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
  { group: "batch", version: "v1", plural: "cronjobs", kind: "CronJob", namespaced: true, readOnly: true },
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
  type: ResourceType;
  namespace?: string;
  selector: Requirement[];
  bookmarks: boolean;
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
  /** TCP (or, over HTTPS, TLS) connections accepted so far. */
  connections = 0;
  private readonly types = new Map<string, ResourceType>();
  private readonly store = new Map<string, Map<string, Obj>>();
  private readonly watchers = new Set<Watcher>();
  private readonly history: HistoryEntry[] = [];
  private rv = 1;
  /** History up to here is gone: watches and continue tokens from before it get 410. */
  private compactedRv = 0;
  private held?: (() => void)[];
  private heldListReplies?: (() => void)[];
  private server?: Server;
  private readonly tempDir = mkdtempSync(join(tmpdir(), "costopt-kubeconfig-"));
  /** Answers the next matching request with this HTTP status instead of serving it. */
  private readonly faults: {
    method: string;
    pathPart: string;
    status: number;
    headers?: Record<string, string>;
  }[] = [];

  constructor(
    resources: ResourceType[] = [...CORE_RESOURCES, COSTOPT_RESOURCE],
    private readonly options: FakeKubeApiOptions = {},
  ) {
    for (const r of resources) this.register(r);
  }

  /** Makes a group/version/plural servable (e.g. Argo CD Applications, Flux Kustomizations). */
  register(type: ResourceType): void {
    const key = typeKey(type.group, type.version, type.plural);
    this.types.set(key, type);
    if (!this.store.has(key)) this.store.set(key, new Map());
  }

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        this.send(res, 500, status(500, "InternalError", String(err)));
      });
    };
    const tls = this.options.tls;
    this.server = tls
      ? createHttpsServer(
          {
            cert: tls.cert,
            key: tls.key,
            // Ask for a client certificate; whether it is trusted is decided per request.
            requestCert: true,
            rejectUnauthorized: false,
            ...(this.options.auth?.clientCa ? { ca: this.options.auth.clientCa } : {}),
          },
          handler,
        )
      : createServer(handler);
    this.server.on(tls ? "secureConnection" : "connection", () => this.connections++);
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this.url;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error("FakeKubeApi not started");
    return `${this.options.tls ? "https" : "http"}://127.0.0.1:${addr.port}`;
  }

  /**
   * Writes a kubeconfig file for this server and returns its path: a bearer token
   * (`token`), a client certificate (`cert`), or no credentials. `context` names the context
   * (default "fake"); `extraContexts` adds contexts pointing at unreachable servers, to prove
   * the right one is picked.
   */
  kubeconfig(
    o: {
      token?: string;
      cert?: { cert: Buffer; key: Buffer };
      /** A credential plugin (as EKS's `aws eks get-token` or GKE's gke-gcloud-auth-plugin). */
      exec?: { command: string; args?: string[] };
      /** An OpenID Connect login (kubectl's oidc auth-provider) holding this id-token. */
      oidc?: { idToken: string };
      context?: string;
      extraContexts?: string[];
    } = {},
  ): string {
    const context = o.context ?? "fake";
    const b64 = (b: Buffer) => b.toString("base64");
    const cluster = {
      server: this.url,
      ...(this.options.tls ? { "certificate-authority-data": b64(this.options.tls.cert) } : {}),
    };
    const user = {
      ...(o.token ? { token: o.token } : {}),
      ...(o.cert ? { "client-certificate-data": b64(o.cert.cert), "client-key-data": b64(o.cert.key) } : {}),
      ...(o.exec
        ? {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: o.exec.command,
              args: o.exec.args ?? [],
              interactiveMode: "Never",
            },
          }
        : {}),
      ...(o.oidc
        ? {
            "auth-provider": {
              name: "oidc",
              config: {
                "id-token": o.oidc.idToken,
                "client-id": "kubernetes",
                // Never contacted while the id-token is valid.
                "idp-issuer-url": "https://issuer.invalid",
              },
            },
          }
        : {}),
    };
    const others = o.extraContexts ?? [];
    const doc = {
      apiVersion: "v1",
      kind: "Config",
      "current-context": context,
      clusters: [
        { name: context, cluster },
        ...others.map((name) => ({ name, cluster: { server: "http://127.0.0.1:1" } })),
      ],
      users: [{ name: context, user }, ...others.map((name) => ({ name, user: { token: `${name}-token` } }))],
      contexts: [context, ...others].map((name) => ({ name, context: { cluster: name, user: name } })),
    };
    const file = join(this.tempDir, `${context}-${randomUUID().slice(0, 8)}.yaml`);
    writeFileSync(file, stringify(doc), { mode: 0o600 });
    return file;
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

  /**
   * The next `count` requests whose path and query contain `pathPart` get 429 with Retry-After,
   * as API Priority and Fairness answers.
   */
  throttleNext(method: string, pathPart: string, retryAfterSeconds: number, count = 1): void {
    for (let i = 0; i < count; i++)
      this.faults.push({
        method,
        pathPart,
        status: 429,
        headers: { "retry-after": String(retryAfterSeconds) },
      });
  }

  /**
   * Holds new watch requests unanswered (a partition between client and server) until
   * `releaseWatches()`; `heldWatches` says how many are waiting.
   */
  holdWatches(): void {
    this.held ??= [];
  }

  get heldWatches(): number {
    return this.held?.length ?? 0;
  }

  /** Holds list replies (a slow API server) until `releaseLists()`; `heldLists` counts them. */
  holdLists(): void {
    this.heldListReplies ??= [];
  }

  get heldLists(): number {
    return this.heldListReplies?.length ?? 0;
  }

  releaseLists(): void {
    const held = this.heldListReplies ?? [];
    this.heldListReplies = undefined;
    for (const reply of held) reply();
  }

  releaseWatches(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const open of held) open();
  }

  /** Forgets the history so far (as etcd compaction does): resuming from before now gets 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that allowed bookmarks. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      const object = {
        apiVersion: apiVersion(w.type),
        kind: w.type.kind,
        metadata: { resourceVersion: String(this.rv) },
      };
      w.res.write(`${JSON.stringify({ type: "BOOKMARK", object })}\n`);
    }
  }

  /** The current resourceVersion (it rises with every change of any type, as etcd's revision). */
  get resourceVersion(): string {
    return String(this.rv);
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
    return this.write(type, existing, obj);
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
    if (this.options.auth && !clientOf(req, this.options.auth).client) {
      return this.reply(req, res, url, 401, status(401, "Unauthorized", "Unauthorized"), contentType, body);
    }
    // Matched against the query too, so a test can pick a list's later pages ("continue=") or a watch.
    const fault = this.faults.findIndex(
      (f) => f.method === method && (url.pathname + url.search).includes(f.pathPart),
    );
    if (fault >= 0) {
      const f = this.faults.splice(fault, 1)[0] as (typeof this.faults)[number];
      const out =
        f.status === 429
          ? {
              ...status(429, "TooManyRequests", "Too many requests, please try again later."),
              details: { retryAfterSeconds: Number(f.headers?.["retry-after"] ?? 1) },
            }
          : status(f.status, "Injected", "injected fault");
      return this.reply(req, res, url, f.status, out, contentType, body, f.headers);
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
      this.requests.push({
        method,
        path: url.pathname + url.search,
        status: 200,
        ...clientOf(req, this.options.auth),
      });
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
    headers: Record<string, string> = {},
  ): void {
    this.requests.push({
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      contentType,
      body,
      status: code,
      ...clientOf(req, this.options.auth),
    });
    this.send(res, code, out, headers);
  }

  private send(res: ServerResponse, code: number, out: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(out);
    res.writeHead(code, {
      ...headers,
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
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
      const q = url.searchParams;
      let selector: Requirement[];
      try {
        selector = parseSelector(q.get("labelSelector"));
      } catch (err) {
        return [400, status(400, "BadRequest", (err as Error).message)];
      }
      if (q.get("watch") === "true" || q.get("watch") === "1") {
        if (this.held) this.held.push(() => this.openWatch(type, namespace, selector, q, res));
        else this.openWatch(type, namespace, selector, q, res);
        return [0, undefined];
      }
      if (this.heldListReplies) {
        this.heldListReplies.push(() => {
          const [code, out] = this.listPage(type, objects, namespace, selector, q);
          this.send(res, code, out);
        });
        return [0, undefined];
      }
      return this.listPage(type, objects, namespace, selector, q);
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
      if (!next.metadata?.resourceVersion && !type.unconditionalUpdate) {
        const msg = `${type.plural}.${type.group} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`;
        return [422, status(422, "Invalid", msg)];
      }
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
    return [200, this.write(type, existing, next)];
  }

  /** A list, or one page of it (limit/continue), as the API server answers it. */
  private listPage(
    type: ResourceType,
    objects: Map<string, Obj>,
    namespace: string | undefined,
    selector: Requirement[],
    q: URLSearchParams,
  ): [number, unknown] {
    let after = "";
    let listRv = this.rv;
    const token = q.get("continue");
    if (token) {
      try {
        const t = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { rv: number; after: string };
        after = t.after;
        listRv = t.rv;
      } catch {
        return [400, status(400, "BadRequest", "continue key is not valid")];
      }
      if (listRv < this.compactedRv) {
        const msg =
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
        return [410, status(410, "Expired", msg)];
      }
    }
    const all = [...objects.entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .filter(([, o]) => matches(o, selector))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([k]) => k > after);
    // resourceVersion=0 is served from the watch cache, which (before Kubernetes 1.31) ignores limit.
    const limit = q.get("resourceVersion") === "0" ? 0 : Number(q.get("limit") ?? 0);
    const page = limit > 0 ? all.slice(0, limit) : all;
    const rest = all.length - page.length;
    const last = page[page.length - 1];
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (rest > 0 && last) {
      metadata.continue = Buffer.from(JSON.stringify({ rv: listRv, after: last[0] })).toString("base64");
      metadata.remainingItemCount = rest;
    }
    return [
      200,
      {
        apiVersion: apiVersion(type),
        kind: `${type.kind}List`,
        metadata,
        items: page.map(([, o]) => clone(o)),
      },
    ];
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

  /** An update, unless it changes nothing: then, as the API server, no new resourceVersion and no event. */
  private write(type: ResourceType, existing: Obj, next: Obj): Obj {
    const { resourceVersion: _a, ...before } = existing.metadata;
    const { resourceVersion: _b, ...after } = next.metadata;
    const same =
      isEqual(before, after) &&
      isEqual(
        { ...existing, metadata: undefined, apiVersion: undefined, kind: undefined },
        {
          ...next,
          metadata: undefined,
          apiVersion: undefined,
          kind: undefined,
        },
      );
    return same ? clone(existing) : this.update(type, next);
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
    if (this.history.length > 50_000) {
      const dropped = this.history.splice(0, 10_000);
      this.compactedRv = dropped[dropped.length - 1]?.rv ?? this.compactedRv;
    }
    for (const w of this.watchers) this.deliver(w, entry);
  }

  private deliver(w: Watcher, e: Pick<HistoryEntry, "typeKey" | "type" | "object">): void {
    if (w.typeKey !== e.typeKey) return;
    if (w.namespace !== undefined && e.object.metadata.namespace !== w.namespace) return;
    if (!matches(e.object, w.selector)) return;
    w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
  }

  private openWatch(
    type: ResourceType,
    namespace: string | undefined,
    selector: Requirement[],
    q: URLSearchParams,
    res: ServerResponse,
  ): void {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const key = typeKey(type.group, type.version, type.plural);
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const w: Watcher = { typeKey: key, type, namespace, selector, bookmarks, res };
    const fromRv = q.get("resourceVersion");
    if (!fromRv || fromRv === "0") {
      // "Get state and start at most recent": the current objects as synthetic ADDED events.
      for (const object of this.objects(key).values())
        this.deliver(w, { typeKey: key, type: "ADDED", object });
    } else if (Number(fromRv) < this.compactedRv) {
      const msg = `too old resource version: ${fromRv} (${this.compactedRv})`;
      res.end(`${JSON.stringify({ type: "ERROR", object: status(410, "Expired", msg) })}\n`);
      return;
    } else {
      for (const e of this.history) if (e.rv > Number(fromRv)) this.deliver(w, e);
    }
    this.watchers.add(w);
    const timeout = Number(q.get("timeoutSeconds") ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    timer?.unref();
    res.on("close", () => {
      clearTimeout(timer);
      this.watchers.delete(w);
    });
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

type Requirement =
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

/** A label selector as the API server parses it: equality (=, ==, !=) and set-based terms. */
function parseSelector(s: string | null): Requirement[] {
  if (!s) return [];
  // Split on commas outside parentheses: "env in (a,b),tier" has two terms.
  const terms: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(cur);
      cur = "";
    } else cur += ch;
  }
  terms.push(cur);
  return terms.map((raw) => {
    const term = raw.trim();
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m)
      return {
        key: m[1] as string,
        op: m[2] as "in" | "notin",
        values: (m[3] as string).split(",").map((v) => v.trim()),
      };
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) return { key: m[1] as string, op: m[2] === "!=" ? "notin" : "in", values: [m[3] as string] };
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) return { key: m[2] as string, op: m[1] ? "!exists" : "exists" };
    throw new Error(`unable to parse requirement: ${JSON.stringify(term)}`);
  });
}

function matches(o: Obj, selector: Requirement[]): boolean {
  const labels = o.metadata.labels ?? {};
  return selector.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    if (!("values" in r)) return r.op === "exists" ? has : !has;
    const listed = has && r.values.includes(labels[r.key] as string);
    return r.op === "in" ? listed : !listed;
  });
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
 * A client-node client for a started FakeKubeApi, through an in-memory kubeconfig (plain
 * HTTP). The double checks no credentials unless given `auth`; a `client` name is sent as the
 * bearer token so tests can tell whose requests are whose.
 */
export function kubeFor(url: string, client?: string, opts: ClusterClientOptions = {}): ClusterClient {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    // client-node wants skipTLSVerify for plain HTTP, though there is no TLS to verify.
    { name: "fake", server: url, skipTLSVerify: url.startsWith("http:") },
    client ? { name: client, token: client } : { name: "anonymous" },
  );
  return new ClusterClient(kc, opts);
}

/** The client's identity: a bearer token (a listed one, under `auth`) or a trusted client certificate's CN. */
function clientOf(req: IncomingMessage, auth?: FakeKubeApiOptions["auth"]): { client?: string } {
  const header = req.headers.authorization;
  const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
  if (token && (!auth?.tokens || auth.tokens.includes(token))) return { client: token };
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted && socket.authorized) {
    const cn = socket.getPeerCertificate?.().subject?.CN;
    if (cn) return { client: `cert:${cn}` };
  }
  return {};
}
