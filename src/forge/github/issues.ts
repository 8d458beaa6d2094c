// The cost dashboard issue on GitHub (src/gitops/dashboard/sync.ts): found by its label, then by
// costopt's marker and a bot author, so a person's issue of the same title is never taken for it.
// The lookup rides on the head query the forge sends every pass (DASHBOARD_FIELD), so a pass whose
// dashboard has not changed costs no request of its own; when that query did not carry it (a
// forge that read no head, or one whose token may not read issues) one REST request finds it.
// One request to create or edit it.

import { type DashboardIssue, type DashboardIssues, firstLine } from "../../gitops/dashboard/sync.js";
import { type RepoScope, repoRequest } from "./octokit.js";

export const DASHBOARD_LABEL = "costopt-dashboard";

/** The alias of the head query's dashboard field (its errors name it in their path). */
export const DASHBOARDS_ALIAS = "dashboards";

// Oldest first, as the REST lookup asks: costopt's own dashboard is the first one it created. Issues
// only (GraphQL's `issues` holds no pull requests); the label is ours, never a person's text.
export const DASHBOARD_FIELD = `${DASHBOARDS_ALIAS}: issues(labels: ["${DASHBOARD_LABEL}"], states: [OPEN, CLOSED], first: 100, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { number body state author { __typename } } }`;

/** An issue as DASHBOARD_FIELD selects it. */
export interface GraphDashboardIssue {
  number: number;
  body: string;
  state: "OPEN" | "CLOSED";
  author: { __typename: string } | null;
}

interface RestIssue {
  number: number;
  body?: string | null;
  state: string;
  pull_request?: unknown;
  user: { type: string } | null;
}

/** A labelled issue, open or closed, as both lookups give it. */
interface Candidate extends DashboardIssue {
  byBot: boolean;
}

/**
 * The dashboard issues the forge's last head query listed; undefined while none did. The forge
 * fills it with each head read; this pass's own writes are kept in it too, so a later lookup on
 * the same head sees the issue it created.
 */
export class DashboardSightings {
  private seen: Candidate[] | undefined;

  /** What a head query listed; undefined when it did not carry the field. */
  read(nodes: readonly GraphDashboardIssue[] | undefined): void {
    this.seen = nodes?.map((i) => ({
      number: i.number,
      body: i.body,
      state: i.state === "CLOSED" ? "closed" : "open",
      byBot: i.author?.__typename === "Bot",
    }));
  }

  get listed(): readonly Candidate[] | undefined {
    return this.seen;
  }

  wrote(issue: DashboardIssue): void {
    if (!this.seen) return;
    this.seen = [...this.seen.filter((i) => i.number !== issue.number), { ...issue, byBot: true }];
  }
}

export class GitHubDashboardIssues implements DashboardIssues {
  constructor(
    private readonly scope: RepoScope,
    private readonly sightings = new DashboardSightings(),
  ) {}

  async find(marker: string): Promise<DashboardIssue | undefined> {
    const candidates = this.sightings.listed ?? (await this.search());
    const ours = candidates.find((i) => i.byBot && firstLine(i.body) === marker);
    return ours ? { number: ours.number, body: ours.body, state: ours.state } : undefined;
  }

  /** The REST lookup, for a forge whose head query did not carry the dashboards. */
  private async search(): Promise<Candidate[]> {
    const { data } = await repoRequest(this.scope, "GET /repos/{owner}/{repo}/issues", {
      labels: DASHBOARD_LABEL,
      state: "all",
      sort: "created",
      direction: "asc",
      per_page: 100,
    });
    return data.filter((i) => !i.pull_request).map((i) => ({ ...toIssue(i), byBot: i.user?.type === "Bot" }));
  }

  async create(title: string, body: string): Promise<DashboardIssue> {
    const { data } = await repoRequest(this.scope, "POST /repos/{owner}/{repo}/issues", {
      title,
      body,
      labels: [DASHBOARD_LABEL],
    });
    const created = toIssue(data);
    this.sightings.wrote(created);
    return created;
  }

  async update(number: number, change: { body?: string; state?: "open" }): Promise<void> {
    const { data } = await repoRequest(this.scope, "PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
      issue_number: number,
      ...change,
    });
    this.sightings.wrote(toIssue(data));
  }
}

function toIssue(i: RestIssue): DashboardIssue {
  return { number: i.number, body: i.body ?? "", state: i.state === "closed" ? "closed" : "open" };
}
