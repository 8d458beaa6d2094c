// Field errors in the API server's words (k8s.io/apimachinery/pkg/util/validation/field), so
// kubectl, `costopt validate` and the admission webhook all print the same sentence.

export type FieldErrorType = "Required" | "Invalid" | "Unsupported" | "Forbidden";

export interface Violation {
  /** Dotted field path, e.g. "spec.maxChangePercent". */
  field: string;
  type: FieldErrorType;
  value?: unknown;
  detail: string;
  /** The whole sentence: "spec.maxChangePercent: Invalid value: 120: must be between 1 and 100". */
  message: string;
}

/** Renders a value the way the API server does: strings quoted, numbers and booleans bare. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  return JSON.stringify(value);
}

export function required(field: string, detail = ""): Violation {
  return {
    field,
    type: "Required",
    detail,
    message: `${field}: Required value${detail ? `: ${detail}` : ""}`,
  };
}

export function invalid(field: string, value: unknown, detail: string): Violation {
  return {
    field,
    type: "Invalid",
    value,
    detail,
    message: `${field}: Invalid value: ${formatValue(value)}: ${detail}`,
  };
}

export function unsupported(field: string, value: unknown, supported: readonly string[]): Violation {
  const detail = `supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`;
  return {
    field,
    type: "Unsupported",
    value,
    detail,
    message: `${field}: Unsupported value: ${formatValue(value)}: ${detail}`,
  };
}

export function forbidden(field: string, detail: string): Violation {
  return { field, type: "Forbidden", detail, message: `${field}: Forbidden: ${detail}` };
}
