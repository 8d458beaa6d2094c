// The GitHub forge for `costopt run --github OWNER/REPO`, the way Renovate runs from CI: a token
// (GITHUB_TOKEN; a workflow's own token or a PAT) and the API base URL (GITHUB_API_URL, set by
// GitHub Actions, and pointing at GitHub Enterprise's /api/v3 there), on @octokit/rest with the
// retry and throttling plugins. The token is never logged or shown.

import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { GitHubForge } from "./index.js";

export interface CliGitHubOptions {
  /** owner/name */
  repository: string;
  env: Record<string, string | undefined>;
  /** The branch to read and propose against; the repository's default branch when absent. */
  branch?: string;
}

const CliOctokit = Octokit.plugin(retry, throttling);

export function cliGitHubForge(o: CliGitHubOptions): GitHubForge {
  const [owner, repo, extra] = o.repository.split("/");
  if (!owner || !repo || extra !== undefined)
    throw new Error(`--github: expected OWNER/REPO, got ${JSON.stringify(o.repository)}`);
  const token = o.env.GITHUB_TOKEN;
  if (!token) throw new Error("--github needs a token in GITHUB_TOKEN");
  const octokit = new CliOctokit({
    auth: token,
    baseUrl: (o.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: "costopt",
    throttle: {
      // A short wait is retried once; a long one ends the pass cleanly (the forge reports it as
      // a rate limit) and the next scheduled run resumes without duplicates.
      onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= 60,
      onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= 60,
    },
  });
  return new GitHubForge({
    octokit,
    owner,
    repo,
    ...(o.branch ? { branch: o.branch } : {}),
  });
}
