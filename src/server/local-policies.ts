// Local mode: policies kept as YAML in the Git repository instead of CRs. They are re-read every
// resync; a changed spec counts as a new generation, a removed file as a deletion (no revert:
// nothing in a repository can wait on a finalizer). Status lives in memory and is served at
// /policies, and Events go to the log, because there is no object in a cluster to hold them.

import { createHash } from "node:crypto";
import type { CostOptimization } from "../api/types.js";
import type { EventRecorder, EventSpec } from "../kube/events.js";
import type { PolicyHandlers, PolicySource } from "../kube/informer.js";
import type { PolicyStore } from "../kube/policy-store.js";
import type { Logger } from "../telemetry/logger.js";

/** Reads the policies (through api/load.ts loadPolicies, as recommend and run do). */
export type PolicyLoader = () => Promise<{
  policies: CostOptimization[];
  problems: string[];
  warnings?: string[];
}>;

const keyOf = (p: { metadata: { namespace?: string; name: string } }) =>
  `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
const specHash = (p: CostOptimization) => createHash("sha256").update(JSON.stringify(p.spec)).digest("hex");

/** RFC 7386 merge patch (null deletes). */
function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

export class LocalPolicies implements PolicySource, PolicyStore {
  private readonly items = new Map<string, { policy: CostOptimization; hash: string }>();
  private timer?: NodeJS.Timeout;
  private version = 0;
  private handlers?: PolicyHandlers;

  constructor(
    private readonly load: PolicyLoader,
    private readonly reloadMs: number,
    private readonly log: Logger,
  ) {}

  async start(h: PolicyHandlers): Promise<void> {
    this.handlers = h;
    await this.reload(h);
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.log.warn("could not re-read policies", { err: String(err) }),
      );
    }, this.reloadMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.handlers = undefined;
  }

  list(): CostOptimization[] {
    return [...this.items.values()].map((i) => structuredClone(i.policy));
  }

  /** Re-reads now (e.g. after a push to the repository) instead of at the next interval. */
  async refresh(): Promise<void> {
    if (this.handlers) await this.reload(this.handlers);
  }

  /** Reads the repository again and reports what was added, changed or removed. */
  async reload(h: PolicyHandlers): Promise<void> {
    const { policies, problems, warnings = [] } = await this.load();
    for (const p of problems) this.log.warn("invalid policy in the repository", { problem: p });
    for (const w of warnings) this.log.warn("policy warning", { warning: w });
    const seen = new Set<string>();
    for (const p of policies) {
      const key = keyOf(p);
      seen.add(key);
      const hash = specHash(p);
      const old = this.items.get(key);
      if (old?.hash === hash) continue;
      const generation = (old?.policy.metadata.generation ?? 0) + 1;
      const policy: CostOptimization = {
        ...structuredClone(p),
        metadata: {
          ...p.metadata,
          namespace: p.metadata.namespace ?? "default",
          generation,
          resourceVersion: String(++this.version),
          annotations: { ...old?.policy.metadata.annotations, ...p.metadata.annotations },
        },
        ...(old?.policy.status ? { status: old.policy.status } : {}),
      };
      this.items.set(key, { policy, hash });
      if (old) h.update(structuredClone(policy));
      else h.add(structuredClone(policy));
    }
    for (const [key, item] of [...this.items]) {
      if (seen.has(key)) continue;
      this.items.delete(key);
      h.delete(item.policy);
    }
  }

  async get(namespace: string, name: string) {
    const item = this.items.get(`${namespace}/${name}`);
    return item ? structuredClone(item.policy) : undefined;
  }

  async patchStatus(policy: CostOptimization, statusPatch: Record<string, unknown>) {
    const item = this.items.get(keyOf(policy));
    if (!item) throw new Error(`policy ${keyOf(policy)} is no longer in the repository`);
    item.policy.status = merge(item.policy.status, statusPatch) as CostOptimization["status"];
    item.policy.metadata.resourceVersion = String(++this.version);
    return structuredClone(item.policy);
  }

  /** Like a CR's metadata change: the control loop hears of it (a webhook's outcome note). */
  async annotate(policy: CostOptimization, annotations: Record<string, string>) {
    const item = this.items.get(keyOf(policy));
    if (!item) return;
    item.policy.metadata.annotations = { ...item.policy.metadata.annotations, ...annotations };
    item.policy.metadata.resourceVersion = String(++this.version);
    this.handlers?.update(structuredClone(item.policy));
  }

  async ensureFinalizer(policy: CostOptimization) {
    return policy;
  }

  async releaseFinalizer() {}
}

/** Events of local-mode policies, as log lines. */
export class LogEventRecorder implements EventRecorder {
  constructor(private readonly log: Logger) {}

  async record(policy: CostOptimization, e: EventSpec): Promise<void> {
    const write = e.type === "Warning" ? this.log.warn : this.log.info;
    write(e.message, { event: e.reason, policy: keyOf(policy) });
  }
}
