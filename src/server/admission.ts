// AdmissionReview v1 for CostOptimization: /validate runs every rule of src/api/validation.ts
// and denies with the API server's field-error sentences (kubectl prints them verbatim);
// /mutate answers with the JSONPatch of src/api/defaults.ts. Pure apart from the optional
// label lookup, so the handlers are tested and benchmarked without a network.

import { defaultingPatch } from "../api/defaults.js";
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from "../api/schema.js";
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

/** Far deeper than any CostOptimization (about 8 levels inside the review); the rules recurse. */
const MAX_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than max, measured without recursion. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

const LABEL = new RegExp(DNS1123_LABEL);
const SUBDOMAIN = new RegExp(DNS1123_SUBDOMAIN);

/** Parses and checks the envelope; a malformed review is a 400, not a denial. */
export function parseReview(body: string): AdmissionReview & { request: AdmissionRequest } {
  let review: AdmissionReview;
  try {
    review = JSON.parse(body) as AdmissionReview;
  } catch {
    throw new AdmissionError("body is not JSON");
  }
  if (nestedDeeperThan(review, MAX_DEPTH))
    throw new AdmissionError(`AdmissionReview is nested deeper than ${MAX_DEPTH} levels`);
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
  // Names from the request are checked before they become an API path: the rules deny the rest.
  if (!namespace || namespace.length > 63 || !LABEL.test(namespace)) return undefined;
  if (t.name.length > 253 || !SUBDOMAIN.test(t.name)) return undefined;
  try {
    return await fn({ namespace, kind: t.kind as WorkloadKind, name: t.name });
  } catch {
    // The workload may not exist yet (policy applied first); the other rules still run.
    return undefined;
  }
}
