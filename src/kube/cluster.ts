// The Kubernetes API through @kubernetes/client-node: configuration and authentication
// (in-cluster service account, KUBECONFIG, --kubeconfig, --context, exec and OIDC plugins,
// client certificates, token files that rotate) and the requests behind KubeClient and
// KubeWatch. Importing the package costs about 70 MiB of RSS, so nothing imports this file
// statically except the commands that talk to a cluster (they `await import()` it).

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  KubeConfig,
  type RequestContext,
  ServerConfiguration,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
// Not re-exported by the package's index; the path is stable across 1.x.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import {
  apiPath,
  type KubeClient,
  KubeError,
  type KubeObject,
  type KubeWatch,
  type ObjectList,
  type ResourceRef,
  type WatchEvent,
} from "./client.js";

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
  /** Waits before a retry; tests inject one that records the delay and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts after a 429 before giving up. */
  maxRetries?: number;
  /** Items per list page (limit/continue). */
  pageSize?: number;
}

type Raw = Record<string, unknown>;

// The core resources costopt reads or writes, and how client-node's typed API serves them.
const CORE = {
  pods: "V1Pod",
  namespaces: "V1Namespace",
  events: "CoreV1Event",
} as const;

const MERGE_PATCH = setHeaderOptions("Content-Type", "application/merge-patch+json");

/** KubeClient and KubeWatch over client-node: CustomObjectsApi for every API group, CoreV1Api for the core group. */
export class ClusterClient implements KubeClient, KubeWatch {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly watcher: Watch;
  private readonly sleep: (ms: number) => Promise<void>;

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
    this.watcher = new Watch(config);
    this.sleep = o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
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
      return (await this.call("get", r, name, () => {
        if (!r.group) return this.coreGet(r, namespace, name);
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
    const items: T[] = [];
    let resourceVersion = "";
    let token: string | undefined;
    do {
      const page = { limit: this.o.pageSize ?? 500, labelSelector, _continue: token };
      const out = (await this.call("list", r, undefined, () => {
        if (!r.group) return this.coreList(r, namespace, page);
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

  async create<T = KubeObject>(r: ResourceRef, namespace: string | undefined, body: object) {
    return (await this.call("create", r, undefined, () => {
      if (!r.group) {
        if (r.plural !== "events")
          throw new KubeError(405, `costopt only creates core events, not ${r.plural}`);
        return this.core
          .createNamespacedEvent({ namespace: namespace ?? "default", body: body as never })
          .then((e) => plain(e, CORE.events));
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

  /** See KubeWatch: client-node's Watch, which streams newline-delimited events. */
  watch<T = KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    opts: { resourceVersion: string; timeoutSeconds: number; labelSelector?: string },
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      const query = {
        allowWatchBookmarks: true,
        timeoutSeconds: opts.timeoutSeconds,
        resourceVersion: opts.resourceVersion,
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
      };
      let stream: AbortController | undefined;
      const onAbort = () => stream?.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.watcher
        .watch(
          apiPath(r, namespace),
          query,
          (type: string, object: T) => onEvent({ type: type as WatchEvent<T>["type"], object }),
          (err: unknown) => {
            signal.removeEventListener("abort", onAbort);
            if (!err || signal.aborted || (err as { name?: string }).name === "AbortError") return resolve();
            const code = (err as { statusCode?: number }).statusCode ?? 0;
            reject(new KubeError(code, `watch ${r.plural}: ${code ? `HTTP ${code}` : String(err)}`));
          },
        )
        .then((c) => {
          stream = c;
          if (signal.aborted) c.abort();
        }, reject);
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
        await this.sleep(retryAfterMs(err, attempt));
      }
    }
  }

  private async coreGet(r: ResourceRef, namespace: string | undefined, name: string): Promise<unknown> {
    if (r.plural === "pods")
      return plain(await this.core.readNamespacedPod({ name, namespace: namespace ?? "default" }), CORE.pods);
    if (r.plural === "namespaces") return plain(await this.core.readNamespace({ name }), CORE.namespaces);
    throw new KubeError(405, `costopt does not read core ${r.plural}`);
  }

  private async coreList(
    r: ResourceRef,
    namespace: string | undefined,
    page: { limit: number; labelSelector?: string; _continue?: string },
  ): Promise<unknown> {
    if (r.plural === "pods") {
      const out = namespace
        ? await this.core.listNamespacedPod({ namespace, ...page })
        : await this.core.listPodForAllNamespaces(page);
      return plain(out, "V1PodList");
    }
    if (r.plural === "namespaces") return plain(await this.core.listNamespace(page), "V1NamespaceList");
    throw new KubeError(405, `costopt does not list core ${r.plural}`);
  }
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

/** Typed client-node objects back to the API's JSON (dates as strings, as everywhere else here). */
function plain(value: unknown, type: string): Raw {
  return ObjectSerializer.serialize(value, type, "") as Raw;
}

// costopt never writes core objects other than Events; refusing here keeps that a property of the code.
function requireGroup(r: ResourceRef, verb: string): void {
  if (!r.group) throw new KubeError(405, `costopt does not ${verb} core ${r.plural}`);
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
function retryAfterMs(err: unknown, attempt: number): number {
  const headers = (err as { headers?: Record<string, string> }).headers ?? {};
  const raw = headers["retry-after"] ?? headers["Retry-After"];
  const seconds = raw === undefined ? Number.NaN : Number(raw);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 * 2 ** attempt;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** A client for the current (or given) context of the kubeconfig. */
export function connect(o: ClusterOptions & ClusterClientOptions = {}): ClusterClient {
  return new ClusterClient(loadKubeConfig(o), o);
}
