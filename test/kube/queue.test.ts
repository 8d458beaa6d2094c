// The work queue is driven by gates the test opens and by vitest's fake timers, so every
// ordering and every backoff delay below is exact, whatever the machine is doing.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkQueue } from "../../src/kube/queue.js";

/** A promise the test resolves when it chooses: a worker that is "still running" until then. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

/** Lets every already-settled promise callback run (the queue's bookkeeping is all microtasks). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the per-policy work queue", () => {
  it("never runs one policy twice at once, and runs it once more for changes that arrived meanwhile", async () => {
    const log: string[] = [];
    const gates = [gate(), gate()];
    let running = 0;
    let maxRunning = 0;
    let run = 0;
    const q = new WorkQueue({
      concurrency: 4,
      worker: async (key) => {
        const g = gates[run++] as ReturnType<typeof gate>;
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${key}`);
        await g.wait;
        log.push(`end ${key}`);
        running--;
      },
    });
    q.add("shop/a");
    await settle();
    expect(log).toEqual(["start shop/a"]);
    // Two changes arrive while the first run is in progress: they collapse into one more run.
    q.add("shop/a");
    q.add("shop/a");
    await settle();
    expect(log).toEqual(["start shop/a"]);
    gates[0]?.open();
    await settle();
    expect(log).toEqual(["start shop/a", "end shop/a", "start shop/a"]);
    gates[1]?.open();
    await q.idle();
    expect(log).toEqual(["start shop/a", "end shop/a", "start shop/a", "end shop/a"]);
    expect(maxRunning).toBe(1);
  });

  it("runs different policies in parallel up to the concurrency limit", async () => {
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const q = new WorkQueue({
      concurrency: 2,
      worker: async (key) => {
        started.push(key);
        const g = gate();
        gates.set(key, g);
        await g.wait;
      },
    });
    for (const k of ["a", "b", "c", "d", "e"]) q.add(k);
    await settle();
    expect(started).toEqual(["a", "b"]);
    expect(q.depth).toBe(3);
    gates.get("a")?.open();
    await settle();
    expect(started).toEqual(["a", "b", "c"]);
    for (const k of ["b", "c"]) gates.get(k)?.open();
    await settle();
    expect(started).toEqual(["a", "b", "c", "d", "e"]);
    for (const k of ["d", "e"]) gates.get(k)?.open();
    await q.idle();
    expect(q.depth).toBe(0);
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
    await settle();
    expect(at).toEqual([0]);
    // Each retry comes exactly at its backoff, not a millisecond earlier: 40, then 80, then 160 ms.
    for (const [wait, expected] of [
      [40, [0, 40]],
      [80, [0, 40, 120]],
      [160, [0, 40, 120, 280]],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(at).toHaveLength(expected.length - 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(at).toEqual(expected);
    }
    // It succeeded on the fourth run: no further retry however long we wait.
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(at).toHaveLength(4);
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
    await settle();
    expect(calls).toBe(1);
    expect(q.depth).toBe(1); // the retry is armed
    q.forget("a");
    expect(q.depth).toBe(0);
    // Far past every backoff the retry would have used.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls).toBe(1);
    expect(q.depth).toBe(0);
  });
});
