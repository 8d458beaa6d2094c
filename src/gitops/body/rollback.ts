// How to undo the change: the exact originals a revert would restore.

import type { FieldChange } from "../../state/types.js";

function show(value: unknown): string {
  return value === undefined ? "(not set)" : `\`${JSON.stringify(value)}\``;
}

export function renderRollback(
  fields: readonly FieldChange[],
  createdFiles: readonly string[],
  autoRollback: boolean,
) {
  const out = [
    "### Rolling back",
    "",
    "After merging, comment `/costopt rollback` here: costopt opens a pull request that restores exactly these values" +
      " on top of the current default branch (and refuses, with an explanation, if someone changed them since).",
  ];
  if (autoRollback)
    out.push("", "The policy has rollbackOnFailure: a health regression after the merge triggers it too.");
  out.push("", "| File | Field | Original | Proposed |", "|---|---|---|---|");
  for (const f of fields)
    out.push(
      `| \`${f.path}\` (doc ${f.document}) | \`${f.pointer}\` | ${show(f.before)} | ${show(f.after)} |`,
    );
  for (const path of createdFiles) out.push(`| \`${path}\` | whole file | (absent) | new file |`);
  return out.join("\n");
}
