// A unified diff of two texts, for `costopt run` output and dry runs: the `diff` package's
// structured patch, printed as git prints it (a/ and b/ paths, /dev/null for an absent file).

import { structuredPatch } from "diff";

/** git-style unified diff with 3 lines of context; "" when the texts are equal. null = absent file. */
export function unifiedDiff(path: string, before: string | null, after: string | null, context = 3): string {
  if (before === after) return "";
  const patch = structuredPatch(path, path, before ?? "", after ?? "", undefined, undefined, { context });
  const out = [
    `--- ${before === null ? "/dev/null" : `a/${path}`}`,
    `+++ ${after === null ? "/dev/null" : `b/${path}`}`,
  ];
  for (const h of patch.hunks) {
    // An empty side starts at line 0, as git and GNU diff print it.
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, ...h.lines);
  }
  return `${out.join("\n")}\n`;
}
