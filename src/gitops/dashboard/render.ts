// The dashboard issue's body: totals, a Mermaid chart of savings per namespace, one section per
// namespace with a row per policy, and the boxes a person ticks to act. Pure and free of times,
// so an unchanged repository renders the same text and the issue is not edited.

import { cell, code, percent, plain, usd } from "../body/format.js";
import { type DashboardRow, liftableGate, type RowState } from "./rows.js";

export const DASHBOARD_TITLE = "costopt: cost dashboard";
/** Marks costopt's own dashboard (a person's issue of the same title is not it). */
export const DASHBOARD_MARKER = "<!-- costopt:dashboard -->";

// Clusters sharing a repository (CLUSTER_NAME) each keep their own dashboard, or they would
// rewrite one issue in turn.
export function dashboardTitle(cluster?: string): string {
  return cluster ? `${DASHBOARD_TITLE} (${cluster})` : DASHBOARD_TITLE;
}

/** The first line of the dashboard's body, which names its cluster. */
export function dashboardMarker(cluster?: string): string {
  return cluster ? `<!-- costopt:dashboard cluster=${cluster} -->` : DASHBOARD_MARKER;
}

export interface DashboardTotals {
  /** USD per month costopt's pull requests merged this calendar month (UTC) are saving. */
  mergedThisMonth: number;
  /** CLUSTER_NAME, when several clusters share the repository. */
  cluster?: string;
}

/** The action a box asks for, and the hidden marker that names it in the body. */
export type BoxAction =
  | { kind: "open"; policy: string }
  | { kind: "again"; policy: string }
  | { kind: "recheck-all" };

export function boxMarker(a: BoxAction): string {
  return a.kind === "recheck-all" ? "<!-- costopt:recheck-all -->" : `<!-- costopt:${a.kind} ${a.policy} -->`;
}

function box(a: BoxAction, label: string): string {
  return `- [ ] ${boxMarker(a)} ${label}`;
}

function stateText(s: RowState): string {
  switch (s.kind) {
    case "open":
      return `PR #${s.pullRequest} open`;
    case "merged":
      return `merged (#${s.pullRequest})${s.watching ? ", watching" : ""}`;
    case "held-back":
      return `held back by ${s.gates.join(", ")}: ${plain(s.reason)}`;
    case "dry-run":
      return "dry run";
    case "suppressed":
      return `suppressed after a close: ${plain(s.reason)}`;
    case "failed":
      return `failed: ${plain(s.reason)}`;
    case "fits":
      return "fits its usage";
  }
}

const money = (v: number | undefined) => (v === undefined ? "—" : usd(v));

/** Each workload counted once (several policies may target it), at its largest saving. */
function perWorkload(rows: readonly DashboardRow[]): DashboardRow[] {
  const best = new Map<string, DashboardRow>();
  for (const r of rows) {
    const key = `${r.namespace}/${r.workload}`;
    const known = best.get(key);
    if (!known || (r.saving ?? 0) > (known.saving ?? 0)) best.set(key, r);
  }
  return [...best.values()];
}

const available = (r: DashboardRow) =>
  r.state.kind !== "merged" && r.state.kind !== "failed" && (r.saving ?? 0) > 0 ? (r.saving ?? 0) : 0;

export function renderDashboard(rows: readonly DashboardRow[], totals: DashboardTotals): string {
  const workloads = perWorkload(rows);
  const monthly = workloads.reduce((s, r) => s + (r.currentCost ?? 0), 0);
  const savings = workloads.reduce((s, r) => s + available(r), 0);
  const namespaces = [...new Set(rows.map((r) => r.namespace))].sort();
  const out = [
    dashboardMarker(totals.cluster),
    "costopt keeps this issue up to date with every policy of this repository. Tick a box to act on it; only people with write access to the repository can, and the policy's other gates still apply.",
    "",
    `**Monthly cost:** ${usd(monthly)} · **Savings available:** ${usd(savings)}/mo · **Savings merged this month:** ${usd(totals.mergedThisMonth)}/mo`,
    "",
  ];
  const slices = namespaces
    .map(
      (ns) =>
        [ns, workloads.filter((r) => r.namespace === ns).reduce((s, r) => s + available(r), 0)] as const,
    )
    .filter(([, v]) => v > 0);
  if (slices.length > 0)
    out.push(
      "```mermaid",
      "pie showData title Savings available per namespace (USD/month)",
      // Namespace names are DNS labels; the quote is stripped anyway so no name can end the string.
      ...slices.map(([ns, v]) => `  "${ns.replace(/"/g, "")}" : ${v.toFixed(2)}`),
      "```",
      "",
    );
  for (const ns of namespaces) {
    const mine = rows.filter((r) => r.namespace === ns).sort((a, b) => a.policy.localeCompare(b.policy));
    out.push(
      `## Namespace ${code(ns)}`,
      "",
      "| Policy | Workload | Current $/mo | Recommended $/mo | Saving | State | Confidence | Risk |",
      "|---|---|---:|---:|---:|---|---:|---|",
      ...mine.map(
        (r) =>
          `| ${code(r.policy)} | ${cell(r.workload || "—")} | ${money(r.currentCost)} | ${money(r.recommendedCost)} | ${money(r.saving)} | ${cell(stateText(r.state))} | ${r.confidence === undefined ? "—" : percent(r.confidence)} | ${r.risk ?? "—"} |`,
      ),
      "",
    );
    const boxes = mine.flatMap((r) => {
      const gate = liftableGate(r);
      if (gate)
        return [
          box(
            { kind: "open", policy: r.policy },
            `open this pull request now: ${code(r.policy)} (lifts ${gate} for this pull request)`,
          ),
        ];
      if (r.state.kind === "suppressed")
        return [box({ kind: "again", policy: r.policy }, `propose again: ${code(r.policy)}`)];
      return [];
    });
    if (boxes.length > 0) out.push(...boxes, "");
  }
  if (rows.length === 0) out.push("No policy targets this repository yet.", "");
  out.push("---", "", box({ kind: "recheck-all" }, "recheck everything"), "");
  return out.join("\n");
}
