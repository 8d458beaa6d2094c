// Polls until a condition holds, for tests of asynchronous loops (watch streams, timers). The
// default limit is long (a loaded machine is slow, not wrong); pass a shorter one only where the
// limit itself is what the test asserts (e.g. "before the lease could have expired").

export async function waitFor<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  stepMs = 20,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
