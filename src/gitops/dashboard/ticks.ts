// Reading the boxes a person ticked on the dashboard, and the body with them unticked again. Only
// boxes costopt rendered count: a line needs costopt's hidden marker, and the caller still checks
// that the policy it names is one of this repository's.

import type { BoxAction } from "./render.js";

const TICKED = /^(\s*[-*] \[)[xX](\] <!-- costopt:(open|again|recheck-all)(?: ([^\s>]+))? -->)/gm;

export function tickedActions(body: string | null | undefined): BoxAction[] {
  const out: BoxAction[] = [];
  for (const m of (body ?? "").matchAll(TICKED)) {
    const kind = m[3] as BoxAction["kind"];
    if (kind === "recheck-all") out.push({ kind });
    else if (m[4]) out.push({ kind, policy: m[4] });
  }
  return out;
}

/** The body with every costopt box unticked. */
export function untick(body: string): string {
  return body.replace(TICKED, "$1 $2");
}
