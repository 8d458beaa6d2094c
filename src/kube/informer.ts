// The CostOptimization informer: one list+watch for all namespaces, or one per namespace in
// WATCH_NAMESPACES (the RBAC of a namespaced install cannot list cluster-wide). client-node's
// informer stops on a watch error, so it is restarted here after a short delay.

import { type KubeConfig, type KubernetesObject, makeInformer } from "@kubernetes/client-node";
import type { CostOptimization } from "../api/types.js";
import type { Logger } from "../telemetry/logger.js";
import { apiPath, type KubeClient } from "./client.js";
import { COSTOPTIMIZATIONS } from "./resources.js";

export interface PolicyHandlers {
  add(p: CostOptimization): void;
  update(p: CostOptimization): void;
  delete(p: CostOptimization): void;
}

export interface PolicySource {
  start(handlers: PolicyHandlers): Promise<void>;
  stop(): Promise<void>;
  /** Everything currently known, for periodic resync. */
  list(): CostOptimization[];
}

type K8sInformer = ReturnType<typeof makeInformer<KubernetesObject>>;
// client-node types metadata timestamps as Date; on the wire (and here) they are strings.
const asPolicy = (o: KubernetesObject) => o as unknown as CostOptimization;

export class KubePolicyInformer implements PolicySource {
  private informers: K8sInformer[] = [];
  private stopped = true;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly kube: KubeClient,
    private readonly namespaces: string[],
    private readonly log: Logger,
    private readonly restartDelayMs = 2000,
  ) {}

  async start(h: PolicyHandlers): Promise<void> {
    this.stopped = false;
    const scopes = this.namespaces.length ? this.namespaces : [undefined];
    this.informers = scopes.map((ns) => {
      const inf = makeInformer(this.kc, apiPath(COSTOPTIMIZATIONS, ns), async () => {
        const list = await this.kube.list<KubernetesObject>(COSTOPTIMIZATIONS, ns);
        return {
          apiVersion: "v1",
          kind: "List",
          metadata: { resourceVersion: list.resourceVersion },
          items: list.items,
        };
      });
      inf.on("add", (o) => h.add(asPolicy(o)));
      inf.on("update", (o) => h.update(asPolicy(o)));
      inf.on("delete", (o) => h.delete(asPolicy(o)));
      inf.on("error", (err: unknown) => {
        if (this.stopped) return;
        this.log.warn("policy watch failed; restarting", { namespace: ns ?? "*", err: String(err) });
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!this.stopped) inf.start().catch(() => {});
        }, this.restartDelayMs);
        this.timers.add(t);
      });
      return inf;
    });
    await Promise.all(this.informers.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.informers.map((i) => i.stop()));
    this.informers = [];
  }

  list(): CostOptimization[] {
    return this.informers.flatMap((i) => i.list().map(asPolicy));
  }
}
