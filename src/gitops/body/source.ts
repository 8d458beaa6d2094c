// "Where this change lands": the files that define the workload and why costopt edits those, so a
// reviewer can tell the change goes where Argo CD or Flux actually reads it.

import type { SourceNote } from "../proposals.js";
import { code, plain } from "./format.js";

export function renderSource(source: SourceNote | undefined): string {
  if (!source) return "";
  const lines = ["### Where this change lands", ""];
  const files = source.files.map(code).join(", ");
  const why = plain(source.explanation);
  lines.push(files ? `${files}: ${why}.` : `${why}.`);
  for (const w of source.warnings) lines.push("", `> [!WARNING]\n> ${plain(w)}`);
  return lines.join("\n");
}
