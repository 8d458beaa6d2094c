// The CostOptimization informer: list, then watch from the list's resourceVersion, keeping a
// cache and calling add/update/delete — one loop for all namespaces, or one per namespace in
// WATCH_NAMESPACES (a namespaced install's RBAC cannot list cluster-wide). A watch that ends
// is resumed from the last resourceVersion seen, which bookmarks keep fresh while nothing of
// ours changes (so a resume after a quiet hour is not refused as too old); 410 Gone (the
// server no longer has that history) relists and reconciles the cache with the new list.

import type { CostOptimization } from "../api/types.js";
import type { Logger } from "../telemetry/logger.js";
import type { Cluster, WatchEvent } from "./client.js";
import { COSTOPTIMIZATIONS } from "./resources.js";

export interface PolicyHandlers {
  add(p: CostOptimization): void;
  update(p: CostOptimization): void;
  delete(p: CostOptimization): void;
}

export interface PolicySource {
  /** Resolves once the first list of every scope is in the cache. */
  start(handlers: PolicyHandlers): Promise<void>;
  stop(): Promise<void>;
  /** Everything currently known, for periodic resync. */
  list(): CostOptimization[];
}

const keyOf = (p: CostOptimization) => `${p.metadata.namespace ?? ""}/${p.metadata.name}`;

export class KubePolicyInformer implements PolicySource {
  private readonly cache = new Map<string, CostOptimization>();
  private abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly kube: Cluster,
    private readonly namespaces: string[],
    private readonly log: Logger,
    private readonly retryDelayMs = 2000,
    /** Servers end watches after this; shorter than the API server's default keeps connections fresh. */
    private readonly watchTimeoutSeconds = 300,
  ) {}

  async start(h: PolicyHandlers): Promise<void> {
    this.abort = new AbortController();
    const scopes = this.namespaces.length ? this.namespaces : [undefined];
    // Node 20 has no Promise.withResolvers.
    const resolvers: (() => void)[] = [];
    const synced = scopes.map(() => new Promise<void>((resolve) => resolvers.push(resolve)));
    this.loops = scopes.map((ns, i) => this.run(ns, h, () => resolvers[i]?.()));
    await Promise.race([Promise.all(synced), this.stopped()]);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    this.loops = [];
    this.cache.clear();
  }

  private stopped(): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }

  list(): CostOptimization[] {
    return [...this.cache.values()];
  }

  private async run(ns: string | undefined, h: PolicyHandlers, synced: () => void): Promise<void> {
    const signal = this.abort.signal;
    let rv = "";
    while (!signal.aborted) {
      try {
        if (!rv) {
          rv = await this.relist(ns, h);
          synced();
        }
        // stop() may have come during the relist: a watch opened now would never be told.
        if (signal.aborted) return;
        let gone = false;
        const ac = new AbortController();
        const stopStream = () => ac.abort();
        signal.addEventListener("abort", stopStream, { once: true });
        await this.kube
          .watch<CostOptimization & { code?: number }>(
            COSTOPTIMIZATIONS,
            ns,
            { resourceVersion: rv, timeoutSeconds: this.watchTimeoutSeconds },
            (e: WatchEvent<CostOptimization & { code?: number }>) => {
              if (gone) return;
              if (e.type === "ERROR") {
                // The server no longer has history from rv: end this stream and relist.
                if (e.object?.code === 410) {
                  gone = true;
                  ac.abort();
                }
                return;
              }
              rv = e.object?.metadata?.resourceVersion ?? rv;
              if (e.type === "BOOKMARK") return;
              this.apply(e.type, e.object, h);
            },
            ac.signal,
          )
          .finally(() => signal.removeEventListener("abort", stopStream));
        if (gone) rv = "";
      } catch (err) {
        if (signal.aborted) return;
        if ((err as { code?: number }).code === 410) rv = "";
        this.log.warn("policy watch failed; retrying", { namespace: ns ?? "*", err: String(err) });
        await delay(this.retryDelayMs, signal);
      }
    }
  }

  /** Lists the scope and reconciles the cache with it; returns the list's resourceVersion. */
  private async relist(ns: string | undefined, h: PolicyHandlers): Promise<string> {
    const { items, resourceVersion } = await this.kube.list<CostOptimization>(COSTOPTIMIZATIONS, ns);
    const seen = new Set<string>();
    for (const p of items) {
      seen.add(keyOf(p));
      this.apply("MODIFIED", p, h);
    }
    for (const [key, p] of this.cache) {
      if ((ns === undefined || p.metadata.namespace === ns) && !seen.has(key)) this.apply("DELETED", p, h);
    }
    return resourceVersion;
  }

  private apply(type: "ADDED" | "MODIFIED" | "DELETED", p: CostOptimization, h: PolicyHandlers): void {
    const key = keyOf(p);
    const old = this.cache.get(key);
    if (type === "DELETED") {
      if (!old) return;
      this.cache.delete(key);
      h.delete(p);
      return;
    }
    this.cache.set(key, p);
    if (!old) h.add(p);
    else if (old.metadata.resourceVersion !== p.metadata.resourceVersion) h.update(p);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
