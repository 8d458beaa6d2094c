// The Redis Store (ioredis). The URL carries the password and, with rediss://, TLS; it is passed in
// by the configuration edge and never logged with its credentials.

import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import {
  DELIVERY_TTL_SECONDS,
  LEDGER_TTL_SECONDS,
  type LedgerEntry,
  type Store,
  SUPPRESSION_TTL_SECONDS,
  type Suppression,
} from "./types.js";

// Delete the lock only if the caller's token still owns it, in one atomic step.
const RELEASE_LOCK = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export interface RedisStoreOptions {
  /** Key prefix, so several installations (or tests) can share one Redis. */
  prefix?: string;
  /** Extra ioredis options, e.g. a CA bundle for TLS: { tls: { ca } }. */
  redis?: RedisOptions;
  connectTimeoutMs?: number;
}

/** redis://user:secret@host -> redis://user:***@host, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable Redis URL)";
  }
}

export class RedisStore implements Store {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Connects and pings; rejects with a clear (credential-free) message when Redis is unreachable. */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      maxRetriesPerRequest: 3,
      // Fail the first connection instead of retrying forever; later drops reconnect normally.
      retryStrategy: (times) => (times > 3 ? null : Math.min(times * 200, 1000)),
      ...options.redis,
    });
    // Connection errors surface as rejected commands (and below, as one clear error); without a
    // listener ioredis would also print each retry as an "unhandled error event".
    redis.on("error", () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new Error(`cannot connect to Redis at ${redactUrl(url)}: ${(err as Error).message}`);
    }
    return new RedisStore(redis, options.prefix ?? "costopt:");
  }

  async markDelivery(id: string, ttlSeconds = DELIVERY_TTL_SECONDS): Promise<boolean> {
    return (await this.redis.set(this.key("delivery", id), "1", "EX", ttlSeconds, "NX")) === "OK";
  }

  async forgetDelivery(id: string): Promise<void> {
    await this.redis.del(this.key("delivery", id));
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const ok = await this.redis.set(this.key("lock", key), token, "PX", ttlMs, "NX");
    return ok === "OK" ? token : undefined;
  }

  async releaseLock(key: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE_LOCK, 1, this.key("lock", key), token)) === 1;
  }

  async suppress(policy: string, suppression: Suppression): Promise<void> {
    const key = this.key("suppressed", policy);
    await this.redis
      .multi()
      .hset(key, suppression.fingerprint, JSON.stringify(suppression))
      .expire(key, SUPPRESSION_TTL_SECONDS)
      .exec();
  }

  async suppressions(policy: string): Promise<Suppression[]> {
    const all = await this.redis.hvals(this.key("suppressed", policy));
    return all.map((s) => JSON.parse(s) as Suppression);
  }

  async clearSuppressions(policy: string): Promise<void> {
    await this.redis.del(this.key("suppressed", policy));
  }

  async recordApplied(entry: LedgerEntry, ttlSeconds = LEDGER_TTL_SECONDS): Promise<void> {
    // One key per entry so each expires on its own; a set indexes them per policy.
    const index = this.key("ledger-index", entry.policy);
    await this.redis
      .multi()
      .set(this.ledgerKey(entry.policy, entry.pullRequest), JSON.stringify(entry), "EX", ttlSeconds)
      .sadd(index, String(entry.pullRequest))
      // The index must outlive every entry it lists; expired members are pruned on read.
      .expire(index, Math.max(ttlSeconds, LEDGER_TTL_SECONDS))
      .exec();
  }

  async applied(policy: string): Promise<LedgerEntry[]> {
    const index = this.key("ledger-index", policy);
    const numbers = await this.redis.smembers(index);
    if (numbers.length === 0) return [];
    const values = await this.redis.mget(numbers.map((n) => this.ledgerKey(policy, Number(n))));
    const expired = numbers.filter((_, i) => values[i] === null);
    if (expired.length > 0) await this.redis.srem(index, ...expired);
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as LedgerEntry)
      .sort((a, b) => b.mergedAt.localeCompare(a.mergedAt));
  }

  async forgetApplied(policy: string, pullRequest: number): Promise<void> {
    await this.redis
      .multi()
      .del(this.ledgerKey(policy, pullRequest))
      .srem(this.key("ledger-index", policy), String(pullRequest))
      .exec();
  }

  async countEvent(key: string, windowSeconds: number, nowMs: number): Promise<number> {
    const k = this.key("events", key);
    const result = await this.redis
      .multi()
      .zremrangebyscore(k, "-inf", nowMs - windowSeconds * 1000)
      .zadd(k, nowMs, `${nowMs}:${randomUUID()}`)
      .zcard(k)
      .pexpire(k, windowSeconds * 1000)
      .exec();
    return Number(result?.[2]?.[1] ?? 0);
  }

  async countEvents(key: string, windowSeconds: number, nowMs: number): Promise<number> {
    return this.redis.zcount(this.key("events", key), `(${nowMs - windowSeconds * 1000}`, "+inf");
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }

  private ledgerKey(policy: string, pullRequest: number): string {
    return this.key("ledger", `${policy}#${pullRequest}`);
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }
}
