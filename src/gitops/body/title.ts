// The PR title: `costopt: <workload> <what> (saves $<n>/mo)` and the labels that go with it.

import type { Recommendation } from "../../recommend/types.js";
import { changedFields, usd } from "./format.js";

/** What the change does, in a few words ("CPU and memory", "replicas 3 -> 2", "spot placement"). */
export function describeChange(rec: Recommendation): string {
  const parts: string[] = [];
  const fields = new Set(rec.containers.flatMap((c) => changedFields(c.current, c.proposed)));
  const cpu = fields.has("cpuRequest") || fields.has("cpuLimit");
  const memory = fields.has("memoryRequest") || fields.has("memoryLimit");
  if (cpu && memory) parts.push("CPU and memory");
  else if (cpu) parts.push("CPU");
  else if (memory) parts.push("memory");
  if (rec.replicas && rec.replicas.proposed !== rec.replicas.current)
    parts.push(
      `${rec.replicas.field === "hpa.minReplicas" ? "HPA minReplicas" : "replicas"} ${rec.replicas.current} -> ${rec.replicas.proposed}`,
    );
  if (rec.placement) parts.push("spot placement");
  if (rec.scheduledScaling) parts.push("scheduled scaling");
  if (parts.length === 0) return "no change";
  // Only a shortage fix is opened without a saving (gates.ts): its title says it raises.
  if (rec.monthlySavings <= 0) return `raise ${parts.join(", ")}`;
  return cpu || memory ? `right-size ${parts.join(", ")}` : parts.join(", ");
}

export function renderTitle(rec: Recommendation): string {
  // A safety increase (memory after OOM kills) costs money; the title says so rather than "saves $-4".
  const money =
    rec.monthlySavings > 0 ? `saves ${usd(rec.monthlySavings)}/mo` : `adds ${usd(-rec.monthlySavings)}/mo`;
  return `costopt: ${rec.target.name} ${describeChange(rec)} (${money})`;
}

export const BASE_LABEL = "cost-optimization";

export function labelsFor(rec: Recommendation): string[] {
  return [BASE_LABEL, `risk:${rec.risk.level.toLowerCase()}`];
}
