// How to undo the change: the exact originals a revert would restore. The revert PR's own table
// (what it puts back) is rendered here too, so both tables read the same way.

import type { FieldChange } from "../../state/types.js";
import { cell, code } from "./format.js";

function show(value: unknown): string {
  return value === undefined ? "(not set)" : cell(code(JSON.stringify(value)));
}

/** One row a field, `before` then `after`, under the given column headings. */
function fieldTable(fields: readonly FieldChange[], headings: [string, string]): string[] {
  const rows = [`| File | Field | ${headings[0]} | ${headings[1]} |`, "|---|---|---|---|"];
  for (const f of fields)
    rows.push(
      `| ${cell(code(f.path))} (doc ${f.document}) | ${cell(code(f.pointer))} | ${show(f.before)} | ${show(f.after)} |`,
    );
  return rows;
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
  out.push("", ...fieldTable(fields, ["Original", "Proposed"]));
  for (const path of createdFiles) out.push(`| ${cell(code(path))} | whole file | (absent) | new file |`);
  return out.join("\n");
}

/**
 * The revert PR's table: each field the merged proposal changed, as it is now (the merged value)
 * and as the revert restores it (the original). `fields` are the merged proposal's changes.
 */
export function renderRestored(fields: readonly FieldChange[], removedFiles: readonly string[] = []): string {
  const out = [
    "### Restored values",
    "",
    ...fieldTable(
      fields.map((f) => ({ ...f, before: f.after, after: f.before })),
      ["Current", "Restored"],
    ),
  ];
  for (const path of removedFiles) out.push(`| ${cell(code(path))} | whole file | present | removed |`);
  return out.join("\n");
}
