// GitHub misbehaving while a proposal is opened: a 502 Bad Gateway, and a 403 secondary rate
// limit with retry-after. Each is waited out — by Probot's retry for the 502, by the control
// loop's requeue after retry-after for the 403 — and exactly one pull request comes of it.

import { describe, expect, it, vi } from "vitest";
import { WEB } from "../app/shop.js";
import { REPOSITORY } from "../fixtures/webhooks/index.js";
import { expectHead, expectInstallation, policySpec } from "../support/costopt-service.js";
import { environment } from "./environment.js";

// GitHub's real pacing (retry, throttling, write spacing), with every exchange checked against
// GitHub's published API description.
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).checkedGitHub(await original()),
);

const env = environment();
const PULLS = `/repos/${REPOSITORY.fullName}/pulls`;

describe("GitHub answering errors", () => {
  it("502 Bad Gateway on opening the PR: retried after a pause, one PR", async () => {
    const { gh, costopt } = env;
    const branch = costopt.branch();
    const attempts: number[] = [];
    gh.scope.on("request", (req: { method: string; path?: string; url?: string }) => {
      const path = req.path ?? new URL(req.url as string).pathname;
      if (req.method === "POST" && path === PULLS) attempts.push(Date.now());
    });
    expectInstallation(gh);
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(branch, []).commit("c".repeat(40)).createRef();
    gh.scope.post(PULLS).reply(502, { message: "Server Error" });
    gh.openPull(1, branch).issueUpdate(1);
    costopt.createPolicy(policySpec());

    const applying = await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
    expect(applying.pullRequest).toMatchObject({ number: 1, branch, state: "open" });
    expect(attempts).toHaveLength(2);
    expect((attempts[1] as number) - (attempts[0] as number)).toBeGreaterThanOrEqual(900);
    // One branch, one commit, one PR; the PR request was simply sent again.
    expect(gh.bodies("createRef")).toHaveLength(1);
    expect(gh.bodies("createPull")).toHaveLength(1);
    await costopt.service.idle(); // status is visible a moment before the Event is recorded
    expect(costopt.reasons()).toEqual(["OptimizationCreated", "PullRequestOpened"]);
  });

  it("403 secondary rate limit with retry-after: the pass stops, resumes after it, one PR", async () => {
    const { gh, costopt } = env;
    const branch = costopt.branch();
    expectInstallation(gh);
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(branch, []).commit("c".repeat(40)).createRef();
    gh.openPull(1, branch, { status: 403, headers: { "retry-after": "1" } });
    // The next pass: the branch exists (422) and is force-updated, then the PR opens once.
    expectHead(gh);
    gh.pulls(branch, []).commit("d".repeat(40)).createRef(422).updateRef(branch);
    gh.openPull(1, branch).issueUpdate(1);
    costopt.createPolicy(policySpec());

    const limited = await costopt.waitForStatus("the rate limit", (s) =>
      /rate-limited/.test(s.message ?? ""),
    );
    const limitedAt = Date.now();
    expect(limited.message).toBe("rate-limited by github: GitHub asked us to retry after 1s; will resume");
    expect(limited.phase).not.toBe("Failed");
    const applying = await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
    expect(Date.now() - limitedAt).toBeGreaterThanOrEqual(900);
    expect(applying.pullRequest).toMatchObject({ number: 1, branch, state: "open" });
    expect(gh.bodies("updateRef")).toEqual([{ sha: "d".repeat(40), force: true }]);
    // Two attempts to open it, one answered: one PR.
    expect(gh.bodies("createPull").map((b) => b.head)).toEqual([branch, branch]);
    await costopt.service.idle(); // status is visible a moment before the Event is recorded
    expect(costopt.reasons()).toEqual(["OptimizationCreated", "PullRequestOpened"]);
  });
});
