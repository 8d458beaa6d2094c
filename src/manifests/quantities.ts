// New resource values written in the author's notation: the old value decides between "750m"
// and 0.75, between "1000m" and "1", between "512Mi" and "500M", and between a YAML number and a
// string. Quoting is the patcher's business: it keeps the old scalar's quotes and adds none to a
// plain value that reads back as the intended string.

import { formatCpuLike, formatMemoryLike } from "../api/quantity.js";

function original(raw: unknown): string | number | undefined {
  return typeof raw === "string" || typeof raw === "number" ? raw : undefined;
}

export function cpuValue(millicores: number, raw: unknown): string | number {
  // A YAML number (cpu: 0.5) was written as cores: keep a number of cores.
  if (typeof raw === "number") return Math.ceil(millicores) / 1000;
  return formatCpuLike(millicores, original(raw));
}

export function memoryValue(bytes: number, raw: unknown): string | number {
  const written = formatMemoryLike(bytes, original(raw));
  // A YAML number (memory: 536870912) stays a number.
  return typeof raw === "number" && /^\d+$/.test(written) ? Number(written) : written;
}
