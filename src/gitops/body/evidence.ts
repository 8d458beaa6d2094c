// The usage the numbers came from, per container: percentiles, samples, coverage, OOMs, restarts.

import { formatCpu, measuredMemory } from "../../api/quantity.js";
import type { Recommendation } from "../../recommend/types.js";
import { cell, code, percent, plain } from "./format.js";

function date(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/:\d\d\.\d+Z$/, "Z");
}

export function renderEvidence(rec: Recommendation): string {
  const e = rec.evidence;
  const out = [
    "### Evidence",
    "",
    `Window ${date(e.window.start)} to ${date(e.window.end)}, resolution ${e.stepSeconds}s` +
      `${e.source ? `, source ${plain(e.source)}` : ""}.`,
    "",
    "| Container | CPU p50 / p90 / p95 / p99 / max | Memory p95 / max | Samples | Coverage | OOM kills | Restarts |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const c of rec.containers) {
    const v = c.evidence;
    if (!v) {
      out.push(`| ${cell(code(c.name))} | no data | no data | 0 | 0% | - | - |`);
      continue;
    }
    const cpu = [v.cpu.p50, v.cpu.p90, v.cpu.p95, v.cpu.p99, v.cpu.max].map(formatCpu).join(" / ");
    const mem = [v.memory.p95, v.memory.max].map(measuredMemory).join(" / ");
    out.push(
      `| ${cell(code(c.name))} | ${cpu} | ${mem} | ${v.samples} | ${percent(v.coverage)} | ${v.oomKills} | ${v.restarts} |`,
    );
  }
  return out.join("\n");
}
