// New resource values written in the author's notation: the old value decides between "750m"
// and 0.75, between "512Mi" and "500M", and between a YAML number and a string.

import { formatCpu, formatMemory, formatMemoryDecimal, quantityStyle } from "../api/quantity.js";

export function cpuValue(millicores: number, raw: unknown): string | number {
  // A YAML number (cpu: 0.5) was written as cores: keep a number of cores. A string keeps its
  // quoting in the patcher and takes the usual notation: a quoted "2" becomes a quoted "750m".
  if (typeof raw === "number") return Math.ceil(millicores) / 1000;
  return formatCpu(millicores);
}

export function memoryValue(bytes: number, raw: unknown): string | number {
  const style = raw === undefined || raw === null ? "binary" : quantityStyle(raw as string | number);
  if (style === "plain") return typeof raw === "number" ? Math.ceil(bytes) : String(Math.ceil(bytes));
  if (style === "decimal") {
    const decimal = formatMemoryDecimal(bytes);
    if (!/^\d+$/.test(decimal)) return decimal;
  }
  return formatMemory(bytes);
}
