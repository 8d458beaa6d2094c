// The policy that asked for this change, every gate's verdict, and what maxChangePercent cut
// back (said apart from the gates: a step is the policy at work, not a check that failed).

import type { CostOptimizationSpec } from "../../api/types.js";
import type { Recommendation } from "../../recommend/types.js";
import { code, percent, plain } from "./format.js";

export function renderPolicy(policyKey: string, spec: CostOptimizationSpec, rec: Recommendation): string {
  const out = [
    "### Policy",
    "",
    `${code(policyKey)}: ${spec.optimizationType}, window ${spec.metricsWindow}, ` +
      `minConfidence ${percent(spec.minConfidence)}, maxRiskLevel ${spec.maxRiskLevel}, ` +
      `maxChangePercent ${spec.maxChangePercent}%, autoApply ${spec.autoApply ? "on" : "off"}, ` +
      `rollbackOnFailure ${spec.rollbackOnFailure ? "on" : "off"}.`,
    "",
    ...rec.decision.checks.map((c) => `- ${c.passed ? "✅" : "❌"} ${plain(c.detail)}`),
  ];
  if (rec.decision.steps.length > 0)
    out.push("", "Cut back to maxChangePercent:", "", ...rec.decision.steps.map((s) => `- ${plain(s)}`));
  return out.join("\n");
}
