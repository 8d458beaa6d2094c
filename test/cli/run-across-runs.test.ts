// What one `costopt run` leaves for the next: proposals stay on the branch they target whatever
// is checked out later, and the hourly pull request limit counts what earlier processes opened.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOnce } from "../../src/cli/run.js";
import { LocalForge } from "../../src/forge/local/index.js";
import { commitFiles, makeRepo, sh } from "../forge/local-repo.js";
import { ManualClock } from "../support/clock.js";
import { DEPLOYMENT, deploymentNamed, NOW, POLICY, policyFor, writeWebMetrics } from "./run-fixtures.js";

const isAncestor = (repo: string, a: string, b: string) => {
  try {
    sh(repo, "merge-base", "--is-ancestor", a, b);
    return true;
  } catch {
    return false;
  }
};

describe("costopt run, run after run", () => {
  it("keeps the proposal for main built on main after another branch is checked out and committed to", async () => {
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const work = mkdtempSync(join(tmpdir(), "costopt-run-"));
    const policies = join(work, "policy.yaml");
    writeFileSync(policies, POLICY);
    const metrics = await writeWebMetrics(join(work, "m.om"), ["web"], 300);

    const first = await runOnce({ repo, policies, metrics, now: NOW });
    expect(first.results[0]?.proposal?.action, first.results[0]?.message).toBe("created");

    // A person moves on to a release branch and commits there.
    sh(repo, "checkout", "-q", "-b", "release");
    const releaseCommit = commitFiles(repo, { "k8s/web.yaml": `${DEPLOYMENT}# release tweak\n` }, "release");

    const second = await runOnce({ repo, policies, metrics, now: NOW });
    expect(second.results[0]?.proposal?.action, second.results[0]?.message).toBe("unchanged");
    const [pr] = await new LocalForge({ dir: repo }).allPullRequests();
    expect(pr).toMatchObject({ number: 1, base: "main", state: "open" });
    expect(sh(repo, "rev-parse", "costopt/shop/web-cost^")).toBe(sh(repo, "rev-parse", "main"));
    expect(isAncestor(repo, releaseCommit, "costopt/shop/web-cost")).toBe(false);

    // Asked explicitly to propose against release, the main proposal is still not rebuilt there.
    const third = await runOnce({ repo, policies, metrics, now: NOW, branch: "release" });
    expect(third.results[0]?.message).toBe(
      "#1 targets main, not release (this pass's base); left as is (run with --branch main to update it)",
    );
    expect(isAncestor(repo, releaseCommit, "costopt/shop/web-cost")).toBe(false);

    // Nor is it closed because of what a pass on release found (no usage there).
    const quiet = await writeWebMetrics(join(work, "quiet.om"), ["other"], 300);
    const fourth = await runOnce({ repo, policies, metrics: quiet, now: NOW, branch: "release" });
    expect(fourth.results[0]?.message).toMatch(/; #1 targets main, not release, and is left open$/);
    expect((await new LocalForge({ dir: repo }).allPullRequests())[0]?.state).toBe("open");
  });

  it("holds prHourlyLimit across processes: a second run at once opens nothing more", async () => {
    const names = ["web", "api", "cart"];
    const repo = makeRepo({
      ...Object.fromEntries(names.map((n) => [`k8s/${n}.yaml`, deploymentNamed(n)])),
      ".github/costopt.yml": "prHourlyLimit: 1\n",
    });
    const work = mkdtempSync(join(tmpdir(), "costopt-run-"));
    const policies = join(work, "policies.yaml");
    writeFileSync(policies, names.map((n) => policyFor(n)).join("---\n"));
    const metrics = await writeWebMetrics(join(work, "m.om"), names, 300);
    const clock = new ManualClock();
    // Each run gets its own forge object and in-memory store, as separate processes do.
    const run = () =>
      runOnce(
        { repo, policies, metrics, now: NOW },
        { forge: new LocalForge({ dir: repo, now: clock.date }) },
      );

    const first = await run();
    expect(first.results.map((r) => r.proposal?.action)).toEqual(["created", "limit-hourly", "limit-hourly"]);
    const second = await run();
    expect(second.results.map((r) => r.proposal?.action)).toEqual([
      "unchanged",
      "limit-hourly",
      "limit-hourly",
    ]);
    expect(second.results[1]?.message).toBe("1 pull requests opened in the last hour; waiting");
    expect(await new LocalForge({ dir: repo }).allPullRequests()).toHaveLength(1);

    // An hour later the next one opens.
    clock.advance(3600 * 1000 + 1);
    const later = await run();
    expect(later.results.map((r) => r.proposal?.action)).toEqual(["unchanged", "created", "limit-hourly"]);
  });
});
