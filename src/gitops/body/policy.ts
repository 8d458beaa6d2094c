// The policy that asked for this change and every gate's verdict.

import type { CostOptimizationSpec } from "../../api/types.js";
import type { Recommendation } from "../../recommend/types.js";
import { cell, percent } from "./format.js";

export function renderPolicy(policyKey: string, spec: CostOptimizationSpec, rec: Recommendation): string {
  return [
    "### Policy",
    "",
    `\`${policyKey}\`: ${spec.optimizationType}, window ${spec.metricsWindow}, ` +
      `minConfidence ${percent(spec.minConfidence)}, maxRiskLevel ${spec.maxRiskLevel}, ` +
      `maxChangePercent ${spec.maxChangePercent}%, autoApply ${spec.autoApply ? "on" : "off"}, ` +
      `rollbackOnFailure ${spec.rollbackOnFailure ? "on" : "off"}.`,
    "",
    ...rec.decision.reasons.map((r) => `- ${cell(r)}`),
  ].join("\n");
}
