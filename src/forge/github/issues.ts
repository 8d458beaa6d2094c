// The cost dashboard issue on GitHub (src/gitops/dashboard/sync.ts): found by its label, then by
// costopt's marker and a bot author, so a person's issue of the same title is never taken for it.
// One request to find it, one to create or edit it.

import type { DashboardIssue, DashboardIssues } from "../../gitops/dashboard/sync.js";
import { type RepoScope, repoRequest } from "./octokit.js";

export const DASHBOARD_LABEL = "costopt-dashboard";

interface RestIssue {
  number: number;
  body?: string | null;
  state: string;
  pull_request?: unknown;
  user: { type: string } | null;
}

export class GitHubDashboardIssues implements DashboardIssues {
  constructor(private readonly scope: RepoScope) {}

  async find(marker: string): Promise<DashboardIssue | undefined> {
    const { data } = await repoRequest(this.scope, "GET /repos/{owner}/{repo}/issues", {
      labels: DASHBOARD_LABEL,
      state: "all",
      sort: "created",
      direction: "asc",
      per_page: 100,
    });
    const ours = data.find(
      (i) => !i.pull_request && i.user?.type === "Bot" && (i.body ?? "").split("\n")[0] === marker,
    );
    return ours ? toIssue(ours) : undefined;
  }

  async create(title: string, body: string): Promise<DashboardIssue> {
    const { data } = await repoRequest(this.scope, "POST /repos/{owner}/{repo}/issues", {
      title,
      body,
      labels: [DASHBOARD_LABEL],
    });
    return toIssue(data);
  }

  async update(number: number, change: { body?: string; state?: "open" }): Promise<void> {
    await repoRequest(this.scope, "PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
      issue_number: number,
      ...change,
    });
  }
}

function toIssue(i: RestIssue): DashboardIssue {
  return { number: i.number, body: i.body ?? "", state: i.state === "closed" ? "closed" : "open" };
}
