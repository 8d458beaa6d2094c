// What the cost check reads and writes on GitHub: the files a pull request changes (one request
// per 100 files) and one completed Check Run. Contents come through GitHubForge.filesAt.

import { asRateLimit, type OctokitLike } from "./octokit.js";

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
  constructor(
    private readonly o: { octokit: OctokitLike; owner: string; repo: string; now?: () => number },
  ) {}

  /** Paths the pull request adds, changes, removes or renames (both names of a rename). */
  async changedFiles(pullNumber: number): Promise<string[]> {
    const out: string[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.guard(() =>
        this.o.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
          owner: this.o.owner,
          repo: this.o.repo,
          pull_number: pullNumber,
          per_page: 100,
          page,
        }),
      );
      const files = res.data as { filename: string; previous_filename?: string }[];
      for (const f of files) out.push(f.filename, ...(f.previous_filename ? [f.previous_filename] : []));
      if (!/rel="next"/.test(String(res.headers.link ?? ""))) break;
    }
    return [...new Set(out)];
  }

  async createCheckRun(run: CheckRun): Promise<void> {
    await this.guard(() =>
      this.o.octokit.request("POST /repos/{owner}/{repo}/check-runs", {
        owner: this.o.owner,
        repo: this.o.repo,
        name: run.name,
        head_sha: run.headSha,
        status: "completed",
        conclusion: run.conclusion,
        output: { title: run.title, summary: run.summary },
      }),
    );
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asRateLimit(err, Math.floor((this.o.now ?? Date.now)() / 1000));
    }
  }
}
