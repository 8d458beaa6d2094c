// What the cost check reads and writes on GitHub: the files a pull request changes (one request
// per 100 files) and one completed Check Run. Contents come through GitHubForge.filesAt.

import { type RepoScope, repoRequest } from "./octokit.js";

export type CheckConclusion = "neutral" | "success" | "failure";

export interface CheckRun {
  name: string;
  headSha: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
}

// GitHub lists at most 3000 files of a pull request.
const MAX_PAGES = 30;

export class GitHubChecks {
  constructor(private readonly scope: RepoScope) {}

  /** Paths the pull request adds, changes, removes or renames (both names of a rename). */
  async changedFiles(pullNumber: number): Promise<string[]> {
    const out: string[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await repoRequest(this.scope, "GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
        pull_number: pullNumber,
        per_page: 100,
        page,
      });
      for (const f of res.data) out.push(f.filename, ...(f.previous_filename ? [f.previous_filename] : []));
      if (!/rel="next"/.test(String(res.headers.link ?? ""))) break;
    }
    return [...new Set(out)];
  }

  async createCheckRun(run: CheckRun): Promise<void> {
    await repoRequest(this.scope, "POST /repos/{owner}/{repo}/check-runs", {
      name: run.name,
      head_sha: run.headSha,
      status: "completed",
      conclusion: run.conclusion,
      output: { title: run.title, summary: run.summary },
    });
  }
}
