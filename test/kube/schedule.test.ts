// Cron triggers under vitest's fake timers: the clock the triggers read (Date) and the timers
// they arm move together and only when the test advances them, so "fires at 02:00", "fires
// again the next day" and "never fires" are exact statements about a fixed instant.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CronTriggers } from "../../src/kube/schedule.js";

// 100 ms before 02:00 UTC on 2026-11-26.
const START = Date.UTC(2026, 10, 26, 1, 59, 59, 900);
const DAY = 86_400_000;

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Fires recorded as "key@ISO time" so the test reads when each one happened. */
function recorder() {
  const fired: string[] = [];
  const cron = new CronTriggers((k) => fired.push(`${k}@${new Date().toISOString()}`));
  return { fired, cron };
}

describe("cron schedule triggers", () => {
  it("fires at the next matching minute (UTC) and re-arms for the one after", async () => {
    const { fired, cron } = recorder();
    cron.set("shop/frontend", "0 2 * * *");
    cron.set("shop/other", "0 3 * * *");
    expect(cron.next("0 2 * * *")?.toISOString()).toBe("2026-11-26T02:00:00.000Z");

    await vi.advanceTimersByTimeAsync(99);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(["shop/frontend@2026-11-26T02:00:00.000Z"]);

    // Re-armed: the next fire is 02:00 the following day, and only then.
    await vi.advanceTimersByTimeAsync(DAY - 1);
    expect(fired).toHaveLength(2); // shop/other at 03:00 in between
    expect(fired[1]).toBe("shop/other@2026-11-26T03:00:00.000Z");
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([
      "shop/frontend@2026-11-26T02:00:00.000Z",
      "shop/other@2026-11-26T03:00:00.000Z",
      "shop/frontend@2026-11-27T02:00:00.000Z",
    ]);
    expect(cron.size).toBe(2);
    cron.clearAll();
    await vi.advanceTimersByTimeAsync(7 * DAY);
    expect(fired).toHaveLength(3);
  });

  it("waits longer than setTimeout can hold (a yearly schedule) in steps, firing once at the right time", async () => {
    const { fired, cron } = recorder();
    cron.set("shop/yearly", "0 0 1 1 *"); // 2027-01-01, about 36 days away: past the 24.8-day timer limit
    await vi.advanceTimersByTimeAsync(Date.UTC(2027, 0, 1) - START - 1);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(["shop/yearly@2027-01-01T00:00:00.000Z"]);
    await vi.advanceTimersByTimeAsync(364 * DAY);
    expect(fired).toHaveLength(1);
    cron.clearAll();
  });

  it("disarms on a removed or invalid schedule", async () => {
    const { fired, cron } = recorder();
    cron.set("a", "0 2 * * *");
    cron.set("a", undefined);
    cron.set("b", "not a cron");
    expect(cron.size).toBe(0);
    // Past the time "a" would have fired, and a day more.
    await vi.advanceTimersByTimeAsync(2 * DAY);
    expect(fired).toEqual([]);
  });

  it("replaces the timer when the schedule changes", async () => {
    const { fired, cron } = recorder();
    cron.set("a", "0 2 * * *");
    cron.set("a", "30 2 * * *");
    await vi.advanceTimersByTimeAsync(31 * 60_000);
    expect(fired).toEqual(["a@2026-11-26T02:30:00.000Z"]);
    cron.clearAll();
  });
});
