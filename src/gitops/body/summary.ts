// The opening paragraph: what changes, why, and what it saves — readable without scrolling.

import { parseWindow } from "../../api/duration.js";
import type { Recommendation } from "../../recommend/types.js";
import { percent, usd } from "./format.js";
import { describeChange } from "./title.js";

function days(seconds: number): string {
  const d = seconds / 86400;
  return d >= 1 ? `${Math.round(d * 10) / 10} days` : `${Math.round(seconds / 3600)} hours`;
}

export function renderSummary(rec: Recommendation, metricsWindow?: string): string {
  const t = rec.target;
  const window =
    metricsWindow && parseWindow(metricsWindow)
      ? metricsWindow
      : days(rec.evidence.window.end - rec.evidence.window.start);
  const source = rec.evidence.source ? ` from ${rec.evidence.source}` : "";
  const stepped = rec.decision.stepped ? " The change was cut back to the policy's maxChangePercent." : "";
  return (
    `costopt proposes to **${describeChange(rec)}** for ${t.kind} \`${t.namespace}/${t.name}\`, ` +
    `based on ${days(rec.evidence.historySeconds)} of usage (window ${window})${source}. ` +
    `It saves about **${usd(rec.monthlySavings)} a month** (${usd(rec.currentCost)} -> ${usd(rec.optimizedCost)}), ` +
    `with ${percent(rec.confidence.score)} confidence and ${rec.risk.level} risk.${stepped}`
  );
}
