// AdmissionReview v1 for CostOptimization: /validate runs every rule of src/api/validation.ts
// and denies with the API server's field-error sentences (kubectl prints them verbatim);
// /mutate answers with the JSONPatch of src/api/defaults.ts. Pure apart from the optional
// label lookup, so the handlers are tested and benchmarked without a network.

import { defaultingPatch } from "../api/defaults.js";
import type { WorkloadKind } from "../api/types.js";
import { type ValidationOptions, type Violation, validatePolicy } from "../api/validation.js";

export interface AdmissionRequest {
  uid: string;
  operation?: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  namespace?: string;
  name?: string;
  object?: unknown;
  oldObject?: unknown;
}

export interface AdmissionReview {
  apiVersion: "admission.k8s.io/v1";
  kind: "AdmissionReview";
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: {
    code: number;
    reason: string;
    message: string;
    details?: { causes: { reason: string; message: string; field: string }[] };
  };
  warnings?: string[];
  patchType?: "JSONPatch";
  patch?: string;
}

/** The target workload's labels, for the protected-labels rule; undefined when unknown. */
export type LabelLookup = (ref: {
  namespace: string;
  kind: WorkloadKind;
  name: string;
}) => Promise<Record<string, string> | undefined>;

export interface AdmissionOptions {
  validation?: Omit<ValidationOptions, "workloadLabels" | "policyNamespace">;
  lookupLabels?: LabelLookup;
}

export class AdmissionError extends Error {}

/** Parses and checks the envelope; a malformed review is a 400, not a denial. */
export function parseReview(body: string): AdmissionReview & { request: AdmissionRequest } {
  let review: AdmissionReview;
  try {
    review = JSON.parse(body) as AdmissionReview;
  } catch {
    throw new AdmissionError("body is not JSON");
  }
  if (review?.kind !== "AdmissionReview" || review.apiVersion !== "admission.k8s.io/v1") {
    throw new AdmissionError("expected an admission.k8s.io/v1 AdmissionReview");
  }
  if (!review.request || typeof review.request.uid !== "string") {
    throw new AdmissionError("AdmissionReview.request.uid is required");
  }
  return review as AdmissionReview & { request: AdmissionRequest };
}

const CAUSE: Record<Violation["type"], string> = {
  Required: "FieldValueRequired",
  Invalid: "FieldValueInvalid",
  Unsupported: "FieldValueNotSupported",
  Forbidden: "FieldValueForbidden",
};

export async function validate(
  req: AdmissionRequest,
  opts: AdmissionOptions = {},
): Promise<AdmissionResponse> {
  if (req.operation === "DELETE" || req.operation === "CONNECT") return { uid: req.uid, allowed: true };
  // An update that leaves spec alone (finalizer, annotations, labels) is never refused: a rule
  // tightened after the policy was stored must not block its finalizer, and so its deletion.
  if (req.operation === "UPDATE" && sameSpec(req.object, req.oldObject))
    return { uid: req.uid, allowed: true };
  const workloadLabels = await lookup(req, opts.lookupLabels);
  const { violations, warnings } = validatePolicy(req.object, {
    ...opts.validation,
    policyNamespace: req.namespace,
    ...(workloadLabels ? { workloadLabels } : {}),
  });
  const out: AdmissionResponse = { uid: req.uid, allowed: violations.length === 0 };
  if (warnings.length) out.warnings = warnings;
  if (violations.length) {
    out.status = {
      code: 422,
      reason: "Invalid",
      message:
        violations.length === 1
          ? (violations[0] as Violation).message
          : `[${violations.map((v) => v.message).join(", ")}]`,
      details: {
        causes: violations.map((v) => ({ reason: CAUSE[v.type], message: v.message, field: v.field })),
      },
    };
  }
  return out;
}

function sameSpec(a: unknown, b: unknown): boolean {
  const spec = (o: unknown) => JSON.stringify((o as { spec?: unknown } | undefined)?.spec ?? null);
  return b !== undefined && spec(a) === spec(b);
}

export function mutate(req: AdmissionRequest): AdmissionResponse {
  if (req.operation !== "CREATE" && req.operation !== "UPDATE") return { uid: req.uid, allowed: true };
  const ops = defaultingPatch(req.object);
  if (!ops.length) return { uid: req.uid, allowed: true };
  return {
    uid: req.uid,
    allowed: true,
    patchType: "JSONPatch",
    patch: Buffer.from(JSON.stringify(ops)).toString("base64"),
  };
}

export function reviewResponse(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response };
}

async function lookup(req: AdmissionRequest, fn: LabelLookup | undefined) {
  if (!fn) return undefined;
  const o = req.object as {
    metadata?: { namespace?: string };
    spec?: { targetWorkload?: Record<string, unknown> };
  };
  const t = o?.spec?.targetWorkload;
  if (!t || typeof t.name !== "string" || typeof t.kind !== "string") return undefined;
  const namespace =
    (typeof t.namespace === "string" && t.namespace) || o.metadata?.namespace || req.namespace;
  if (!namespace) return undefined;
  try {
    return await fn({ namespace, kind: t.kind as WorkloadKind, name: t.name });
  } catch {
    // The workload may not exist yet (policy applied first); the other rules still run.
    return undefined;
  }
}
