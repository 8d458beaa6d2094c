// Two reconciles of one policy at the same moment: two service replicas that each believe they
// lead (two Leases — a split brain, as after a partition that outlived the lease) see the same
// new CostOptimization and reconcile it at once, sharing one Redis. The policy lock lets one
// open the pull request; the other backs off, looks again, and finds it: one PR.

import { describe, expect, it, vi } from "vitest";
import { WEB } from "../app/shop.js";
import { expectInstallation, policySpec } from "../support/costopt-service.js";
import { waitFor } from "../support/wait.js";
import { environment } from "./environment.js";

const env = environment({ startService: false });
// GitHub's pacing is not the subject here (see github.test.ts and the e2e test for it).
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).fastGitHub(await original()),
);

describe("two reconciles of one policy at once", () => {
  it("open one pull request", async () => {
    const { gh } = env;
    const a = await env.start({ leaseName: "costopt-a" });
    const b = await env.start({ api: a.api, leaseName: "costopt-b" });
    expect(a.service.isLeader && b.service.isLeader).toBe(true);
    const branch = a.branch();
    let installations = 0;
    const listings: number[] = [];
    gh.scope.on(
      "request",
      (req: { method: string; path?: string; url?: string }, _i: unknown, body?: string) => {
        const path = req.path ?? new URL(req.url as string).pathname;
        if (path.endsWith("/installation")) installations++;
        // The head query is where a pass lists the branch's PRs.
        if (path === "/graphql" && String(body).includes("defaultBranchRef")) listings.push(Date.now());
      },
    );
    expectInstallation(gh);
    expectInstallation(gh);
    // Which replica was refused the policy lock, seen at the store both replicas share. The
    // holder keeps the lock until the other replica has asked for it, however slow the machine:
    // the two reconciles overlap for certain.
    const refused: string[] = [];
    for (const r of [a, b]) {
      const acquire = r.store.acquireLock.bind(r.store);
      const release = r.store.releaseLock.bind(r.store);
      r.store.acquireLock = async (key, ttlMs) => {
        const token = await acquire(key, ttlMs);
        if (token === undefined) refused.push(key);
        return token;
      };
      r.store.releaseLock = async (key, token) => {
        await waitFor(() => refused.length > 0 || undefined, "the other replica to ask for the lock");
        return release(key, token);
      };
    }
    gh.snapshot({ "k8s/web.yaml": WEB });
    gh.commit("c".repeat(40)).createRef().openPull(1, branch).issueUpdate(1);
    a.createPolicy(policySpec());

    // Both replicas started on it: each looked up the app's installation.
    await waitFor(() => installations === 2 || undefined, "both replicas to reconcile");
    await waitFor(() => gh.bodies("createPull").length === 1 || undefined, "the pull request");
    const [opened] = gh.bodies("createPull");
    // The one that was refused the lock retries and finds the open PR by its branch.
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(branch, [
      {
        number: 1,
        branch,
        title: opened?.title,
        body: opened?.body as string,
        headSha: "c".repeat(40),
        labels: ["cost-optimization", "risk:medium"],
      },
    ]);
    await waitFor(
      () => gh.scope.pendingMocks().length === 0 || undefined,
      "the second replica's look",
      20_000,
    );
    await Promise.all([a.service.idle(), b.service.idle()]);
    // The lock was contended exactly once, and the refused replica looked again after its
    // requeue: two looks at the branch in all, one pull request.
    expect(refused).toEqual(["policy:shop/web-cost"]);
    expect(listings).toHaveLength(2);
    expect(a.status()).toMatchObject({ phase: "Applying", pullRequest: { number: 1, branch } });
    expect(gh.bodies("createPull")).toHaveLength(1);
    expect(gh.bodies("createRef")).toHaveLength(1);
    expect(a.reasons().filter((r) => r === "PullRequestOpened")).toHaveLength(1);
  });
});
