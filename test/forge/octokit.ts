// An octokit like the one Probot hands to handlers, minus the throttle and retry waits that would
// make every test after the first sleep (see DESIGN.md).

import { ProbotOctokit } from "probot";
import type { OctokitLike } from "../../src/forge/github/octokit.js";

export const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
  ...o,
  retry: { enabled: false },
  throttle: { ...(o.throttle as object), enabled: false },
}));

export function testOctokit(): OctokitLike {
  return new TestOctokit({ auth: { token: "test-token" } }) as unknown as OctokitLike;
}
