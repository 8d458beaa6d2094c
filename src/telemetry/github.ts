// Counts GitHub API calls and records the remaining rate limit, by wrapping an Octokit's
// request hook (Probot hands every installation client through here).

import type { Telemetry } from "./metrics.js";

interface HookableOctokit {
  hook: {
    wrap(
      name: "request",
      fn: (request: (o: unknown) => Promise<unknown>, options: { method?: string }) => Promise<unknown>,
    ): void;
  };
}

interface ResponseLike {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  response?: ResponseLike;
}

export function instrumentOctokit(octokit: HookableOctokit, t: Telemetry): void {
  octokit.hook.wrap("request", async (request, options) => {
    const method = options.method ?? "GET";
    try {
      const res = (await request(options)) as ResponseLike;
      record(t, method, res);
      return res;
    } catch (err) {
      // Octokit's RequestError carries the response too; a rate-limited call still counts.
      const e = err as ResponseLike;
      record(t, method, e.response ?? e);
      throw err;
    }
  });
}

function record(t: Telemetry, method: string, res: ResponseLike): void {
  t.githubApiCalls.inc({ method, status: String(res.status ?? "error") });
  const remaining = Number(res.headers?.["x-ratelimit-remaining"]);
  if (Number.isFinite(remaining)) t.githubRateLimitRemaining.set(remaining);
}
