// The Redis store through an outage of a private redis-server (stopped, then started again empty,
// as a Redis pod without a volume after a reschedule). Once connected the store reconnects for
// as long as the process lives: an outage of several seconds (the old retry window was about
// 1.2 s) leaves a working store behind. During the outage a command fails within a bounded time
// with a message that names Redis (never its password), is never sent later behind its caller's
// back, and close() resolves.

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedisStore, RedisUnavailableError } from "../../src/state/redis.js";
import { type PrivateRedis, startRedis } from "../support/redis-server.js";
import { waitFor } from "../support/wait.js";

const UNAVAILABLE_AFTER_MS = 500;
/**
 * Reconnect attempts that outlast the old retry window (about 1.2 s, after which the store
 * never came back): the fifth is scheduled after the first four delays, 100 + 200 + 400 + 800 ms.
 */
const PAST_OLD_WINDOW = 5;

/** Waits until the store has tried to reconnect `n` times: the outage has lasted that long. */
const outageLasted = (s: RedisStore, n = PAST_OLD_WINDOW) =>
  waitFor(() => s.reconnectAttempts >= n || undefined, `${n} reconnect attempts`);

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
    await outageLasted(store);
    await redis.start();
    const attempts = store.reconnectAttempts;
    await waitFor(() => store.markDelivery(`after-${randomUUID()}`), "the store to work again");
    // Back on the next attempt or the one after (the delay between them is capped).
    expect(store.reconnectAttempts - attempts).toBeLessThanOrEqual(2);
    expect(await store.markDelivery("before")).toBe(true); // the new Redis started empty
    const token = await store.acquireLock("policy:shop/web", 10_000);
    expect(token).toBeDefined();
    expect(await store.releaseLock("policy:shop/web", token as string)).toBe(true);
  });

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
      // Bounded by the wait it names, far below the lock's 60 s or an outage's length.
      expect(ms).toBeGreaterThanOrEqual(UNAVAILABLE_AFTER_MS - 50);
      expect(ms).toBeLessThan(UNAVAILABLE_AFTER_MS + 4000);
    }
    await outageLasted(store); // past the old retry window
    expect((await failure(store.suppressions("shop/web"))).ms).toBeLessThan(UNAVAILABLE_AFTER_MS + 4000);

    await redis.start();
    await waitFor(() => store.countEvents("opened:acme/deploy", 3600, Date.now()), "the store to work again");
    // Nothing that failed above was sent after the reconnect: the lock is free, the delivery
    // is new, no event was counted.
    expect(await store.acquireLock("policy:shop/web", 60_000)).toBeDefined();
    expect(await store.markDelivery("during")).toBe(true);
    expect(await store.countEvents("opened:acme/deploy", 3600, Date.now())).toBe(0);
  });

  it("waits for a connection that comes back within the bound instead of failing", async () => {
    const slow = await RedisStore.connect(redis.url, { unavailableAfterMs: 5000 });
    try {
      await redis.stop();
      const pending = slow.markDelivery("blip");
      await outageLasted(slow, 2); // the command is waiting while the store reconnects
      await redis.start();
      expect(await pending).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("rejects a command Redis never answers after the command timeout, and one whose connection drops at once", async () => {
    const hung = await RedisStore.connect(redis.url, { commandTimeoutMs: 500 });
    // Its command timeout is longer than the test: only the dropped connection can end its command.
    const dropping = await RedisStore.connect(redis.url, { commandTimeoutMs: 120_000 });
    try {
      redis.pause(); // the connection stays open; nothing answers
      const { error, ms } = await failure(hung.markDelivery("hung"));
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as Error).message).toMatch(/is unavailable for markDelivery: no answer within 500 ms$/);
      expect(ms).toBeGreaterThanOrEqual(450);

      // Written at once: the connection is ready, only the server does not answer.
      const inFlight = failure(dropping.acquireLock("policy:shop/web", 60_000));
      await redis.stop(); // the server goes away with the command unanswered
      const dropped = await inFlight;
      expect((dropped.error as Error).message).toMatch(
        /is unavailable for acquireLock: the connection was lost before Redis answered/,
      );
    } finally {
      redis.resume();
      await Promise.all([hung.close(), dropping.close()]);
    }
  });

  it("closes without throwing during an outage, after one, and twice", async () => {
    // A second store rides out the same outage on the same reconnect schedule: once it is back,
    // a closed store that still reconnected would have been back at the same attempt.
    const reference = await RedisStore.connect(redis.url, { unavailableAfterMs: UNAVAILABLE_AFTER_MS });
    try {
      await redis.stop();
      await outageLasted(store); // longer than the old retry window
      await expect(store.close()).resolves.toBeUndefined();
      await expect(store.close()).resolves.toBeUndefined();
      await expect(store.markDelivery("closed")).rejects.toThrow(
        /is unavailable for markDelivery: the store is closed/,
      );
      const attempts = store.reconnectAttempts;
      await redis.start();
      await waitFor(() => reference.markDelivery(`back-${randomUUID()}`), "the reference store to reconnect");
      const probe = new Redis(redis.url);
      try {
        // The probe and the reference store: nobody else.
        expect(
          String(await probe.client("LIST"))
            .trim()
            .split("\n"),
        ).toHaveLength(2);
      } finally {
        probe.disconnect();
      }
      await expect(store.markDelivery("closed")).rejects.toThrow(/the store is closed/);
      expect(store.reconnectAttempts).toBe(attempts);
    } finally {
      await reference.close();
    }

    const other = await RedisStore.connect(redis.url);
    await redis.stop();
    await redis.start();
    await expect(other.close()).resolves.toBeUndefined();
  });

  it("still fails the first connection at once, naming the reason without the password", async () => {
    await redis.stop();
    const t0 = Date.now();
    await expect(RedisStore.connect(`redis://:hunter2@127.0.0.1:${redis.port}`)).rejects.toThrow(
      new RegExp(
        `^cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/?: connect ECONNREFUSED`,
      ),
    );
    // No retry before the first connection: well under the 5 s connect timeout.
    expect(Date.now() - t0).toBeLessThan(4000);
  });
});
