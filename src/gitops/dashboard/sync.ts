// Keeping the one dashboard issue of a repository in step with the latest rendering: created when
// missing, edited only when its text differs (no edit storms), left closed when a person closed it
// unless the repository's settings ask for it to be reopened.

/** An issue body's first line, whatever its line endings: GitHub keeps a browser edit's CRLF. */
export function firstLine(body: string): string {
  return body.split(/\r?\n/, 1)[0] ?? "";
}

export interface DashboardIssue {
  number: number;
  body: string;
  state: "open" | "closed";
}

/** The forge side of the dashboard (src/forge/github/issues.ts on GitHub). */
export interface DashboardIssues {
  /** costopt's dashboard issue whose body starts with `marker`, open or closed; undefined when none. */
  find(marker: string): Promise<DashboardIssue | undefined>;
  create(title: string, body: string): Promise<DashboardIssue>;
  update(number: number, change: { body?: string; state?: "open" }): Promise<void>;
}

export type DashboardAction = "created" | "updated" | "reopened" | "unchanged" | "left-closed";

export async function syncDashboard(
  issues: DashboardIssues,
  title: string,
  body: string,
  options: { reopen: boolean },
): Promise<{ action: DashboardAction; number: number }> {
  const found = await issues.find(firstLine(body));
  if (!found) return { action: "created", number: (await issues.create(title, body)).number };
  if (found.state === "closed") {
    if (!options.reopen) return { action: "left-closed", number: found.number };
    await issues.update(found.number, { state: "open", ...(found.body !== body ? { body } : {}) });
    return { action: "reopened", number: found.number };
  }
  if (found.body === body) return { action: "unchanged", number: found.number };
  await issues.update(found.number, { body });
  return { action: "updated", number: found.number };
}
