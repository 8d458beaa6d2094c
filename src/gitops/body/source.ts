// "Where this change lands": the files that define the workload and why costopt edits those, so a
// reviewer can tell the change goes where Argo CD or Flux actually reads it.

import type { SourceNote } from "../proposals.js";

export function renderSource(source: SourceNote | undefined): string {
  if (!source) return "";
  const lines = ["### Where this change lands", ""];
  const files = source.files.map((f) => `\`${f}\``).join(", ");
  lines.push(files ? `${files}: ${source.explanation}.` : `${source.explanation}.`);
  for (const w of source.warnings) lines.push("", `> [!WARNING]\n> ${w}`);
  return lines.join("\n");
}
