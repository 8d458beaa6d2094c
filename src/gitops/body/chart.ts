// Usage against the current and proposed request as a Mermaid xychart-beta, which GitHub renders
// inline: bars are usage percentiles, the lines are the current and the proposed request.

import type { ContainerRecommendation, Recommendation } from "../../recommend/types.js";

const MiB = 1024 * 1024;

/**
 * The chart shows the table's numbers: CPU rounds up to whole millicores as formatCpu does
 * ("193m", never a bar of 192), memory to whole MiB as measuredMemory does below 1Gi.
 */
const ROUND = { millicores: Math.ceil, MiB: Math.round } as const;

function chart(
  title: string,
  unit: keyof typeof ROUND,
  labels: string[],
  usage: number[],
  current?: number,
  proposed?: number,
) {
  const round = ROUND[unit];
  const top = Math.max(...usage, current ?? 0, proposed ?? 0);
  const lines = [
    "```mermaid",
    "xychart-beta",
    `  title "${title}"`,
    `  x-axis [${labels.join(", ")}]`,
    `  y-axis "${unit}" 0 --> ${Math.ceil(top * 1.1) || 1}`,
    `  bar [${usage.map((u) => round(u)).join(", ")}]`,
  ];
  if (current !== undefined) lines.push(`  line [${labels.map(() => round(current)).join(", ")}]`);
  if (proposed !== undefined) lines.push(`  line [${labels.map(() => round(proposed)).join(", ")}]`);
  lines.push("```");
  return lines.join("\n");
}

function containerCharts(c: ContainerRecommendation): string[] {
  const e = c.evidence;
  if (!e) return [];
  const out: string[] = [];
  if (c.current.cpuRequest !== c.proposed.cpuRequest)
    out.push(
      chart(
        `${c.name}: CPU (millicores)`,
        "millicores",
        ["p50", "p90", "p95", "p99", "max"],
        [e.cpu.p50, e.cpu.p90, e.cpu.p95, e.cpu.p99, e.cpu.max],
        c.current.cpuRequest,
        c.proposed.cpuRequest,
      ),
    );
  if (c.current.memoryRequest !== c.proposed.memoryRequest)
    out.push(
      chart(
        `${c.name}: memory (MiB)`,
        "MiB",
        ["p95", "max"],
        [e.memory.p95 / MiB, e.memory.max / MiB],
        c.current.memoryRequest === undefined ? undefined : c.current.memoryRequest / MiB,
        c.proposed.memoryRequest === undefined ? undefined : c.proposed.memoryRequest / MiB,
      ),
    );
  return out;
}

export function renderChart(rec: Recommendation): string {
  const charts = rec.containers.flatMap(containerCharts);
  if (charts.length === 0) return "";
  return [
    "### Usage",
    "",
    "Bars: usage percentiles over the window. Lines: the current request, then the proposed request.",
    "",
    charts.join("\n\n"),
  ].join("\n");
}
