// The end of a pass over one repository's policies: the dashboard issue rendered from what the
// pass learned and synced once (edited only when its text changed). Opted out with
// `dashboard: false` in .github/costopt.yml; a forge without issues (a local repository) has none.

import { keyInCluster } from "../../api/refs.js";
import type { Forge } from "../../forge/types.js";
import { roundUsd } from "../../recommend/cost.js";
import type { ReconcileResult } from "../../reconcile.js";
import { monthOf, type Store } from "../../state/types.js";
import type { RepoConfig } from "../config.js";
import { dashboardTitle, renderDashboard } from "./render.js";
import { dashboardRow } from "./rows.js";
import { type DashboardAction, syncDashboard } from "./sync.js";

export { DASHBOARD_TITLE, dashboardTitle, renderDashboard } from "./render.js";
export { dashboardRow } from "./rows.js";

export interface DashboardScope {
  repository: string;
  /** CLUSTER_NAME: this cluster's own dashboard in a shared repository. */
  cluster?: string;
  /** Whether a policy's post-merge health watch is running (serve); without it nothing shows as watching. */
  watching?: (policy: string) => boolean;
}

/** The dashboard text for these results, with this month's merged savings from the store. */
export async function dashboardBody(
  results: readonly ReconcileResult[],
  store: Pick<Store, "mergedSavings">,
  now: Date,
  scope: DashboardScope,
): Promise<string> {
  const month = (await store.mergedSavings(scope.repository, monthOf(now)))
    .filter((m) => keyInCluster(m.policy, scope.cluster))
    .sort((a, b) => b.mergedAt.localeCompare(a.mergedAt));
  const merged = month.reduce((sum, m) => roundUsd(sum + m.monthlySavings), 0);
  const rows = results.map((r) => {
    const latest = month.find((m) => m.policy === r.policy);
    return dashboardRow(
      r,
      latest && { pullRequest: latest.pullRequest, watching: scope.watching?.(r.policy) ?? false },
    );
  });
  return renderDashboard(rows, {
    mergedThisMonth: merged,
    ...(scope.cluster ? { cluster: scope.cluster } : {}),
  });
}

export async function updateDashboard(
  forge: Pick<Forge, "dashboard" | "repository">,
  results: readonly ReconcileResult[],
  deps: {
    store: Pick<Store, "mergedSavings">;
    now: () => Date;
    config: Pick<RepoConfig, "dashboard" | "dashboardReopen">;
  } & Omit<DashboardScope, "repository">,
): Promise<DashboardAction | "off"> {
  const issues = forge.dashboard?.();
  // A pass stopped by a rate limit or a busy lock knows too little to rewrite the dashboard.
  if (!issues || !deps.config.dashboard || results.some((r) => r.rateLimited || r.busy)) return "off";
  const body = await dashboardBody(results, deps.store, deps.now(), {
    repository: forge.repository,
    ...(deps.cluster ? { cluster: deps.cluster } : {}),
    ...(deps.watching ? { watching: deps.watching } : {}),
  });
  const title = dashboardTitle(deps.cluster);
  return (await syncDashboard(issues, title, body, { reopen: deps.config.dashboardReopen })).action;
}
