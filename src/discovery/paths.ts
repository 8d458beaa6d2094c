// Paths as GitOps tools write them ("./apps/web", "apps/web/", "") reduced to one spelling
// relative to the repository root, so the locator and the PR body see the same string.

import { posix } from "node:path";

/** Joins and normalises; undefined when the result would leave the repository. */
export function repoPath(...parts: (string | undefined)[]): string | undefined {
  const joined = posix.normalize(posix.join(".", ...parts.map((p) => (p ?? "").replace(/^\/+/, ""))));
  const clean = joined.replace(/\/+$/, "");
  if (clean === ".." || clean.startsWith("../")) return undefined;
  return clean === "" ? "." : clean;
}
