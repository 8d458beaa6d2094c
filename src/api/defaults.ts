// Defaults the mutating webhook adds, and the same defaults applied in memory before validation
// (as the API server defaults before it evaluates the CRD's CEL rules).

import type { Operation } from "fast-json-patch";
import { isObject, type Obj } from "./object.js";
import { type CostOptimizationStatus, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "./types.js";

export const SPEC_DEFAULTS = {
  maxChangePercent: 50,
  minConfidence: 0.7,
  dryRun: true,
  autoApply: false,
  rollbackOnFailure: true,
  maxRiskLevel: "MEDIUM",
  metricsWindow: "7d",
} as const;

export const INITIAL_STATUS: CostOptimizationStatus = {
  phase: "Pending",
  appliedOptimizations: 0,
  totalSavings: 0,
};

/** JSON Pointer escaping (RFC 6901). */
const escapePointer = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

/** The RFC 6902 operations that add every missing default, the managed-by label and an initial status. */
export function defaultingPatch(obj: unknown): Operation[] {
  if (!isObject(obj)) return [];
  const ops: Operation[] = [];
  const metadata = obj.metadata;
  if (!isObject(metadata)) {
    ops.push({ op: "add", path: "/metadata", value: { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } } });
  } else if (!isObject(metadata.labels)) {
    ops.push({ op: "add", path: "/metadata/labels", value: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } });
  } else if (metadata.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    ops.push({
      op: "add",
      path: `/metadata/labels/${escapePointer(MANAGED_BY_LABEL)}`,
      value: MANAGED_BY_VALUE,
    });
  }
  if (isObject(obj.spec)) {
    for (const [key, value] of Object.entries(SPEC_DEFAULTS)) {
      if (obj.spec[key] === undefined) ops.push({ op: "add", path: `/spec/${key}`, value });
    }
    if (isObject(obj.spec.source) && obj.spec.source.format === undefined) {
      ops.push({ op: "add", path: "/spec/source/format", value: "auto" });
    }
  }
  if (!isObject(obj.status)) ops.push({ op: "add", path: "/status", value: { ...INITIAL_STATUS } });
  return ops;
}

/** A deep copy of obj with the defaults of defaultingPatch applied. */
export function applyDefaults<T>(obj: T): T {
  const copy = structuredClone(obj) as unknown;
  if (!isObject(copy)) return copy as T;
  for (const op of defaultingPatch(copy)) {
    if (op.op !== "add") continue;
    const keys = op.path
      .slice(1)
      .split("/")
      .map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));
    let target: Obj = copy;
    for (const key of keys.slice(0, -1)) target = target[key] as Obj;
    target[keys[keys.length - 1] as string] = structuredClone(op.value);
  }
  return copy as T;
}
