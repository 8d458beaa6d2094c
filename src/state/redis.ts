// The Redis Store (ioredis). The URL carries the password and, with rediss://, TLS; it is passed in
// by the configuration edge and never logged with its credentials.

import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions, ReplyError } from "ioredis";
import { redactUrl } from "../telemetry/redact.js";
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

// Delete the lock only if the caller's token still owns it, in one atomic step.
const RELEASE_LOCK = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

// What ioredis rejects a command with when it is sent to a connection that is not ready.
const OFFLINE_QUEUE_DISABLED = "Stream isn't writeable and enableOfflineQueue options is false";

export interface RedisStoreOptions {
  /** Key prefix, so several installations (or tests) can share one Redis. */
  prefix?: string;
  /** Extra ioredis options, e.g. a CA bundle for TLS: { tls: { ca } }. */
  redis?: RedisOptions;
  connectTimeoutMs?: number;
  /** How long a command waits for a lost connection to come back before it fails. Default 2 s. */
  unavailableAfterMs?: number;
  /** How long a command sent to Redis waits for its answer. Default 5 s. */
  commandTimeoutMs?: number;
}

/** Once connected, the store reconnects for as long as the process lives, at most this far apart. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/** Reconnect attempt n (1, 2, ...) waits 100 ms, 200 ms, 400 ms ... up to MAX_RECONNECT_DELAY_MS. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), MAX_RECONNECT_DELAY_MS);
}

/** A command that failed because Redis could not be reached; the caller's work is retried later. */
export class RedisUnavailableError extends Error {
  /** The failure reason costopt_optimizations_failed_total counts it under. */
  readonly reason = "StateStoreUnavailable";
  override readonly name = "RedisUnavailableError";
}

export { redactUrl };

export class RedisStore implements Store {
  /** Commands waiting for a lost connection to come back; woken by "ready" and by "end". */
  private readonly waiters = new Set<() => void>();
  /** Why the connection is down, from ioredis's "error" events; cleared once it is ready. */
  private lastError: string | undefined;
  /** Set by close(): ioredis stays "reconnecting" when disconnected between two attempts. */
  private closed = false;
  private reconnects = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** The URL without its password, for messages. */
    private readonly where: string,
    private readonly unavailableAfterMs: number,
    private readonly commandTimeoutMs: number,
  ) {
    // Errors surface as rejected commands with a clear message (connect() and call()); without
    // a listener ioredis would also print each retry as an "unhandled error event".
    redis.on("error", (err: Error) => {
      // Not a cause: ioredis's ready check sometimes runs on a socket that has already failed.
      if (err.message === OFFLINE_QUEUE_DISABLED) return;
      this.lastError = err.message;
    });
    redis.on("ready", () => {
      this.lastError = undefined;
      this.wake();
    });
    redis.on("end", () => this.wake());
    redis.on("reconnecting", () => {
      this.reconnects++;
    });
  }

  /** Reconnect attempts since the store connected: how long an outage has been ridden out. */
  get reconnectAttempts(): number {
    return this.reconnects;
  }

  /** Connects and pings; rejects with a clear (credential-free) message when Redis is unreachable. */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    let connected = false;
    const commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // The first connection fails at once (below); once connected, every drop is retried with a
      // capped backoff for as long as the process lives: an outage must never end the store.
      retryStrategy: (times) => (connected ? reconnectDelay(times) : null),
      // A command is written only to a ready connection (see call()): nothing waits in ioredis's
      // offline queue to run long after its caller gave up, and a command in flight when the
      // connection drops fails at once (maxRetriesPerRequest 0) instead of being sent again to
      // a Redis that may already have run it.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // For a connection that stays open but never answers.
      commandTimeout: commandTimeoutMs,
      ...options.redis,
    });
    redis.once("ready", () => {
      connected = true;
    });
    const store = new RedisStore(
      redis,
      options.prefix ?? "costopt:",
      redactUrl(url),
      options.unavailableAfterMs ?? 2000,
      commandTimeoutMs,
    );
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new Error(
        `cannot connect to Redis at ${store.where}: ${store.lastError ?? (err as Error).message}`,
      );
    }
    return store;
  }

  async markDelivery(id: string, ttlSeconds = DELIVERY_TTL_SECONDS): Promise<boolean> {
    const key = this.key("delivery", id);
    return (await this.call("markDelivery", (r) => r.set(key, "1", "EX", ttlSeconds, "NX"))) === "OK";
  }

  async forgetDelivery(id: string): Promise<void> {
    await this.call("forgetDelivery", (r) => r.del(this.key("delivery", id)));
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const ok = await this.call("acquireLock", (r) => r.set(this.key("lock", key), token, "PX", ttlMs, "NX"));
    return ok === "OK" ? token : undefined;
  }

  async releaseLock(key: string, token: string): Promise<boolean> {
    return (
      (await this.call("releaseLock", (r) => r.eval(RELEASE_LOCK, 1, this.key("lock", key), token))) === 1
    );
  }

  async suppress(policy: string, suppression: Suppression): Promise<void> {
    const key = this.key("suppressed", policy);
    await this.call("suppress", (r) =>
      r
        .multi()
        .hset(key, suppression.fingerprint, JSON.stringify(suppression))
        .expire(key, SUPPRESSION_TTL_SECONDS)
        .exec(),
    );
  }

  async suppressions(policy: string): Promise<Suppression[]> {
    const all = await this.call("suppressions", (r) => r.hvals(this.key("suppressed", policy)));
    return all.map((s) => JSON.parse(s) as Suppression);
  }

  async clearSuppressions(policy: string): Promise<void> {
    await this.call("clearSuppressions", (r) => r.del(this.key("suppressed", policy)));
  }

  async recordApplied(entry: LedgerEntry, ttlSeconds = LEDGER_TTL_SECONDS): Promise<void> {
    // One key per entry so each expires on its own; a set indexes them per policy.
    const index = this.key("ledger-index", entry.policy);
    await this.call("recordApplied", (r) =>
      r
        .multi()
        .set(this.ledgerKey(entry.policy, entry.pullRequest), JSON.stringify(entry), "EX", ttlSeconds)
        .sadd(index, String(entry.pullRequest))
        // The index must outlive every entry it lists; expired members are pruned on read.
        .expire(index, Math.max(ttlSeconds, LEDGER_TTL_SECONDS))
        .exec(),
    );
  }

  async applied(policy: string): Promise<LedgerEntry[]> {
    const index = this.key("ledger-index", policy);
    const numbers = await this.call("applied", (r) => r.smembers(index));
    if (numbers.length === 0) return [];
    const keys = numbers.map((n) => this.ledgerKey(policy, Number(n)));
    const values = await this.call("applied", (r) => r.mget(keys));
    const expired = numbers.filter((_, i) => values[i] === null);
    if (expired.length > 0) await this.call("applied", (r) => r.srem(index, ...expired));
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as LedgerEntry)
      .sort((a, b) => b.mergedAt.localeCompare(a.mergedAt));
  }

  async forgetApplied(policy: string, pullRequest: number): Promise<void> {
    await this.call("forgetApplied", (r) =>
      r
        .multi()
        .del(this.ledgerKey(policy, pullRequest))
        .srem(this.key("ledger-index", policy), String(pullRequest))
        .exec(),
    );
  }

  async recordMergedSaving(repository: string, saving: MergedSaving): Promise<void> {
    // One hash per repository and month, a field per merged pull request: a redelivered outcome replaces its field.
    const key = this.monthKey(repository, monthOf(new Date(saving.mergedAt)));
    await this.call("recordMergedSaving", (r) =>
      r
        .multi()
        .hset(key, `${saving.policy}#${saving.pullRequest}`, JSON.stringify(saving))
        .expire(key, MONTH_RECORD_TTL_SECONDS)
        .exec(),
    );
  }

  async mergedSavings(repository: string, month: string): Promise<MergedSaving[]> {
    const all = await this.call("mergedSavings", (r) => r.hvals(this.monthKey(repository, month)));
    return all.map((s) => JSON.parse(s) as MergedSaving);
  }

  async forgetMergedSaving(repository: string, month: string, policy: string, pullRequest: number) {
    await this.call("forgetMergedSaving", (r) =>
      r.hdel(this.monthKey(repository, month), `${policy}#${pullRequest}`),
    );
  }

  async countEvent(key: string, windowSeconds: number, nowMs: number): Promise<number> {
    const k = this.key("events", key);
    const result = await this.call("countEvent", (r) =>
      r
        .multi()
        .zremrangebyscore(k, "-inf", nowMs - windowSeconds * 1000)
        .zadd(k, nowMs, `${nowMs}:${randomUUID()}`)
        .zcard(k)
        .pexpire(k, windowSeconds * 1000)
        .exec(),
    );
    return Number(result?.[2]?.[1] ?? 0);
  }

  async countEvents(key: string, windowSeconds: number, nowMs: number): Promise<number> {
    const k = this.key("events", key);
    return this.call("countEvents", (r) => r.zcount(k, `(${nowMs - windowSeconds * 1000}`, "+inf"));
  }

  async usageCheckpoints(keys: string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.call("usageCheckpoints", (r) =>
      r.mgetBuffer(...keys.map((k) => this.key("usage", k))),
    );
    return values.map((v) => v ?? undefined);
  }

  async putUsageCheckpoints(entries: [string, Buffer][], ttlSeconds: number): Promise<void> {
    // In batches: one MULTI per thousand keys keeps each reply small.
    for (let i = 0; i < entries.length; i += 1000) {
      const batch = entries.slice(i, i + 1000);
      await this.call("putUsageCheckpoints", (r) => {
        const m = r.multi();
        for (const [k, v] of batch) m.set(this.key("usage", k), v, "EX", ttlSeconds);
        return m.exec();
      });
    }
  }

  /** Never throws: QUIT when connected (bounded by the command timeout), then stop reconnecting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.redis.status === "ready") await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
    this.wake();
  }

  /**
   * Runs one command (or MULTI) on a ready connection. While the connection is being re-established
   * the command waits up to unavailableAfterMs for it and is then rejected unsent; a command whose
   * connection drops before the answer is rejected too. Either way the caller gets a
   * RedisUnavailableError and retries its work later; Redis's own error replies pass through.
   */
  private async call<T>(what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    if (!this.closed && this.redis.status !== "ready" && this.redis.status !== "end") {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.unavailableAfterMs);
        this.waiters.add(wake);
      });
    }
    if (this.closed || this.redis.status === "end") throw this.unavailable(what, "the store is closed");
    if (this.redis.status !== "ready")
      throw this.unavailable(
        what,
        `not reconnected within ${this.unavailableAfterMs} ms; ${what} was not sent`,
      );
    try {
      return await command(this.redis);
    } catch (err) {
      if (err instanceof ReplyError) throw err;
      const e = err as Error;
      const why =
        e.name === "MaxRetriesPerRequestError"
          ? "the connection was lost before Redis answered"
          : e.message === "Command timed out"
            ? `no answer within ${this.commandTimeoutMs} ms`
            : e.message;
      throw this.unavailable(what, why);
    }
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  private unavailable(what: string, why: string): RedisUnavailableError {
    const last = this.lastError ? ` (${this.lastError})` : "";
    return new RedisUnavailableError(`Redis at ${this.where} is unavailable for ${what}: ${why}${last}`);
  }

  private monthKey(repository: string, month: string): string {
    return this.key("merged-month", `${repository}|${month}`);
  }

  private ledgerKey(policy: string, pullRequest: number): string {
    return this.key("ledger", `${policy}#${pullRequest}`);
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }
}
