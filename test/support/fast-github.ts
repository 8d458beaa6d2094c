// For service-level tests whose subject is not GitHub's pacing: the GitHub App wiring as
// assemble() builds it, but with the test octokit (no retry waits, no throttling plugin spacing
// writes a second apart), so a proposal opens in milliseconds instead of about five seconds.
// Use it in a test file as:
//   vi.mock("../../src/server/github.js", async (original) =>
//     (await import("../support/fast-github.js")).fastGitHub(await original()));

import { ProbotOctokit } from "probot";
import type * as GitHub from "../../src/server/github.js";
import { contractChecked, TestOctokit } from "../forge/octokit.js";

export function fastGitHub(m: typeof GitHub): typeof GitHub {
  return {
    ...m,
    createGitHub: (o) => m.createGitHub({ ...o, Octokit: TestOctokit }),
  };
}

/**
 * For tests whose subject is GitHub's pacing (retries, throttling, write spacing): the production
 * wiring unchanged but for the contract check on every exchange.
 *   vi.mock("../../src/server/github.js", async (original) =>
 *     (await import("../support/fast-github.js")).checkedGitHub(await original()));
 */
export function checkedGitHub(m: typeof GitHub): typeof GitHub {
  const Octokit = ProbotOctokit.plugin(contractChecked as never) as typeof ProbotOctokit;
  return { ...m, createGitHub: (o) => m.createGitHub({ ...o, Octokit }) };
}
