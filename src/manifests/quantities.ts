// New resource values written in the author's notation: the old value decides between "750m"
// and 0.75, between "512Mi" and "500M", and between a YAML number and a string.

import { formatCpu, formatMemory, formatMemoryDecimal, quantityStyle } from "../api/quantity.js";

function numeric(s: string, raw: unknown): string | number {
  return typeof raw === "number" ? Number(s) : s;
}

export function cpuValue(millicores: number, raw: unknown): string | number {
  const style = raw === undefined || raw === null ? "milli" : quantityStyle(raw as string | number);
  const text = formatCpu(millicores);
  // "0.5" or 1 were written as cores; keep cores, in the same type.
  if (style === "plain") return numeric(String(Math.ceil(millicores) / 1000), raw);
  return /^\d+$/.test(text) ? numeric(text, raw) : text;
}

export function memoryValue(bytes: number, raw: unknown): string | number {
  const style = raw === undefined || raw === null ? "binary" : quantityStyle(raw as string | number);
  if (style === "plain") return numeric(String(Math.ceil(bytes)), raw);
  if (style === "decimal") {
    const decimal = formatMemoryDecimal(bytes);
    if (!/^\d+$/.test(decimal)) return decimal;
  }
  return formatMemory(bytes);
}
