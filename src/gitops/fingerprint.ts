// The fingerprint of an intended change: what it writes, not where it was computed. The same
// proposed values on a newer base give the same fingerprint; any different value gives a new one.

import { createHash } from "node:crypto";
import type { Recommendation, Resources } from "../recommend/types.js";
import type { FieldChange } from "../state/types.js";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function fingerprint(
  policy: string,
  fields: readonly FieldChange[],
  created: readonly { path: string; content: string }[],
): string {
  const canonical = {
    policy,
    fields: fields
      .map((f) => [f.path, f.document, f.pointer, JSON.stringify(f.after ?? null)])
      .sort((a, b) => a.join("\0").localeCompare(b.join("\0"))),
    created: created.map((c) => [c.path, sha256(c.content)]).sort((a, b) => a.join().localeCompare(b.join())),
  };
  return sha256(JSON.stringify(canonical)).slice(0, 16);
}

/**
 * Whether a recommendation differs enough from one a person declined to be proposed again: a
 * field added or dropped, a text value changed, or a number moved by more than `threshold` (share).
 */
export function isMaterialChange(
  declined: Record<string, number | string>,
  proposed: Record<string, number | string>,
  threshold = 0.1,
): boolean {
  const keys = new Set([...Object.keys(declined), ...Object.keys(proposed)]);
  for (const key of keys) {
    const a = declined[key];
    const b = proposed[key];
    if (a === undefined || b === undefined) return true;
    if (typeof a === "number" && typeof b === "number") {
      if (Math.abs(a - b) > threshold * Math.max(Math.abs(a), 1)) return true;
    } else if (a !== b) return true;
  }
  return false;
}

/** The values a recommendation proposes, keyed by "container/resource", to compare with a declined one. */
export function proposedValues(rec: Recommendation): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const c of rec.containers)
    for (const [field, value] of Object.entries(c.proposed))
      if (value !== undefined && value !== c.current[field as keyof Resources])
        out[`${c.name}/${field}`] = value;
  if (rec.replicas && rec.replicas.proposed !== rec.replicas.current) out.replicas = rec.replicas.proposed;
  if (rec.placement) out.placement = "spot";
  if (rec.scheduledScaling) out.schedule = JSON.stringify(rec.scheduledScaling.windows);
  return out;
}
