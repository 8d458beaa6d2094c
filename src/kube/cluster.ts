// The Kubernetes API through @kubernetes/client-node: configuration and authentication
// (in-cluster service account, KUBECONFIG, --kubeconfig, --context, exec and OIDC plugins,
// client certificates, token files that rotate) and the requests behind KubeClient and
// KubeWatch. Importing the package costs about 70 MiB of RSS, so nothing imports this file
// statically except the commands that talk to a cluster (they `await import()` it).

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  KubeConfig,
  PolicyV1Api,
  type RequestContext,
  ServerConfiguration,
  setHeaderOptions,
  type V1ListMeta,
} from "@kubernetes/client-node";
import {
  apiPath,
  type KubeClient,
  KubeError,
  type KubeObject,
  type KubeWatch,
  type ObjectList,
  type ResourceRef,
  type TypedKind,
  type TypedObjects,
  type WatchEvent,
} from "./client.js";
import { HPAS, PDBS, PODS, WORKLOADS } from "./resources.js";

export interface ClusterOptions {
  /** A kubeconfig file (--kubeconfig); otherwise KUBECONFIG, ~/.kube/config or the service account. */
  kubeconfig?: string;
  /** A context of the kubeconfig (--context); otherwise its current-context. */
  context?: string;
  env?: Record<string, string | undefined>;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Where the API is, in client-node's (and kubectl's) order: an explicit file, KUBECONFIG (a
 * path list, merged), then KUBE_API_URL (no credentials, e.g. `kubectl proxy`) when set,
 * ~/.kube/config, and in a pod the service account.
 */
export function loadKubeConfig(o: ClusterOptions = {}): KubeConfig {
  const env = o.env ?? process.env;
  const kc = new KubeConfig();
  const home = env.HOME ?? homedir();
  const files = o.kubeconfig
    ? [o.kubeconfig]
    : (env.KUBECONFIG ?? "").split(delimiter).filter((f) => f !== "");
  const homeConfig = join(home, ".kube", "config");
  if (files.length > 0) {
    for (const [i, file] of files.entries()) {
      if (!existsSync(file)) {
        if (o.kubeconfig) throw new Error(`--kubeconfig ${file}: no such file`);
        continue; // kubectl ignores missing entries of a KUBECONFIG list
      }
      if (i === 0 || kc.getContexts().length === 0) kc.loadFromFile(file);
      else {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    }
  } else if (env.KUBE_API_URL) {
    // Set on purpose (e.g. `kubectl proxy`), so it wins over the defaults below.
    kc.loadFromClusterAndUser(
      { name: "api", server: env.KUBE_API_URL, skipTLSVerify: false },
      { name: "anonymous" },
    );
  } else if (existsSync(homeConfig)) {
    kc.loadFromFile(homeConfig);
  } else if (env.KUBERNETES_SERVICE_HOST) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? "443";
    kc.loadFromOptions({
      clusters: [
        {
          name: "in-cluster",
          server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
          caFile: `${SA_DIR}/ca.crt`,
          skipTLSVerify: false,
        },
      ],
      // client-node re-reads a tokenFile as it expires: bound service account tokens rotate.
      users: [
        {
          name: "service-account",
          authProvider: { name: "tokenFile", config: { tokenFile: `${SA_DIR}/token` } },
        },
      ],
      contexts: [{ name: "in-cluster", cluster: "in-cluster", user: "service-account" }],
      currentContext: "in-cluster",
    });
  }
  if (kc.getContexts().length === 0) {
    throw new Error(
      "no Kubernetes API: no kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config) and not running in a cluster (KUBERNETES_SERVICE_HOST unset)",
    );
  }
  const context = o.context ?? env.KUBE_CONTEXT;
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new Error(`context "${context}" is not in the kubeconfig (it has: ${known.join(", ")})`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new Error(`context "${kc.getCurrentContext()}" names no cluster`);
  // client-node refuses a plain-HTTP server (kubectl proxy, a local test server) unless
  // skipTLSVerify is set, though there is no TLS to verify; HTTPS servers are left as configured.
  kc.clusters = kc.clusters.map((c) => (c.server.startsWith("http:") ? { ...c, skipTLSVerify: true } : c));
  return kc;
}

export interface ClusterClientOptions {
  /**
   * Waits before a retry, ending early when `signal` aborts; tests inject one that records the
   * delay and returns when the test says.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Attempts after a 429 before giving up. */
  maxRetries?: number;
  /** Items per list page (limit/continue). */
  pageSize?: number;
}

interface Page {
  limit: number;
  labelSelector?: string;
  _continue?: string;
}

/** How client-node's typed API serves one built-in kind; list items come without apiVersion and kind. */
interface TypedCalls<T> {
  ref: ResourceRef;
  read(namespace: string, name: string): Promise<T>;
  list(namespace: string | undefined, page: Page): Promise<{ items: T[]; metadata?: V1ListMeta }>;
}

type TypedTable = { [K in TypedKind]: TypedCalls<TypedObjects[K]> };

function typedCalls(
  apps: AppsV1Api,
  batch: BatchV1Api,
  autoscaling: AutoscalingV2Api,
  policy: PolicyV1Api,
  core: CoreV1Api,
): TypedTable {
  return {
    Deployment: {
      ref: WORKLOADS.Deployment,
      read: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
      list: (namespace, page) =>
        namespace
          ? apps.listNamespacedDeployment({ namespace, ...page })
          : apps.listDeploymentForAllNamespaces(page),
    },
    StatefulSet: {
      ref: WORKLOADS.StatefulSet,
      read: (namespace, name) => apps.readNamespacedStatefulSet({ namespace, name }),
      list: (namespace, page) =>
        namespace
          ? apps.listNamespacedStatefulSet({ namespace, ...page })
          : apps.listStatefulSetForAllNamespaces(page),
    },
    DaemonSet: {
      ref: WORKLOADS.DaemonSet,
      read: (namespace, name) => apps.readNamespacedDaemonSet({ namespace, name }),
      list: (namespace, page) =>
        namespace
          ? apps.listNamespacedDaemonSet({ namespace, ...page })
          : apps.listDaemonSetForAllNamespaces(page),
    },
    CronJob: {
      ref: WORKLOADS.CronJob,
      read: (namespace, name) => batch.readNamespacedCronJob({ namespace, name }),
      list: (namespace, page) =>
        namespace
          ? batch.listNamespacedCronJob({ namespace, ...page })
          : batch.listCronJobForAllNamespaces(page),
    },
    HorizontalPodAutoscaler: {
      ref: HPAS,
      read: (namespace, name) => autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace, name }),
      list: (namespace, page) =>
        namespace
          ? autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace, ...page })
          : autoscaling.listHorizontalPodAutoscalerForAllNamespaces(page),
    },
    PodDisruptionBudget: {
      ref: PDBS,
      read: (namespace, name) => policy.readNamespacedPodDisruptionBudget({ namespace, name }),
      list: (namespace, page) =>
        namespace
          ? policy.listNamespacedPodDisruptionBudget({ namespace, ...page })
          : policy.listPodDisruptionBudgetForAllNamespaces(page),
    },
    Pod: {
      ref: PODS,
      read: (namespace, name) => core.readNamespacedPod({ namespace, name }),
      list: (namespace, page) =>
        namespace ? core.listNamespacedPod({ namespace, ...page }) : core.listPodForAllNamespaces(page),
    },
  };
}

const MERGE_PATCH = setHeaderOptions("Content-Type", "application/merge-patch+json");

/**
 * KubeClient and KubeWatch over client-node: CustomObjectsApi for every API group, the typed
 * API clients for the built-in objects costopt reads, CoreV1Api for Events, and watches with
 * the kubeconfig's credentials (see watch()).
 */
export class ClusterClient implements KubeClient, KubeWatch {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly typed: TypedTable;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    readonly config: KubeConfig,
    private readonly o: ClusterClientOptions = {},
  ) {
    // As makeApiClient does, plus connection reuse (see keepAliveAgents).
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(config.getCurrentCluster()?.server ?? "", {}),
      authMethods: { default: config },
      promiseMiddleware: [keepAliveAgents()],
    });
    this.custom = new CustomObjectsApi(configuration);
    this.core = new CoreV1Api(configuration);
    this.typed = typedCalls(
      new AppsV1Api(configuration),
      new BatchV1Api(configuration),
      new AutoscalingV2Api(configuration),
      new PolicyV1Api(configuration),
      this.core,
    );
    this.sleep = o.sleep ?? abortableSleep;
  }

  /** The context and server, for logs; a URL's credentials are never part of it. */
  describe(): string {
    const cluster = this.config.getCurrentCluster();
    let server = cluster?.server ?? "?";
    try {
      const u = new URL(server);
      u.username = "";
      u.password = "";
      server = u.origin;
    } catch {
      // not a URL; shown as configured
    }
    return `context ${this.config.getCurrentContext()} (${server})`;
  }

  async get<T = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string) {
    try {
      requireGroup(r, "get");
      return (await this.call("get", r, name, () => {
        const g = { group: r.group, version: r.version, plural: r.plural, name };
        return r.namespaced
          ? this.custom.getNamespacedCustomObject({ ...g, namespace: namespace ?? "default" })
          : this.custom.getClusterCustomObject(g);
      })) as T;
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Every page of the list (limit/continue), so a large cluster is never read in one response. */
  async list<T = KubeObject>(
    r: ResourceRef,
    namespace?: string,
    labelSelector?: string,
  ): Promise<ObjectList<T>> {
    requireGroup(r, "list");
    const items: T[] = [];
    let resourceVersion = "";
    let token: string | undefined;
    do {
      const page = { limit: this.o.pageSize ?? 500, labelSelector, _continue: token };
      const out = (await this.call("list", r, undefined, () => {
        const g = { group: r.group, version: r.version, plural: r.plural, ...page };
        return r.namespaced && namespace
          ? this.custom.listNamespacedCustomObject({ ...g, namespace })
          : this.custom.listClusterCustomObject(g);
      })) as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
      items.push(...(out.items ?? []));
      // The first page's resourceVersion is the snapshot every later page is served from.
      resourceVersion ||= out.metadata?.resourceVersion ?? "";
      token = out.metadata?.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  async read<K extends TypedKind>(kind: K, namespace: string, name: string) {
    const calls = this.typed[kind] as TypedCalls<TypedObjects[K]>;
    try {
      const o = (await this.call("get", calls.ref, name, () =>
        calls.read(namespace, name),
      )) as TypedObjects[K];
      return withKind(o, calls.ref, kind);
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) return undefined;
      throw err;
    }
  }

  async listOf<K extends TypedKind>(kind: K, namespace?: string, labelSelector?: string) {
    const calls = this.typed[kind] as TypedCalls<TypedObjects[K]>;
    const items: TypedObjects[K][] = [];
    let token: string | undefined;
    do {
      const page = { limit: this.o.pageSize ?? 500, labelSelector, _continue: token };
      const out = (await this.call("list", calls.ref, undefined, () => calls.list(namespace, page))) as {
        items: TypedObjects[K][];
        metadata?: V1ListMeta;
      };
      for (const o of out.items) items.push(withKind(o, calls.ref, kind));
      token = out.metadata?._continue || undefined;
    } while (token);
    return items;
  }

  async create<T = KubeObject>(r: ResourceRef, namespace: string | undefined, body: object) {
    return (await this.call("create", r, undefined, () => {
      if (!r.group) {
        if (r.plural !== "events")
          throw new KubeError(405, `costopt only creates core events, not ${r.plural}`);
        // The typed CoreV1Event (its timestamps Dates): costopt never reads it back.
        return this.core.createNamespacedEvent({ namespace: namespace ?? "default", body: body as never });
      }
      const g = { group: r.group, version: r.version, plural: r.plural, body };
      return r.namespaced
        ? this.custom.createNamespacedCustomObject({ ...g, namespace: namespace ?? "default" })
        : this.custom.createClusterCustomObject(g);
    })) as T;
  }

  async replace<T = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, body: object) {
    requireGroup(r, "replace");
    return (await this.call("replace", r, name, () => {
      const g = { group: r.group, version: r.version, plural: r.plural, name, body };
      return r.namespaced
        ? this.custom.replaceNamespacedCustomObject({ ...g, namespace: namespace ?? "default" })
        : this.custom.replaceClusterCustomObject(g);
    })) as T;
  }

  async mergePatch<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: { status?: boolean } = {},
  ) {
    requireGroup(r, "patch");
    return (await this.call("patch", r, name, () => {
      const g = { group: r.group, version: r.version, plural: r.plural, name, body: patch as object };
      if (!r.namespaced) {
        return opts.status
          ? this.custom.patchClusterCustomObjectStatus(g, MERGE_PATCH)
          : this.custom.patchClusterCustomObject(g, MERGE_PATCH);
      }
      const n = { ...g, namespace: namespace ?? "default" };
      return opts.status
        ? this.custom.patchNamespacedCustomObjectStatus(n, MERGE_PATCH)
        : this.custom.patchNamespacedCustomObject(n, MERGE_PATCH);
    })) as T;
  }

  async delete(r: ResourceRef, namespace: string | undefined, name: string) {
    requireGroup(r, "delete");
    try {
      await this.call("delete", r, name, () => {
        const g = { group: r.group, version: r.version, plural: r.plural, name };
        return r.namespaced
          ? this.custom.deleteNamespacedCustomObject({ ...g, namespace: namespace ?? "default" })
          : this.custom.deleteClusterCustomObject(g);
      });
    } catch (err) {
      if (!(err instanceof KubeError && err.code === 404)) throw err;
    }
  }

  /**
   * See KubeWatch. Not client-node's Watch: it drops the response's headers, so a 429 on
   * opening the watch could not wait as its Retry-After says. The request is built the way
   * that Watch builds it, from the kubeconfig's applied options (applyToHTTPSOptions: bearer
   * token, exec or OIDC credentials, client certificate, CA, proxy agent), and the
   * newline-delimited events are read from the response as they arrive.
   */
  async watch<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    opts: { resourceVersion: string; timeoutSeconds: number; labelSelector?: string },
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const url = new URL(`${this.config.getCurrentCluster()?.server ?? ""}${apiPath(r, namespace)}`);
    const query: Record<string, string> = {
      watch: "true",
      allowWatchBookmarks: "true",
      timeoutSeconds: String(opts.timeoutSeconds),
      resourceVersion: opts.resourceVersion,
      ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
    };
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const retries = this.o.maxRetries ?? 5;
    for (let attempt = 0; !signal.aborted; attempt++) {
      const res = await this.openStream(url, r, signal);
      if (!res) return; // stopped before the server answered
      if (res.statusCode === 200) return readEvents(res, onEvent, signal);
      const code = res.statusCode ?? 0;
      const message = statusMessage(await readText(res)) ?? `watch ${r.plural}: HTTP ${code}`;
      if (code !== 429 || attempt >= retries) throw new KubeError(code, message);
      await this.sleep(retryAfterMs(header(res, "retry-after"), attempt), signal);
    }
  }

  /** The watch request; resolves with the response (status and headers), or undefined once stopped. */
  private async openStream(
    url: URL,
    r: ResourceRef,
    signal: AbortSignal,
  ): Promise<IncomingMessage | undefined> {
    const options: RequestOptions = {};
    await this.config.applyToHTTPSOptions(options);
    if (signal.aborted) return undefined;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        ...options,
        method: "GET",
        headers: { ...options.headers, accept: "application/json" },
      });
      const onAbort = () => {
        req.destroy();
        resolve(undefined);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      // As client-node's Watch: TCP keep-alive notices a peer that vanished without a word.
      req.on("socket", (socket) => socket.setKeepAlive(true, 30_000));
      req.on("response", (res) => {
        signal.removeEventListener("abort", onAbort);
        resolve(res);
      });
      req.on("error", (err) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) resolve(undefined);
        else reject(new KubeError(0, `watch ${r.plural}: ${err.message}`));
      });
      req.end();
    });
  }

  /** One request, retried after a 429 as long as the server's Retry-After says (capped). */
  private async call(verb: string, r: ResourceRef, name: string | undefined, send: () => Promise<unknown>) {
    const retries = this.o.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        const e = toKubeError(err, verb, r, name);
        if (e.code !== 429 || attempt >= retries) throw e;
        const headers = (err as { headers?: Record<string, string> }).headers ?? {};
        await this.sleep(retryAfterMs(headers["retry-after"] ?? headers["Retry-After"], attempt));
      }
    }
  }
}

/** Streams a watch response's events to onEvent; resolves when the server ends it or `signal` stops it. */
function readEvents<T>(
  res: IncomingMessage,
  onEvent: (e: WatchEvent<T>) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = "";
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      res.destroy();
      if (err && !signal.aborted)
        reject(err instanceof KubeError ? err : new KubeError(0, `watch: ${String(err)}`));
      else resolve();
    };
    const onAbort = () => finish();
    signal.addEventListener("abort", onAbort, { once: true });
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf("\n"); nl >= 0 && !settled; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch {
          continue; // as client-node's Watch: a line that is not JSON is skipped
        }
        try {
          onEvent(event);
        } catch (err) {
          finish(err); // a handler's failure ends this watch as an error, not the process
        }
      }
    });
    res.on("end", () => finish());
    res.on("close", () => finish());
    res.on("error", (err) => finish(err));
  });
}

function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
      text += c;
    });
    res.on("end", () => resolve(text));
    res.on("error", () => resolve(text));
  });
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The message of a Kubernetes Status body, if that is what the text is. */
function statusMessage(text: string): string | undefined {
  const body = safeJson(text) as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : undefined;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** List items come without apiVersion and kind; callers rely on both (e.g. to tell a CronJob's template). */
function withKind<T extends { apiVersion?: string; kind?: string }>(o: T, ref: ResourceRef, kind: string): T {
  o.apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
  o.kind = kind;
  return o;
}

/**
 * client-node 1.4 builds a new http(s).Agent for every request, so every call opens a new TCP
 * connection and, over HTTPS, does a full TLS handshake. This swaps in one keep-alive agent per
 * distinct set of TLS options (CA, client certificate, key...), reused across requests; the
 * credentials' rotation still works, as new options make a new agent.
 */
function keepAliveAgents() {
  const agents = new Map<string, HttpAgent>();
  return {
    pre: async (ctx: RequestContext) => {
      const fresh = ctx.getAgent();
      if (!fresh) return ctx;
      const options = (fresh as HttpAgent & { options?: Record<string, unknown> }).options ?? {};
      const tls = fresh instanceof HttpsAgent;
      const key = createHash("sha256")
        .update(JSON.stringify({ tls, ...options }))
        .digest("hex");
      let agent = agents.get(key);
      if (!agent) {
        if (agents.size >= 8) {
          // Credentials rotated many times: drop the old pools rather than grow without bound.
          for (const a of agents.values()) a.destroy();
          agents.clear();
        }
        const o = { ...options, keepAlive: true, maxSockets: 16 };
        agent = tls ? new HttpsAgent(o) : new HttpAgent(o);
        agents.set(key, agent);
      }
      ctx.setAgent(agent);
      return ctx;
    },
    post: async <T>(response: T) => response,
  };
}

// costopt never writes core objects other than Events, and reads the core objects it needs
// typed (read, listOf); refusing here keeps that a property of the code.
function requireGroup(r: ResourceRef, verb: string): void {
  if (!r.group) throw new KubeError(405, `costopt does not ${verb} core ${r.plural} generically`);
}

function toKubeError(err: unknown, verb: string, r: ResourceRef, name?: string): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) {
    const body = typeof err.body === "string" ? safeJson(err.body) : err.body;
    const message =
      typeof (body as { message?: unknown })?.message === "string"
        ? (body as { message: string }).message
        : `${verb} ${r.plural}${name ? ` ${name}` : ""}: HTTP ${err.code}`;
    return new KubeError(err.code, message);
  }
  return new KubeError(
    0,
    `${verb} ${r.plural}${name ? ` ${name}` : ""}: ${(err as Error)?.message ?? String(err)}`,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After in seconds (what the API server sends), else exponential from 1 s. */
function retryAfterMs(raw: string | undefined, attempt: number): number {
  const seconds = raw === undefined ? Number.NaN : Number(raw);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 * 2 ** attempt;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** A client for the current (or given) context of the kubeconfig. */
export function connect(o: ClusterOptions & ClusterClientOptions = {}): ClusterClient {
  return new ClusterClient(loadKubeConfig(o), o);
}
