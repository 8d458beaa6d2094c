// The PR body, assembled from small renderers (each tested on its own), then the metadata block.

import type { CostOptimizationSpec } from "../../api/types.js";
import type { Recommendation } from "../../recommend/types.js";
import type { FieldChange } from "../../state/types.js";
import { type MetadataKey, type ProposalMetadata, renderMetadata } from "../metadata.js";
import { renderAssessment } from "./assessment.js";
import { renderChanges } from "./changes.js";
import { renderChart } from "./chart.js";
import { renderCommands } from "./commands.js";
import { renderEvidence } from "./evidence.js";
import { renderPolicy } from "./policy.js";
import { renderRollback } from "./rollback.js";
import type { SourceNote } from "./source.js";
import { renderSource } from "./source.js";
import { renderSummary } from "./summary.js";

export interface BodyInput {
  recommendation: Recommendation;
  spec: CostOptimizationSpec;
  policyKey: string;
  fields: readonly FieldChange[];
  createdFiles: readonly string[];
  metadata: ProposalMetadata;
  /** Signs the metadata block. */
  metadataKey: MetadataKey;
  /** Why these files were chosen. */
  source?: SourceNote;
}

/** GitHub rejects bodies over 65,536 characters; charts go first when we must shorten. */
export const MAX_BODY = 65_000;

export function renderBody(input: BodyInput): string {
  const rec = input.recommendation;
  const sections = [
    renderSummary(rec, input.spec.metricsWindow),
    renderChanges(rec),
    renderSource(input.source),
    renderEvidence(rec),
    renderChart(rec),
    renderAssessment(rec),
    renderPolicy(input.policyKey, input.spec, rec),
    renderRollback(input.fields, input.createdFiles, input.spec.rollbackOnFailure),
    renderCommands(),
    "---\n<sub>Opened by costopt. Edits to this description are overwritten on the next update.</sub>",
  ];
  let body = sections.filter((s) => s !== "").join("\n\n");
  const meta = renderMetadata(input.metadata, input.metadataKey);
  if (body.length + meta.length > MAX_BODY)
    body = sections
      .filter((s, i) => s !== "" && i !== 4)
      .join("\n\n")
      .slice(0, MAX_BODY - meta.length - 100);
  return `${body}\n\n${meta}\n`;
}
