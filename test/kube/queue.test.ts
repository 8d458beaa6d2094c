import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/kube/queue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the per-policy work queue", () => {
  it("never runs one policy twice at once, and runs it once more for changes that arrived meanwhile", async () => {
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue({
      concurrency: 4,
      worker: async (key) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${key}`);
        await sleep(30);
        log.push(`end ${key}`);
        running--;
      },
    });
    q.add("shop/a");
    await sleep(5);
    q.add("shop/a");
    q.add("shop/a");
    await sleep(5);
    await q.idle();
    expect(log).toEqual(["start shop/a", "end shop/a", "start shop/a", "end shop/a"]);
    expect(maxRunning).toBe(1);
  });

  it("runs different policies in parallel up to the concurrency limit", async () => {
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue({
      concurrency: 2,
      worker: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(20);
        running--;
      },
    });
    for (const k of ["a", "b", "c", "d", "e"]) q.add(k);
    await q.idle();
    expect(maxRunning).toBe(2);
  });

  it("retries a failing policy with doubling delays and reports the depth", async () => {
    const at: number[] = [];
    const depths: number[] = [];
    let fails = 3;
    const start = Date.now();
    const q = new WorkQueue({
      baseBackoffMs: 40,
      onDepth: (d) => depths.push(d),
      worker: async () => {
        at.push(Date.now() - start);
        if (fails-- > 0) throw new Error("boom");
      },
    });
    q.add("a");
    while (at.length < 4) await sleep(10);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(155);
    expect(Math.max(...depths)).toBe(1);
    await q.stop();
  });

  it("forgets a deleted policy's pending retry", async () => {
    let calls = 0;
    const q = new WorkQueue({
      baseBackoffMs: 30,
      worker: async () => {
        calls++;
        throw new Error("boom");
      },
    });
    q.add("a");
    await sleep(10);
    q.forget("a");
    await sleep(80);
    expect(calls).toBe(1);
    expect(q.depth).toBe(0);
  });
});
