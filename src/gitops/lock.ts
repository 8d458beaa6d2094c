// One writer per policy at a time, across reconciles, webhook handlers and service replicas.

import type { Store } from "../state/types.js";

/** Long enough for a slow reconcile; a crashed holder's lock expires after it. */
export const POLICY_LOCK_MS = 5 * 60_000;

export type Locked<T> = { busy: false; value: T } | { busy: true };

export async function withPolicyLock<T>(
  store: Store,
  policy: string,
  fn: () => Promise<T>,
  ttlMs = POLICY_LOCK_MS,
): Promise<Locked<T>> {
  const token = await store.acquireLock(`policy:${policy}`, ttlMs);
  if (!token) return { busy: true };
  try {
    return { busy: false, value: await fn() };
  } finally {
    await store.releaseLock(`policy:${policy}`, token);
  }
}
