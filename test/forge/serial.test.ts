import { describe, expect, it } from "vitest";
import { SerialQueue } from "../../src/forge/serial.js";

describe("serial writes", () => {
  it("runs one write at a time, spaced by the interval, and survives a failed write", async () => {
    let clock = 1000;
    const slept: number[] = [];
    const queue = new SerialQueue(
      1000,
      () => clock,
      async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    );
    let running = 0;
    let maxRunning = 0;
    const task = (fail: boolean) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      clock += 100;
      await Promise.resolve();
      running--;
      if (fail) throw new Error("boom");
      return clock;
    };
    const results = await Promise.allSettled([
      queue.run(task(false)),
      queue.run(task(true)),
      queue.run(task(false)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(maxRunning).toBe(1);
    expect(slept).toEqual([1000, 1000]);
  });
});
