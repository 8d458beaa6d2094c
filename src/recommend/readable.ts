// Memory amounts in text people read (PR bodies, notes, risk factors, status messages).
// formatMemory falls back to a raw byte count when no binary unit is exact, which is right for
// a manifest but unreadable in a sentence ("peak 181609884"), so text goes through here.

import { formatMemory, formatMemoryDecimal } from "../api/quantity.js";

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
