// Number formatting shared by the PR title and body renderers.

import { RESOURCE_FIELDS, type ResourceField } from "../../api/types.js";
import type { Resources } from "../../recommend/types.js";

export const RESOURCE_LABEL: Record<ResourceField, string> = {
  cpuRequest: "CPU request",
  cpuLimit: "CPU limit",
  memoryRequest: "memory request",
  memoryLimit: "memory limit",
};

/** $1,234 for large amounts, $12.50 for small ones: cents matter only when dollars are few. */
export function usd(amount: number): string {
  const n = Math.abs(amount) >= 100 ? Math.round(amount).toLocaleString("en-US") : amount.toFixed(2);
  return `$${n}`;
}

/** "1 replica", "3 replicas". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** "-50%", "+20%", "" when unchanged or not comparable. */
export function change(before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined || before === 0 || before === after) return "";
  const p = Math.round(((after - before) / before) * 100);
  return p > 0 ? `+${p}%` : `${p}%`;
}

export function changedFields(current: Resources, proposed: Resources): ResourceField[] {
  return RESOURCE_FIELDS.filter((f) => current[f] !== proposed[f]);
}

/** Escapes text for a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * An inline code span showing `text` exactly, whatever it holds: the fence is longer than any run
 * of backticks inside, so a container or file name cannot close it and write Markdown of its own.
 */
export function code(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(flat) ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * Text from Git or the cluster in running Markdown (a note, a warning): one line, and no code,
 * emphasis, link, HTML or table syntax of its own.
 */
export function plain(text: string): string {
  return text.replace(/[\\`*_[\]<|~]/g, "\\$&").replace(/[\r\n]+/g, " ");
}
