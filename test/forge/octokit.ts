// An octokit like the one Probot hands to handlers, minus the throttle and retry waits that would
// make every test after the first sleep (see DESIGN.md), and with every exchange checked against
// GitHub's published API description (test/support/github-contract.ts).

import { ProbotOctokit } from "probot";
import type { GitHubOctokit } from "../../src/forge/github/octokit.js";
import { record } from "../support/github-contract.js";

interface Hookable {
  hook: {
    wrap: (
      name: string,
      fn: (request: (options: object) => Promise<unknown>, options: object) => Promise<unknown>,
    ) => void;
  };
  request: { endpoint: { parse: (o: object) => { method: string; url: string; body?: unknown } } };
}

interface Answer {
  status: number;
  data?: unknown;
  headers?: Record<string, unknown>;
}

/** An octokit plugin: every request and every answer (errors included) goes through the contract check. */
export function contractChecked(octokit: unknown): object {
  const o = octokit as Hookable;
  o.hook.wrap("request", async (request, options) => {
    const sent = o.request.endpoint.parse(options);
    const req = { method: sent.method, url: sent.url, body: sent.body };
    const answer = (r: Answer) => ({
      status: r.status,
      body: r.data,
      contentType: String(r.headers?.["content-type"] ?? "application/json"),
    });
    try {
      const res = (await request(options)) as Answer;
      record(req, answer(res));
      return res;
    } catch (err) {
      const e = err as { status?: number; message?: string; response?: Answer };
      // nock's own "no match" (a test's missing interceptor) is the test's failure, not GitHub's answer.
      if (/Nock: No match/.test(e.message ?? "")) throw err;
      if (e.response && typeof e.status === "number")
        record(req, answer({ ...e.response, status: e.status }));
      else record(req);
      throw err;
    }
  });
  return {};
}

export const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
  ...o,
  retry: { enabled: false },
  throttle: { ...(o.throttle as object), enabled: false },
})).plugin(contractChecked as never);

export function testOctokit(): GitHubOctokit {
  return new TestOctokit({ auth: { token: "test-token" } });
}
