// Confidence and risk with the factors behind them, so a reviewer can see why, not just a score.

import type { Factor, Recommendation } from "../../recommend/types.js";
import { cell, percent } from "./format.js";

function factors(list: Factor[], format: (score: number) => string): string[] {
  return list.map((f) => `| ${cell(f.name)} | ${format(f.score)} | ${cell(f.detail)} |`);
}

export function renderAssessment(rec: Recommendation): string {
  return [
    "### Confidence and risk",
    "",
    `**Confidence ${percent(rec.confidence.score)}** · **Risk ${rec.risk.level}** (score ${rec.risk.score.toFixed(2)})`,
    "",
    "| Factor | Score | Detail |",
    "|---|---|---|",
    ...factors(rec.confidence.factors, (s) => `confidence ${percent(s)}`),
    ...factors(rec.risk.factors, (s) => `risk +${s.toFixed(2)}`),
  ].join("\n");
}
