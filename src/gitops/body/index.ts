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

/** GitHub rejects bodies over 65,536 characters; the metadata block and a margin must fit too. */
export const MAX_BODY = 65_000;

// When the body is too long, whole sections are given up in this order (chart, evidence,
// assessment, where the change lands, the policy), each replaced by a one-line note; then whole
// blocks from the end of the longest section left. A table or code fence is never cut.
const GIVE_UP = [4, 3, 5, 2, 6];
const LEFT_OUT = "_Left out: the description would exceed GitHub's 65,536-character limit; see the diff._";

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
  const meta = renderMetadata(input.metadata, input.metadataKey);
  return `${withinBudget(sections, MAX_BODY - meta.length - 4)}\n\n${meta}\n`;
}

const join = (sections: string[]) => sections.filter((s) => s !== "").join("\n\n");

/** The sections joined, shortened to `budget` characters by whole sections and whole blocks. */
export function withinBudget(sections: readonly string[], budget: number): string {
  const kept = [...sections];
  for (const i of GIVE_UP) {
    if (join(kept).length <= budget) return join(kept);
    const section = kept[i] ?? "";
    if (section !== "") kept[i] = `${headingOf(section)}${LEFT_OUT}`;
  }
  while (join(kept).length > budget) {
    const longest = kept.reduce((at, s, i) => (s.length > (kept[at] ?? "").length ? i : at), 0);
    const blocks = blocksOf(kept[longest] ?? "");
    if (blocks.length <= 1) {
      kept.splice(longest, 1);
      continue;
    }
    const last = blocks[blocks.length - 1];
    blocks.splice(last === LEFT_OUT ? -2 : -1, 1);
    if (blocks[blocks.length - 1] !== LEFT_OUT) blocks.push(LEFT_OUT);
    kept[longest] = blocks.join("\n\n");
  }
  return join(kept);
}

/** "### Heading\n\n" when the section opens with one. */
function headingOf(section: string): string {
  const first = section.split("\n", 1)[0] ?? "";
  return /^#{1,6} /.test(first) ? `${first}\n\n` : "";
}

/** A section's blocks (paragraphs, tables, lists) split at blank lines, never inside a code fence or <details>. */
export function blocksOf(section: string): string[] {
  const blocks: string[] = [];
  let fence = false;
  let details = 0;
  for (const part of section.split("\n\n")) {
    if (fence || details > 0) blocks[blocks.length - 1] += `\n\n${part}`;
    else blocks.push(part);
    const lines = part.split("\n");
    if (lines.filter((l) => /^\s*(```|~~~)/.test(l)).length % 2 === 1) fence = !fence;
    details += (part.match(/<details>/g) ?? []).length - (part.match(/<\/details>/g) ?? []).length;
  }
  return blocks;
}
