import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/state/memory.js";
import { RedisStore, redactUrl } from "../../src/state/redis.js";
import { type LedgerEntry, MONTH_RECORD_TTL_SECONDS, type Store } from "../../src/state/types.js";
import { ManualClock } from "../support/clock.js";
import { waitFor } from "../support/wait.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const DAY = 24 * 3600_000;

function entry(policy: string, pullRequest: number, mergedAt: string): LedgerEntry {
  return {
    policy,
    repository: "acme/deploy",
    pullRequest,
    mergeSha: `sha${pullRequest}`,
    fingerprint: `fp${pullRequest}`,
    mergedAt,
    fields: [{ path: "app.yaml", document: 0, pointer: "/spec/replicas", before: 3, after: 2 }],
  };
}

// The same contract, run against both implementations.
function contract(name: string, make: () => Promise<Store>) {
  describe(`${name} store`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(async () => {
      await store.close();
    });

    it("accepts a delivery id exactly once, even when five arrive at the same moment", async () => {
      const id = randomUUID();
      const results = await Promise.all(Array.from({ length: 5 }, () => store.markDelivery(id)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.markDelivery(id)).toBe(false);
      await store.forgetDelivery(id);
      expect(await store.markDelivery(id)).toBe(true);
    });

    it("gives a lock to one holder and releases it only with the holder's token", async () => {
      const key = `lock-${randomUUID()}`;
      const tokens = await Promise.all([store.acquireLock(key, 10_000), store.acquireLock(key, 10_000)]);
      const winner = tokens.find((t) => t !== undefined);
      expect(tokens.filter((t) => t !== undefined)).toHaveLength(1);
      expect(await store.releaseLock(key, "not-the-token")).toBe(false);
      expect(await store.acquireLock(key, 10_000)).toBeUndefined();
      expect(await store.releaseLock(key, winner as string)).toBe(true);
      expect(await store.acquireLock(key, 10_000)).toBeDefined();
    });

    it("lets an expired lock be taken over and keeps the old holder from releasing the new one", async () => {
      const key = `lock-${randomUUID()}`;
      const first = await store.acquireLock(key, 30);
      expect(await store.acquireLock(key, 10_000)).toBeUndefined(); // still held
      // Taken over as soon as the 30 ms have run out on the store's own clock.
      await waitFor(() => store.acquireLock(key, 10_000), "the expired lock to be free");
      expect(await store.releaseLock(key, first as string)).toBe(false);
      expect(await store.acquireLock(key, 10_000)).toBeUndefined();
    });

    it("remembers suppressed fingerprints per policy until cleared", async () => {
      const policy = `ns/${randomUUID()}`;
      await store.suppress(policy, {
        fingerprint: "a",
        proposed: { "app/cpuRequest": 250 },
        reason: "closed",
        at: "t",
      });
      await store.suppress(policy, {
        fingerprint: "a",
        proposed: { "app/cpuRequest": 250 },
        reason: "ignored",
        at: "t",
      });
      await store.suppress(policy, { fingerprint: "b", proposed: {}, reason: "closed", at: "t" });
      const list = await store.suppressions(policy);
      expect(list.map((s) => s.fingerprint).sort()).toEqual(["a", "b"]);
      expect(list.find((s) => s.fingerprint === "a")?.reason).toBe("ignored");
      expect(await store.suppressions(`ns/${randomUUID()}`)).toEqual([]);
      await store.clearSuppressions(policy);
      expect(await store.suppressions(policy)).toEqual([]);
    });

    it("keeps the ledger newest first, lets entries expire on their own and forgets on request", async () => {
      const policy = `ns/${randomUUID()}`;
      await store.recordApplied(entry(policy, 1, "2026-01-01T00:00:00Z"));
      await store.recordApplied(entry(policy, 2, "2026-01-02T00:00:00Z"));
      await store.recordApplied(entry(policy, 3, "2026-01-03T00:00:00Z"), 1);
      expect((await store.applied(policy)).map((e) => e.pullRequest)).toEqual([3, 2, 1]);
      expect((await store.applied(policy))[0]?.fields[0]?.before).toBe(3);
      // Entry 3 was kept for 1 s: it goes on its own, and the others stay.
      await waitFor(
        async () => ((await store.applied(policy)).length === 2 ? true : undefined),
        "the 1 s entry to expire",
      );
      expect((await store.applied(policy)).map((e) => e.pullRequest)).toEqual([2, 1]);
      await store.forgetApplied(policy, 2);
      expect((await store.applied(policy)).map((e) => e.pullRequest)).toEqual([1]);
    });

    it("counts merged savings per repository and month, once per pull request, until forgotten", async () => {
      const repo = `acme/${randomUUID()}`;
      const saving = (policy: string, pullRequest: number, mergedAt: string, monthlySavings: number) => ({
        policy,
        pullRequest,
        mergedAt,
        monthlySavings,
      });
      await store.recordMergedSaving(repo, saving("ns/a", 1, "2026-11-02T09:00:00Z", 10));
      // A redelivered outcome replaces, never adds.
      await store.recordMergedSaving(repo, saving("ns/a", 1, "2026-11-02T09:00:00Z", 10));
      await store.recordMergedSaving(repo, saving("ns/b", 2, "2026-11-30T23:59:00Z", 5));
      await store.recordMergedSaving(repo, saving("ns/a", 3, "2026-12-01T00:00:00Z", 7));
      await store.recordMergedSaving("acme/other", saving("ns/a", 4, "2026-11-03T00:00:00Z", 99));
      const november = async () =>
        (await store.mergedSavings(repo, "2026-11")).map((m) => [m.policy, m.pullRequest, m.monthlySavings]);
      expect((await november()).sort()).toEqual([
        ["ns/a", 1, 10],
        ["ns/b", 2, 5],
      ]);
      expect((await store.mergedSavings(repo, "2026-12")).map((m) => m.pullRequest)).toEqual([3]);
      await store.forgetMergedSaving(repo, "2026-11", "ns/a", 1);
      expect(await november()).toEqual([["ns/b", 2, 5]]);
    });

    it("counts events in a sliding window", async () => {
      const key = `repo-${randomUUID()}`;
      const t0 = Date.now();
      expect(await store.countEvent(key, 3600, t0)).toBe(1);
      expect(await store.countEvent(key, 3600, t0 + 1000)).toBe(2);
      expect(await store.countEvents(key, 3600, t0 + 1000)).toBe(2);
      expect(await store.countEvents(key, 3600, t0 + 3600_500)).toBe(1);
      expect(await store.countEvent(key, 3600, t0 + 7200_000)).toBe(1);
    });
  });
}

contract("memory", async () => new MemoryStore());
contract("redis", async () => RedisStore.connect(REDIS_URL, { prefix: `costopt-test-${randomUUID()}:` }));

describe("memory store", () => {
  it("forgets expired delivery ids, so a long-running service does not grow without bound", async () => {
    let now = 0;
    const store = new MemoryStore(() => now);
    for (let i = 0; i < 10_000; i++) await store.markDelivery(`d${i}`, 1);
    now = 2000;
    expect(await store.markDelivery("fresh")).toBe(true);
    expect((store as unknown as { deliveries: Map<string, number> }).deliveries.size).toBe(1);
    expect(await store.markDelivery("d1")).toBe(true);
  });
});

describe("a month's merged savings", () => {
  const saving = { policy: "ns/a", pullRequest: 1, mergedAt: "2026-11-01T00:00:00Z", monthlySavings: 10 };

  it("outlive the longest month in memory, and then go", async () => {
    const clock = new ManualClock(Date.parse(saving.mergedAt));
    const store = new MemoryStore(clock.now);
    await store.recordMergedSaving("acme/deploy", saving);
    clock.advance(31 * DAY);
    expect(await store.mergedSavings("acme/deploy", "2026-11")).toHaveLength(1);
    clock.advance(5 * DAY);
    expect(await store.mergedSavings("acme/deploy", "2026-11")).toEqual([]);
  });

  it("expire in Redis a little over a month after the month's last merge", async () => {
    const prefix = `costopt-test-${randomUUID()}:`;
    const store = await RedisStore.connect(REDIS_URL, { prefix });
    const raw = new Redis(REDIS_URL);
    try {
      await store.recordMergedSaving("acme/deploy", saving);
      const ttl = await raw.ttl(`${prefix}merged-month:acme/deploy|2026-11`);
      expect(ttl).toBeGreaterThan(31 * 24 * 3600);
      expect(ttl).toBeLessThanOrEqual(MONTH_RECORD_TTL_SECONDS);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});

describe("redis connection", () => {
  it("fails loudly, without the password, when Redis cannot be reached", async () => {
    await expect(
      RedisStore.connect("redis://:hunter2@127.0.0.1:1", { connectTimeoutMs: 500 }),
    ).rejects.toThrow(/cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect(redactUrl("rediss://u:hunter2@h:6380/0")).toBe("rediss://u:***@h:6380/0");
  });
});
