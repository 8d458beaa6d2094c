// Kubernetes resource quantities <-> numbers. Internally CPU is millicores and memory is
// bytes; quantity strings exist only at the edges and are parsed, formatted for manifests and
// displayed to people (PR bodies, status, the CLI, Events) here only.

import type { ResourceField } from "./types.js";

export class QuantityError extends Error {
  constructor(
    readonly input: unknown,
    reason: string,
  ) {
    super(`invalid quantity ${JSON.stringify(input)}: ${reason}`);
    this.name = "QuantityError";
  }
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

// Same grammar as k8s.io/apimachinery resource.Quantity: sign, digits, optional fraction,
// then a binary suffix, a decimal suffix or a decimal exponent (e/E).
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/** Parses a quantity string (or a plain YAML number) to its value in base units. */
export function parseQuantity(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new QuantityError(input, "not a finite number");
    return input;
  }
  if (typeof input !== "string") throw new QuantityError(input, "expected a string or a number");
  const m = QUANTITY.exec(input.trim());
  if (!m)
    throw new QuantityError(
      input,
      "expected a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, e3...)",
    );
  const [, sign, digits, suffix, exponent] = m;
  let value = Number(digits);
  if (suffix !== undefined) value *= BINARY[suffix] ?? DECIMAL[suffix] ?? Number.NaN;
  if (exponent !== undefined) value *= 10 ** Number(exponent);
  if (!Number.isFinite(value)) throw new QuantityError(input, "out of range");
  return sign === "-" ? -value : value;
}

/** CPU quantity -> millicores, rounded up as the API server does (1 millicore is the finest step). */
export function parseCpu(input: string | number): number {
  const cores = parseQuantity(input);
  if (cores < 0) throw new QuantityError(input, "CPU must not be negative");
  return Math.ceil(Math.round(cores * 1e6) / 1e3);
}

/** Memory quantity -> bytes, rounded up to whole bytes. */
export function parseMemory(input: string | number): number {
  const bytes = parseQuantity(input);
  if (bytes < 0) throw new QuantityError(input, "memory must not be negative");
  return Math.ceil(Math.round(bytes * 1e3) / 1e3);
}

/** Millicores -> the shortest exact string: whole cores as "2", else "750m". */
export function formatCpu(millicores: number): string {
  if (!Number.isFinite(millicores) || millicores < 0) throw new QuantityError(millicores, "not a CPU amount");
  const m = Math.ceil(millicores);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Bytes -> the largest binary unit that expresses the value exactly ("1536Mi", "2Gi"), else bytes. */
export function formatMemory(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new QuantityError(bytes, "not a memory amount");
  const b = Math.ceil(bytes);
  if (b === 0) return "0";
  for (const unit of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"] as const) {
    const size = BINARY[unit] as number;
    if (b % size === 0) return `${b / size}${unit}`;
  }
  return String(b);
}

export type QuantityStyle = "binary" | "decimal" | "plain" | "milli";

/** The notation a quantity string uses, so an edit can keep the author's style. */
export function quantityStyle(input: string | number): QuantityStyle {
  if (typeof input === "number") return "plain";
  const m = QUANTITY.exec(input.trim());
  const suffix = m?.[3];
  if (suffix === undefined) return "plain";
  if (suffix === "m") return "milli";
  return suffix in BINARY ? "binary" : "decimal";
}

/** Formats bytes in decimal units (e.g. "500M") when exact, used to keep a decimal author's style. */
export function formatMemoryDecimal(bytes: number): string {
  const b = Math.ceil(bytes);
  for (const unit of ["E", "P", "T", "G", "M", "k"] as const) {
    const size = DECIMAL[unit] as number;
    if (b % size === 0 && b > 0) return `${b / size}${unit}`;
  }
  return String(b);
}

/**
 * Millicores written in the notation of `original`: an author who writes millicores ("2000m")
 * keeps millicores for whole cores too ("1000m", not "1"); anything else takes formatCpu.
 */
export function formatCpuLike(millicores: number, original?: string | number): string {
  if (original !== undefined && quantityStyle(original) === "milli") {
    if (!Number.isFinite(millicores) || millicores < 0)
      throw new QuantityError(millicores, "not a CPU amount");
    return `${Math.ceil(millicores)}m`;
  }
  return formatCpu(millicores);
}

/**
 * Bytes written in the notation of `original`: plain bytes stay plain, decimal units ("500M")
 * stay decimal when the value is exact in them, and everything else takes binary units.
 */
export function formatMemoryLike(bytes: number, original?: string | number): string {
  const style = original === undefined ? "binary" : quantityStyle(original);
  if (style === "plain") {
    if (!Number.isFinite(bytes) || bytes < 0) throw new QuantityError(bytes, "not a memory amount");
    return String(Math.ceil(bytes));
  }
  if (style === "decimal") {
    const decimal = formatMemoryDecimal(bytes);
    if (!/^\d+$/.test(decimal)) return decimal;
  }
  return formatMemory(bytes);
}

// Memory amounts in text people read (PR bodies, notes, risk factors, status messages).
// formatMemory falls back to a raw byte count when no binary unit is exact, which is right for
// a manifest but unreadable in a sentence ("peak 181609884"), so text goes through here.

const KI = 2 ** 10;
const MI = 2 ** 20;
const GI = 2 ** 30;
const TI = 2 ** 40;

const digitsOnly = (s: string) => /^\d+$/.test(s);

/**
 * A measured amount (working set, peak): exact binary units when exact ("512Mi"), else whole
 * Mi below 1Gi ("721Mi"), else Gi or Ti to one decimal ("1.4Gi"); whole Ki below 1Mi.
 * A measurement is not a setting: a reviewer needs its size, not its last byte.
 */
export function measuredMemory(bytes: number): string {
  const exact = formatMemory(bytes);
  if (!digitsOnly(exact) || bytes < KI) return exact;
  const ki = Math.round(bytes / KI);
  if (ki < 1024) return `${ki}Ki`;
  const mi = Math.round(bytes / MI);
  if (mi < 1024) return `${mi}Mi`;
  if (bytes < TI) return `${(bytes / GI).toFixed(1)}Gi`;
  return `${(bytes / TI).toFixed(1)}Ti`;
}

/**
 * A memory setting (a request or limit), exactly, as a reviewer would write it: binary units
 * ("1536Mi"), else decimal units ("500M"), bytes only when neither is exact.
 */
export function memorySetting(bytes: number): string {
  const binary = formatMemory(bytes);
  if (!digitsOnly(binary) || bytes === 0) return binary;
  return formatMemoryDecimal(bytes);
}

/** A container setting as people read it: CPU as formatCpu, memory as memorySetting; "not set" when absent. */
export function formatSetting(field: ResourceField, value: number | undefined): string {
  if (value === undefined) return "not set";
  return field.startsWith("cpu") ? formatCpu(value) : memorySetting(value);
}
