// "Where this change lands": the files that define the workload and why costopt edits those, so a
// reviewer can tell the change goes where Argo CD or Flux actually reads it; then, per changed
// value, what the targeted root renders now, the layer that sets it, and the file it is written to
// (a new overlay patch, not the shared base it overrides).

import { formatSetting } from "../../api/quantity.js";
import type { LandingRow } from "../../manifests/index.js";
import { code, plain, RESOURCE_LABEL } from "./format.js";

/** Why these files, for the PR body's "Where this change lands". */
export interface SourceNote {
  explanation: string;
  warnings: string[];
  /** The files that define the workload. */
  files: string[];
  /** Each changed value: what the targeted root renders now, which layer sets it, where it is written. */
  landing?: LandingRow[];
}

type Row = NonNullable<SourceNote["landing"]>[number];

function label(r: Row): string {
  const what = r.field === "replicas" ? "replicas" : RESOURCE_LABEL[r.field];
  return r.container !== undefined ? `${code(r.container)} ${what}` : what;
}

function now(r: Row): string {
  if (r.field === "replicas") return r.current === undefined ? "not set (1)" : String(r.current);
  return formatSetting(r.field, r.current);
}

export function renderSource(source: SourceNote | undefined): string {
  if (!source) return "";
  const lines = ["### Where this change lands", ""];
  const files = source.files.map(code).join(", ");
  const why = plain(source.explanation);
  lines.push(files ? `${files}: ${why}.` : `${why}.`);
  const rows = source.landing ?? [];
  const written = [...new Set(rows.map((r) => `${code(r.file)}${r.created ? " (new file)" : ""}`))];
  if (rows.some((r) => !source.files.includes(r.file)))
    lines.push(
      "",
      `The new values are written to ${written.join(", ")}, the layer that decides them for this deployment.`,
    );
  if (rows.length) {
    lines.push("", "| Value | Now | Set in | Written to |", "|---|---|---|---|");
    for (const r of rows)
      lines.push(
        `| ${label(r)} | ${now(r)} | ${plain(r.setIn ?? "nowhere (default)")} | ${plain(r.created ? `${r.file} (new file): ${r.layer}` : r.layer)} |`,
      );
  }
  for (const w of source.warnings) lines.push("", `> [!WARNING]\n> ${plain(w)}`);
  return lines.join("\n");
}
