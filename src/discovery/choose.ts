// Trying a resolved source's locations in order. Discovery can say where a tool reads values
// (the last Helm value file first, then the earlier ones) but not which file holds the
// workload's block; the manifests locator can. The first location that holds it wins.

import type { ResolvedSource, SourceLocation } from "./types.js";

/** Shaped like the locator's answer (Located | Refused), so locateWorkload fits as is. */
export type Refusal = { ok: false; reason: string };

export type Chosen<T> = { ok: true; location: SourceLocation; value: T } | Refusal;

/**
 * Calls `attempt` on each location, most authoritative first, and returns the first success.
 * When none succeeds, the reason lists every location tried with its own reason.
 */
export async function firstLocationThatHolds<T extends { ok: true }>(
  source: ResolvedSource,
  attempt: (location: SourceLocation) => Promise<T | Refusal> | T | Refusal,
): Promise<Chosen<T>> {
  const failures: string[] = [];
  for (const location of source.locations) {
    const r = await attempt(location);
    if (r.ok) return { ok: true, location, value: r };
    failures.push(`${location.repository.fullName} ${location.path} (${location.role}): ${r.reason}`);
  }
  return {
    ok: false,
    reason: `none of the places ${source.decidedBy} reads holds the workload: ${failures.join("; ")}`,
  };
}
