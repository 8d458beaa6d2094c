// The in-memory Store, used when no REDIS_URL is configured and by `costopt run`. Single process
// only: JavaScript's single thread makes each method atomic without further care.

import { randomUUID } from "node:crypto";
import {
  DELIVERY_TTL_SECONDS,
  LEDGER_TTL_SECONDS,
  type LedgerEntry,
  type MergedSaving,
  MONTH_RECORD_TTL_SECONDS,
  monthOf,
  type Store,
  SUPPRESSION_TTL_SECONDS,
  type Suppression,
} from "./types.js";

const SWEEP_AT = 10_000;

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

export class MemoryStore implements Store {
  private readonly deliveries = new Map<string, number>();
  private readonly locks = new Map<string, Expiring<string>>();
  private readonly suppressed = new Map<string, Expiring<Suppression>[]>();
  private readonly ledger = new Map<string, Expiring<LedgerEntry>[]>();
  private readonly events = new Map<string, number[]>();
  /** By repository and month; each month's record expires MONTH_RECORD_TTL_SECONDS after its last write. */
  private readonly months = new Map<string, Expiring<Map<string, MergedSaving>>>();
  private readonly checkpoints = new Map<string, Expiring<Buffer>>();

  constructor(private readonly now: () => number = Date.now) {}

  async markDelivery(id: string, ttlSeconds = DELIVERY_TTL_SECONDS): Promise<boolean> {
    // A long-running service sees many deliveries: drop the expired ones now and then.
    if (this.deliveries.size >= SWEEP_AT)
      for (const [key, at] of this.deliveries) if (at <= this.now()) this.deliveries.delete(key);
    const expiresAt = this.deliveries.get(id);
    if (expiresAt !== undefined && expiresAt > this.now()) return false;
    this.deliveries.set(id, this.now() + ttlSeconds * 1000);
    return true;
  }

  async forgetDelivery(id: string): Promise<void> {
    this.deliveries.delete(id);
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const held = this.locks.get(key);
    if (held && held.expiresAt > this.now()) return undefined;
    const token = randomUUID();
    this.locks.set(key, { value: token, expiresAt: this.now() + ttlMs });
    return token;
  }

  async releaseLock(key: string, token: string): Promise<boolean> {
    const held = this.locks.get(key);
    if (!held || held.value !== token) return false;
    this.locks.delete(key);
    return true;
  }

  async suppress(policy: string, suppression: Suppression): Promise<void> {
    const list = this.live(this.suppressed, policy).filter(
      (s) => s.value.fingerprint !== suppression.fingerprint,
    );
    list.push({ value: suppression, expiresAt: this.now() + SUPPRESSION_TTL_SECONDS * 1000 });
    this.suppressed.set(policy, list);
  }

  async suppressions(policy: string): Promise<Suppression[]> {
    return this.live(this.suppressed, policy).map((s) => s.value);
  }

  async clearSuppressions(policy: string): Promise<void> {
    this.suppressed.delete(policy);
  }

  async recordApplied(entry: LedgerEntry, ttlSeconds = LEDGER_TTL_SECONDS): Promise<void> {
    const list = this.live(this.ledger, entry.policy).filter(
      (e) => e.value.pullRequest !== entry.pullRequest,
    );
    list.push({ value: entry, expiresAt: this.now() + ttlSeconds * 1000 });
    this.ledger.set(entry.policy, list);
  }

  async applied(policy: string): Promise<LedgerEntry[]> {
    return this.live(this.ledger, policy)
      .map((e) => e.value)
      .sort((a, b) => b.mergedAt.localeCompare(a.mergedAt));
  }

  async forgetApplied(policy: string, pullRequest: number): Promise<void> {
    this.ledger.set(
      policy,
      this.live(this.ledger, policy).filter((e) => e.value.pullRequest !== pullRequest),
    );
  }

  async recordMergedSaving(repository: string, saving: MergedSaving): Promise<void> {
    const key = `${repository}|${monthOf(new Date(saving.mergedAt))}`;
    const month = this.liveMonth(key) ?? new Map<string, MergedSaving>();
    month.set(`${saving.policy}#${saving.pullRequest}`, saving);
    this.months.set(key, { value: month, expiresAt: this.now() + MONTH_RECORD_TTL_SECONDS * 1000 });
  }

  async mergedSavings(repository: string, month: string): Promise<MergedSaving[]> {
    return [...(this.liveMonth(`${repository}|${month}`)?.values() ?? [])];
  }

  async forgetMergedSaving(repository: string, month: string, policy: string, pullRequest: number) {
    this.liveMonth(`${repository}|${month}`)?.delete(`${policy}#${pullRequest}`);
  }

  async countEvent(key: string, windowSeconds: number, nowMs: number): Promise<number> {
    const kept = this.window(key, windowSeconds, nowMs);
    kept.push(nowMs);
    this.events.set(key, kept);
    return kept.length;
  }

  async countEvents(key: string, windowSeconds: number, nowMs: number): Promise<number> {
    return this.window(key, windowSeconds, nowMs).length;
  }

  async usageCheckpoints(keys: string[]): Promise<(Buffer | undefined)[]> {
    return keys.map((k) => {
      const c = this.checkpoints.get(k);
      return c && c.expiresAt > this.now() ? c.value : undefined;
    });
  }

  async putUsageCheckpoints(entries: [string, Buffer][], ttlSeconds: number): Promise<void> {
    for (const [k, v] of entries)
      this.checkpoints.set(k, { value: v, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async close(): Promise<void> {}

  private window(key: string, windowSeconds: number, nowMs: number): number[] {
    return (this.events.get(key) ?? []).filter((t) => t > nowMs - windowSeconds * 1000);
  }

  private liveMonth(key: string): Map<string, MergedSaving> | undefined {
    const m = this.months.get(key);
    return m && m.expiresAt > this.now() ? m.value : undefined;
  }

  private live<T>(map: Map<string, Expiring<T>[]>, key: string): Expiring<T>[] {
    return (map.get(key) ?? []).filter((e) => e.expiresAt > this.now());
  }
}
