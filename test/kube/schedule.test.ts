import { describe, expect, it } from "vitest";
import { CronTriggers } from "../../src/kube/schedule.js";

describe("cron schedule triggers", () => {
  it("fires at the next matching minute (UTC) and re-arms", async () => {
    // 100 ms before 02:00 UTC on the clock the triggers see.
    const now = () => new Date(Date.UTC(2026, 10, 26, 1, 59, 59, 900));
    const fired: string[] = [];
    const cron = new CronTriggers((k) => fired.push(k), now);
    cron.set("shop/frontend", "0 2 * * *");
    cron.set("shop/other", "0 3 * * *");
    expect(cron.next("0 2 * * *")?.toISOString()).toBe("2026-11-26T02:00:00.000Z");
    await new Promise((r) => setTimeout(r, 250));
    cron.clearAll();
    expect(fired[0]).toBe("shop/frontend");
    expect(fired).not.toContain("shop/other");
  });

  it("disarms on a removed or invalid schedule", async () => {
    const now = () => new Date(Date.UTC(2026, 10, 26, 1, 59, 59, 950));
    const fired: string[] = [];
    const cron = new CronTriggers((k) => fired.push(k), now);
    cron.set("a", "0 2 * * *");
    cron.set("a", undefined);
    cron.set("b", "not a cron");
    await new Promise((r) => setTimeout(r, 120));
    expect(fired).toEqual([]);
    expect(cron.size).toBe(0);
  });
});
