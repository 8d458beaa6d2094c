// The end of a pass over one repository's policies: the dashboard issue rendered from what the
// pass learned and synced once (edited only when its text changed). Opted out with
// `dashboard: false` in .github/costopt.yml; a forge without issues (a local repository) has none.

import type { Forge } from "../../forge/types.js";
import { roundUsd } from "../../recommend/cost.js";
import type { ReconcileResult } from "../../reconcile.js";
import type { Store } from "../../state/types.js";
import type { RepoConfig } from "../config.js";
import { dashboardTitle, renderDashboard } from "./render.js";
import { dashboardRow } from "./rows.js";
import { type DashboardAction, syncDashboard } from "./sync.js";

export { DASHBOARD_TITLE, dashboardTitle, renderDashboard } from "./render.js";
export { dashboardRow } from "./rows.js";

const sameMonth = (a: Date, b: Date) =>
  a.getUTCFullYear() === b.getUTCFullYear() && a.getUTCMonth() === b.getUTCMonth();

/** The dashboard text for these results, with merged savings from the store's ledger. */
export async function dashboardBody(
  results: readonly ReconcileResult[],
  store: Pick<Store, "applied">,
  now: Date,
  cluster?: string,
): Promise<string> {
  let merged = 0;
  const rows = [];
  for (const r of results) {
    const ledger = await store.applied(r.policy);
    for (const e of ledger)
      if (sameMonth(new Date(e.mergedAt), now)) merged = roundUsd(merged + (e.monthlySavings ?? 0));
    rows.push(dashboardRow(r, ledger));
  }
  return renderDashboard(rows, { mergedThisMonth: merged, ...(cluster ? { cluster } : {}) });
}

export async function updateDashboard(
  forge: Pick<Forge, "dashboard">,
  results: readonly ReconcileResult[],
  deps: {
    store: Pick<Store, "applied">;
    now: () => Date;
    config: Pick<RepoConfig, "dashboard" | "dashboardReopen">;
    cluster?: string;
  },
): Promise<DashboardAction | "off"> {
  const issues = forge.dashboard?.();
  // A pass stopped by a rate limit or a busy lock knows too little to rewrite the dashboard.
  if (!issues || !deps.config.dashboard || results.some((r) => r.rateLimited || r.busy)) return "off";
  const body = await dashboardBody(results, deps.store, deps.now(), deps.cluster);
  const title = dashboardTitle(deps.cluster);
  return (await syncDashboard(issues, title, body, { reopen: deps.config.dashboardReopen })).action;
}
