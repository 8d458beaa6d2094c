// One table per container (current -> proposed), plus replicas, placement and scheduled scaling.

import { formatSetting } from "../../api/quantity.js";
import { RESOURCE_FIELDS } from "../../api/types.js";
import type { Recommendation } from "../../recommend/types.js";
import { change, changedFields, code, count, plain, RESOURCE_LABEL } from "./format.js";

/** LowWindow.days: 0 is Sunday. */
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function renderChanges(rec: Recommendation): string {
  const out: string[] = ["### Changes"];
  for (const c of rec.containers) {
    if (changedFields(c.current, c.proposed).length === 0) continue;
    out.push(
      "",
      `**Container ${code(c.name)}**`,
      "",
      "| Resource | Current | Proposed | Change |",
      "|---|---|---|---|",
    );
    for (const f of RESOURCE_FIELDS) {
      const [before, after] = [c.current[f], c.proposed[f]];
      if (before === undefined && after === undefined) continue;
      const mark = before === after ? "" : "**";
      out.push(
        `| ${RESOURCE_LABEL[f]} | ${formatSetting(f, before)} | ${mark}${formatSetting(f, after)}${mark} | ${change(before, after)} |`,
      );
    }
    if (c.notes.length > 0) out.push("", ...c.notes.map((n) => `- ${plain(n)}`));
  }
  const r = rec.replicas;
  if (r && r.proposed !== r.current) {
    const field =
      r.field === "hpa.minReplicas"
        ? `HorizontalPodAutoscaler ${code(r.hpaName ?? "")} minReplicas`
        : "replicas";
    out.push(
      "",
      `**Replicas**: ${field} ${r.current} -> **${r.proposed}** (${change(r.current, r.proposed)})`,
    );
  }
  if (rec.placement) {
    out.push(
      "",
      "**Placement**: run on spot capacity (node affinity and toleration added). Eligibility:",
      "",
    );
    for (const e of rec.placement.eligibility)
      out.push(`- ${e.passed ? "✅" : "❌"} ${plain(e.check)}: ${plain(e.detail)}`);
  }
  const s = rec.scheduledScaling;
  if (s) {
    out.push(
      "",
      `**Scheduled scaling**: a new KEDA ScaledObject, ${code(s.fileName)}, keeps ${count(s.baselineReplicas, "replica")} ` +
        "except in these quiet windows (UTC):",
      "",
    );
    for (const w of s.windows)
      out.push(
        `- ${w.days.map((d) => DAYS[d] ?? d).join(", ")} from ${String(w.startHour).padStart(2, "0")}:00 ` +
          `for ${w.durationHours} h: ${count(w.desiredReplicas, "replica")}`,
      );
  }
  if (out.length === 1) out.push("", "No resource values change.");
  // Workload-level notes from the strategies: why a type did not apply, what a reviewer should check.
  if (rec.notes.length > 0) out.push("", "**Notes**", "", ...rec.notes.map((n) => `- ${plain(n)}`));
  return out.join("\n");
}
