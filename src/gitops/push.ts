// Which policies a push to the default branch concerns: those whose source.path covers a changed
// file, and those without a source.path (their workload could be anywhere, so any YAML counts).

import type { CostOptimization } from "../api/types.js";

function covers(scope: string, path: string): boolean {
  const dir = scope.replace(/^\.?\/+/, "").replace(/\/+$/, "");
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

export function affectedPolicies(
  policies: readonly CostOptimization[],
  repository: string,
  paths: readonly string[],
): CostOptimization[] {
  return policies.filter((p) => {
    const source = p.spec.source;
    // A policy bound to another repository is not affected by this one's pushes.
    if (source?.repository && source.repository.toLowerCase() !== repository.toLowerCase()) return false;
    return source?.path ? paths.some((path) => covers(source.path as string, path)) : paths.length > 0;
  });
}
