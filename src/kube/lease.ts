// Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection:
// the holder renews every retry period; others take over only once they have seen the same
// record unchanged for a whole lease duration on their own clock (no trust in clock sync).
// A leader that cannot renew for a lease duration steps down before anyone can take over.

import type { Logger } from "../telemetry/logger.js";
import { type KubeClient, KubeError, type KubeObject } from "./client.js";
import { LEASES } from "./resources.js";

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

export interface LeaderElectorOptions {
  kube: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  /** Milliseconds a lease stays valid without renewal. */
  leaseDurationMs: number;
  /** Milliseconds between attempts to acquire or renew. */
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  now?: () => number;
}

/** MicroTime as the API server writes it. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, "$1000Z");
}

export class LeaderElector {
  private leading = false;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private observed?: { key: string; at: number };
  private lastRenew = 0;
  private running?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly o: LeaderElectorOptions) {
    this.now = o.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      this.running = this.tryAcquireOrRenew()
        .then(() => undefined)
        .catch((err: unknown) => this.o.log.warn("lease attempt failed", { err }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.retryPeriodMs);
        });
    };
    tick();
  }

  /** Stops trying; a holder releases the lease so another replica takes over at once. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.leading && release) {
      try {
        const lease = await this.o.kube.get<Lease>(LEASES, this.o.namespace, this.o.name);
        if (lease?.spec?.holderIdentity === this.o.identity) {
          await this.o.kube.replace(LEASES, this.o.namespace, this.o.name, {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: null,
              leaseDurationSeconds: 1,
              renewTime: microTime(this.now()),
            },
          });
        }
      } catch (err) {
        this.o.log.warn("could not release lease", { err });
      }
    }
    this.setLeading(false);
  }

  /** One attempt; resolves to whether this instance leads afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const { kube, namespace, name, identity } = this.o;
    const durationSeconds = Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000));
    try {
      const lease = await kube.get<Lease>(LEASES, namespace, name);
      if (!lease) {
        await kube.create(LEASES, namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return this.renewed(now);
      }
      const spec = lease.spec ?? {};
      const key = `${spec.holderIdentity ?? ""}|${spec.renewTime ?? ""}|${spec.leaseDurationSeconds ?? ""}`;
      if (this.observed?.key !== key) this.observed = { key, at: now };
      const holder = spec.holderIdentity ?? "";
      const validFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      const heldByOther = holder !== "" && holder !== identity;
      if (heldByOther && this.observed.at + validFor > now) {
        // Someone else holds a live lease: if that was us a moment ago, we have been replaced.
        this.setLeading(false);
        return false;
      }
      const transition = holder !== identity;
      await kube.replace(LEASES, namespace, name, {
        ...lease,
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: transition ? microTime(now) : (spec.acquireTime ?? microTime(now)),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (transition ? 1 : 0),
        },
      });
      return this.renewed(now);
    } catch (err) {
      // 409: another replica wrote first; it leads this round.
      if (!(err instanceof KubeError && err.code === 409)) this.o.log.warn("lease update failed", { err });
      return this.lost(now);
    }
  }

  private renewed(now: number): boolean {
    this.lastRenew = now;
    this.setLeading(true);
    return true;
  }

  private lost(now: number): boolean {
    // A leader keeps leading through transient errors, but never past its own lease.
    if (this.leading && now - this.lastRenew < this.o.leaseDurationMs) return true;
    this.setLeading(false);
    return false;
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    this.o.log.info(v ? "became leader" : "stopped leading", { identity: this.o.identity });
    if (v) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }
}
