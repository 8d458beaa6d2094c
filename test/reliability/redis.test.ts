// Redis goes away in the middle of a reconcile — as GitHub creates the pull request — and comes
// back empty (no persistence, as a Redis pod without a volume after a reschedule). The pass
// completes on the new Redis; the next pass finds the pull request through its metadata block
// on GitHub (the durable copy) instead of opening it again; webhooks keep working.
// Redis down for several seconds: the pass that was opening the PR fails cleanly (Failed, naming
// Redis), the store reconnects once Redis is back, and the controller's retry finds the PR by its
// metadata instead of opening it again.

import { describe, expect, it, vi } from "vitest";
import { parseMetadata } from "../../src/gitops/metadata.js";
import type { RedisStore } from "../../src/state/redis.js";
import type { FakeGitHub } from "../app/github.js";
import { WEB } from "../app/shop.js";
import { pullRequestClosed, push, REPOSITORY } from "../fixtures/webhooks/index.js";
import {
  expectHead,
  expectInstallation,
  policySpec,
  SERVICE_METADATA_KEY,
} from "../support/costopt-service.js";
import { pull as restPull } from "../support/github-shapes.js";
import { waitFor } from "../support/wait.js";
import { environment } from "./environment.js";

const env = environment();
// GitHub's pacing is not the subject here (see github.test.ts and the e2e test for it).
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).fastGitHub(await original()),
);

describe("Redis stopped in the middle of a run and started again", () => {
  it("keeps working, and opens no duplicate pull request afterwards", async () => {
    const { gh, costopt, redis } = env;
    const branch = costopt.branch();
    const opened = expectOpening(gh, branch);
    // GitHub takes half a second to create the PR; meanwhile Redis is stopped and started again.
    const restarted = new Promise<void>((resolve, reject) => {
      onCreatePull(gh, () => {
        redis
          .stop()
          .then(() => redis.start())
          .then(resolve, reject);
      });
    });
    costopt.createPolicy(policySpec());
    await restarted;
    const applying = await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
    expect(applying.pullRequest).toMatchObject({ number: 1, branch, state: "open" });
    expect(opened).toHaveLength(1);
    // The new Redis knows nothing of the policy: no lock, no ledger, no counters.
    expect(await costopt.store.applied("shop/web-cost")).toEqual([]);

    // A push to master makes the service look again: it finds #1 by its branch and metadata.
    const pr = { number: 1, branch, title: opened[0]?.title, body: opened[0]?.body as string };
    expect(parseMetadata(pr.body, SERVICE_METADATA_KEY)?.policy).toBe("shop/web-cost");
    gh.repoConfig(undefined);
    expectHead(gh);
    gh.pulls(branch, [{ ...pr, headSha: "c".repeat(40), labels: ["cost-optimization", "risk:medium"] }]);
    const writes = costopt.api.writes("/web-cost/status").length;
    expect((await costopt.deliver("push", push({ modified: ["README.md", "k8s/web.yaml"] }))).status).toBe(
      200,
    );
    await costopt.waitForStatus(
      "the second pass",
      () => costopt.api.writes("/web-cost/status").length > writes,
    );
    expect(costopt.status()).toMatchObject({ phase: "Applying", pullRequest: { number: 1, state: "open" } });
    expect(opened).toHaveLength(1);

    // And the merge is recorded once, in the new Redis.
    const merged = pullRequestClosed({ ...pr, merged: true });
    expect((await costopt.deliver("pull_request", merged)).status).toBe(200);
    await costopt.waitForStatus("Applied", (s) => s.phase === "Applied");
    expect(await costopt.store.applied("shop/web-cost")).toEqual([
      expect.objectContaining({ pullRequest: 1 }),
    ]);
    expect(costopt.status()).toMatchObject({ appliedOptimizations: 1, totalSavings: 17.3 });
  });

  it("stays down for several seconds: the pass fails cleanly, the retry finds the pull request, no duplicate", async () => {
    const { gh, costopt, redis } = env;
    const branch = costopt.branch();
    const opened = expectOpening(gh, branch);
    const stopped = new Promise<void>((resolve, reject) => {
      onCreatePull(gh, () => {
        redis.stop().then(resolve, reject);
      });
    });
    costopt.createPolicy(policySpec());
    await stopped;

    // Opened on GitHub, then Redis failed the pass: counting the PR and releasing the lock.
    const failed = await costopt.waitForStatus("Failed", (s) => s.phase === "Failed");
    expect(failed.message).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:\d+\/? is unavailable for \w+: /);
    expect(opened).toHaveLength(1);
    // The outage outlasts the old reconnect window: the store has kept trying past it.
    const store = costopt.store as RedisStore;
    await waitFor(() => store.reconnectAttempts >= PAST_OLD_WINDOW || undefined, "a long outage");

    // Back, empty. The controller's retry reads GitHub again and finds #1 by its branch and metadata.
    const pr = { number: 1, branch, title: opened[0]?.title, body: opened[0]?.body as string };
    expectHead(gh);
    gh.pulls(branch, [{ ...pr, headSha: "c".repeat(40), labels: ["cost-optimization", "risk:medium"] }]);
    await redis.start();
    const applying = await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
    expect(applying.pullRequest).toMatchObject({ number: 1, branch, state: "open" });
    expect(opened).toHaveLength(1);
    expect(costopt.phases()).toEqual(["Analyzing", "Failed", "Applying"]);

    // The merge is recorded once, in the new Redis.
    expect((await costopt.deliver("pull_request", pullRequestClosed({ ...pr, merged: true }))).status).toBe(
      200,
    );
    await costopt.waitForStatus("Applied", (s) => s.phase === "Applied");
    expect(await costopt.store.applied("shop/web-cost")).toEqual([
      expect.objectContaining({ pullRequest: 1 }),
    ]);
    expect(opened).toHaveLength(1);
  });
});

/**
 * Reconnect attempts past the old reconnect window (about 1.2 s, after which the store never came
 * back): the fifth is scheduled after 100 + 200 + 400 + 800 ms of outage.
 */
const PAST_OLD_WINDOW = 5;

/** A new proposal's GitHub calls up to the PR, which takes half a second; returns the PRs opened. */
function expectOpening(gh: FakeGitHub, branch: string): { title: string; body: string }[] {
  const opened: { title: string; body: string }[] = [];
  expectInstallation(gh);
  gh.snapshot({ "k8s/web.yaml": WEB }).pulls(branch, []).commit("c".repeat(40)).createRef();
  gh.scope
    .post(`/repos/${REPOSITORY.fullName}/pulls`, (body) => {
      opened.push(body as { title: string; body: string });
      return true;
    })
    .delay(500)
    .reply(201, restPull({ number: 1, branch, body: "", headSha: "c".repeat(40) }));
  gh.issueUpdate(1);
  return opened;
}

/** Calls `fn` when the request that creates the pull request arrives (before it is answered). */
function onCreatePull(gh: FakeGitHub, fn: () => void): void {
  gh.scope.on("request", (req: { method: string; path?: string; url?: string }) => {
    const path = req.path ?? new URL(req.url as string).pathname;
    if (req.method === "POST" && path.endsWith("/pulls")) fn();
  });
}
