// PodDisruptionBudget arithmetic, as the disruption controller does it (percentages round up).

import type { IntOrPercent, PdbState } from "./types.js";

function resolve(value: IntOrPercent, replicas: number): number {
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value.trim());
  if (m) return Math.ceil((Number(m[1]) / 100) * replicas);
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** How many pods an eviction may take down at once with `replicas` healthy pods. */
export function allowedDisruptions(pdb: PdbState | undefined, replicas: number): number {
  if (!pdb) return replicas;
  if (pdb.minAvailable !== undefined) return Math.max(0, replicas - resolve(pdb.minAvailable, replicas));
  if (pdb.maxUnavailable !== undefined)
    return Math.max(0, Math.min(replicas, resolve(pdb.maxUnavailable, replicas)));
  return replicas;
}

/** Upper bound for the search below: no real workload is this large, and it bounds a 100% PDB. */
const SEARCH_LIMIT = 10_000;

/**
 * The fewest replicas the PDB accepts: with `keepOneDisruption`, enough that a node drain can
 * still evict one pod (a PDB at its floor blocks every drain). Undefined when no count works
 * (e.g. minAvailable 100%).
 */
export function pdbReplicaFloor(pdb: PdbState | undefined, keepOneDisruption: boolean): number | undefined {
  if (!pdb) return 1;
  const needed = keepOneDisruption ? 1 : 0;
  for (let n = 1; n <= SEARCH_LIMIT; n++) {
    if (pdb.minAvailable !== undefined && n < resolve(pdb.minAvailable, n)) continue;
    if (allowedDisruptions(pdb, n) >= needed) return n;
  }
  return undefined;
}

/**
 * The fewest replicas any strategy may propose: the policy's minReplicas when set; otherwise
 * 2 for a workload running 2 or more today (one pod is an outage on every restart, and four
 * pods' bursts on one pod are not the same load), else 1; never below what the PDB needs.
 * Undefined when no count satisfies the PDB.
 */
export function replicaFloor(
  minReplicas: number | undefined,
  current: number,
  pdb: PdbState | undefined,
  keepOneDisruption: boolean,
): number | undefined {
  const pdbFloor = pdbReplicaFloor(pdb, keepOneDisruption);
  if (pdbFloor === undefined) return undefined;
  const policy = minReplicas ?? (current >= 2 ? 2 : 1);
  return Math.max(1, policy, pdbFloor);
}
