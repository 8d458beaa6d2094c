// The Redis store through an outage of a private redis-server (stopped, then started again empty,
// as a Redis pod without a volume after a reschedule). Once connected the store reconnects for
// as long as the process lives: an outage of several seconds (the old retry window was about
// 1.2 s) leaves a working store behind. During the outage a command fails within a bounded time
// with a message that names Redis (never its password), is never sent later behind its caller's
// back, and close() resolves.

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_RECONNECT_DELAY_MS, RedisStore, RedisUnavailableError } from "../../src/state/redis.js";
import { type PrivateRedis, startRedis } from "../support/redis-server.js";
import { waitFor } from "../support/wait.js";

const OUTAGE_MS = 4000;
const UNAVAILABLE_AFTER_MS = 500;

let redis: PrivateRedis;
let store: RedisStore;

beforeEach(async () => {
  redis = await startRedis();
  store = await RedisStore.connect(redis.url, { unavailableAfterMs: UNAVAILABLE_AFTER_MS });
});
afterEach(async () => {
  await store.close();
  await redis.stop();
});

/** What a command the test expects to fail rejected with, and how long it took to. */
async function failure(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
  } catch (error) {
    return { error, ms: Date.now() - t0 };
  }
  throw new Error("the command succeeded during the outage");
}

describe("the Redis store through an outage", () => {
  it("reconnects after Redis was down for several seconds and works again", async () => {
    expect(await store.markDelivery("before")).toBe(true);
    await redis.stop();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await redis.start();
    const back = Date.now();
    // The next reconnect attempt comes at most MAX_RECONNECT_DELAY_MS after Redis is back.
    await waitFor(() => store.markDelivery(`after-${randomUUID()}`), "the store to work again", 10_000);
    expect(Date.now() - back).toBeLessThan(MAX_RECONNECT_DELAY_MS + UNAVAILABLE_AFTER_MS + 1000);
    expect(await store.markDelivery("before")).toBe(true); // the new Redis started empty
    const token = await store.acquireLock("policy:shop/web", 10_000);
    expect(token).toBeDefined();
    expect(await store.releaseLock("policy:shop/web", token as string)).toBe(true);
  }, 20_000);

  it("rejects commands during the outage within a bounded time, with a clear message, and never runs them later", async () => {
    await redis.stop();
    for (const command of [
      () => store.acquireLock("policy:shop/web", 60_000),
      () => store.markDelivery("during"),
      () => store.countEvent("opened:acme/deploy", 3600, Date.now()),
    ]) {
      const { error, ms } = await failure(command());
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^Redis at redis://127\\.0\\.0\\.1:${redis.port}/? is unavailable for \\w+: not reconnected within ${UNAVAILABLE_AFTER_MS} ms; \\w+ was not sent \\(.*ECONNREFUSED.*\\)$`,
        ),
      );
      expect(ms).toBeGreaterThanOrEqual(UNAVAILABLE_AFTER_MS - 50);
      expect(ms).toBeLessThan(UNAVAILABLE_AFTER_MS + 1000);
    }
    await new Promise((r) => setTimeout(r, 1500)); // past the old retry window
    expect((await failure(store.suppressions("shop/web"))).ms).toBeLessThan(UNAVAILABLE_AFTER_MS + 1000);

    await redis.start();
    await waitFor(() => store.countEvents("opened:acme/deploy", 3600, Date.now()), "the store to work again");
    // Nothing that failed above was sent after the reconnect: the lock is free, the delivery
    // is new, no event was counted.
    expect(await store.acquireLock("policy:shop/web", 60_000)).toBeDefined();
    expect(await store.markDelivery("during")).toBe(true);
    expect(await store.countEvents("opened:acme/deploy", 3600, Date.now())).toBe(0);
  }, 20_000);

  it("waits for a connection that comes back within the bound instead of failing", async () => {
    const slow = await RedisStore.connect(redis.url, { unavailableAfterMs: 5000 });
    try {
      await redis.stop();
      const pending = slow.markDelivery("blip");
      await new Promise((r) => setTimeout(r, 300));
      await redis.start();
      expect(await pending).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("rejects a command Redis never answers after the command timeout, and one whose connection drops at once", async () => {
    const hung = await RedisStore.connect(redis.url, { commandTimeoutMs: 500 });
    try {
      redis.pause(); // the connection stays open; nothing answers
      const { error, ms } = await failure(hung.markDelivery("hung"));
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as Error).message).toMatch(/is unavailable for markDelivery: no answer within 500 ms$/);
      expect(ms).toBeLessThan(1500);

      const inFlight = failure(hung.acquireLock("policy:shop/web", 60_000));
      await new Promise((r) => setTimeout(r, 100));
      await redis.stop(); // the server goes away with the command unanswered
      const dropped = await inFlight;
      expect((dropped.error as Error).message).toMatch(
        /is unavailable for acquireLock: the connection was lost before Redis answered/,
      );
      expect(dropped.ms).toBeLessThan(500);
    } finally {
      redis.resume();
      await hung.close();
    }
  });

  it("closes without throwing during an outage, after one, and twice", async () => {
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2000)); // longer than the old retry window
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.markDelivery("closed")).rejects.toThrow(
      /is unavailable for markDelivery: the store is closed/,
    );
    // Once Redis is back, the closed store does not reconnect behind its owner's back.
    await redis.start();
    await new Promise((r) => setTimeout(r, MAX_RECONNECT_DELAY_MS + 500));
    const probe = new Redis(redis.url);
    try {
      expect(
        String(await probe.client("LIST"))
          .trim()
          .split("\n"),
      ).toHaveLength(1);
    } finally {
      probe.disconnect();
    }
    await expect(store.markDelivery("closed")).rejects.toThrow(/the store is closed/);

    const other = await RedisStore.connect(redis.url);
    await redis.stop();
    await redis.start();
    await expect(other.close()).resolves.toBeUndefined();
  }, 20_000);

  it("still fails the first connection at once, naming the reason without the password", async () => {
    await redis.stop();
    const t0 = Date.now();
    await expect(RedisStore.connect(`redis://:hunter2@127.0.0.1:${redis.port}`)).rejects.toThrow(
      new RegExp(
        `^cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/?: connect ECONNREFUSED`,
      ),
    );
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
