// Reading a chart kept in the repository: which `.Values...resources` feeds the containers of the
// templates that render a workload of the target's kind. Templates are Go text, so this is a
// careful text search, not a render: a chart that computes the path gets no answer here.

import type { HelmChart } from "./types.js";

const VALUES_RESOURCES = /\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.resources\b/g;

/** The literal text after the last template action on the object's metadata.name line ("-redis"). */
function nameSuffix(template: string): string | undefined {
  const m = /^metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:[ \t]*(.*)$/m.exec(template);
  if (!m) return undefined;
  const line = (m[1] as string).trim().replace(/^["']|["']$/g, "");
  const end = line.lastIndexOf("}}");
  return end < 0 ? undefined : line.slice(end + 2).trim();
}

/**
 * The values paths (segments before "resources") read by the chart's templates of `kind` whose
 * object is named <fullname><suffix> ("" for the chart's main workload, "-redis" for a sidecar
 * Deployment named {{ fullname }}-redis).
 */
export function resourcesPathsIn(
  chart: HelmChart,
  kind: string,
  suffix: string,
): { rel: string[]; file: string }[] {
  const out = new Map<string, { rel: string[]; file: string }>();
  const kindLine = new RegExp(`^kind:\\s*["']?${kind}["']?\\s*$`, "m");
  for (const t of chart.templates) {
    if (!kindLine.test(t.content) || (nameSuffix(t.content) ?? "") !== suffix) continue;
    for (const m of t.content.matchAll(VALUES_RESOURCES)) {
      const rel = (m[1] ?? "").split(".").filter(Boolean);
      const key = rel.join(".");
      if (!out.has(key)) out.set(key, { rel, file: t.path });
    }
  }
  return [...out.values()];
}
