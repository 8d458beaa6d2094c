// The slice of an octokit instance the GitHub forge uses, in octokit's own types: every REST
// route typed by GitHub's description (parameters and answer), GraphQL as octokit types it.
// Probot's context.octokit, a ProbotOctokit and @octokit/rest's Octokit are all one.

import type { Octokit } from "@octokit/rest";
import type { Endpoints } from "@octokit/types";
import { RateLimitError } from "../types.js";

export type GitHubOctokit = Pick<Octokit, "request" | "graphql">;

/** REST routes under /repos/{owner}/{repo}; owner and repo come from the scope. */
export type RepoRoute = Extract<keyof Endpoints, `${string} /repos/{owner}/{repo}${string}`>;
export type RouteParams<R extends RepoRoute> = Omit<Endpoints[R]["parameters"], "owner" | "repo">;

/** One repository as seen through an octokit; `now` (ms) dates rate-limit waits. */
export interface RepoScope {
  octokit: GitHubOctokit;
  owner: string;
  repo: string;
  now?: () => number;
}

/**
 * A REST route of the scope's repository, typed by GitHub's description: its parameters and its
 * answer (data and headers). Rate-limit answers become RateLimitError.
 */
export async function repoRequest<R extends RepoRoute>(
  scope: RepoScope,
  route: R,
  params: RouteParams<R>,
): Promise<Endpoints[R]["response"]> {
  const options = { owner: scope.owner, repo: scope.repo, ...params } as Endpoints[R]["parameters"];
  try {
    // One generic route cannot pick request()'s per-route overload; its answer type is the route's.
    return (await scope.octokit.request(
      route as keyof Endpoints,
      options as never,
    )) as Endpoints[R]["response"];
  } catch (err) {
    throw asRateLimit(err, Math.floor((scope.now ?? Date.now)() / 1000));
  }
}

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/**
 * Turns GitHub's rate-limit answers (403/429 with retry-after, an exhausted primary quota, or a
 * "secondary rate limit" message) into RateLimitError; other errors pass through unchanged.
 * Probot's throttling plugin has already waited and retried by the time one reaches us.
 */
export function asRateLimit(err: unknown, nowSeconds: number): unknown {
  const e = err as HttpError;
  if (e?.status !== 403 && e?.status !== 429) return err;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0)
    return new RateLimitError(`GitHub asked us to retry after ${retryAfter}s`, retryAfter);
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    const wait = Number.isFinite(reset) ? Math.max(1, reset - nowSeconds) : 60;
    return new RateLimitError(`GitHub API rate limit exhausted; resets in ${wait}s`, wait);
  }
  if (/secondary rate limit|abuse/i.test(e.message ?? ""))
    return new RateLimitError("GitHub secondary rate limit hit", 60);
  return err;
}
