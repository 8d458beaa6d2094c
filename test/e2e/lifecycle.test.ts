// The whole service end to end, assembled from its configuration as `costopt serve` is: the
// Kubernetes API test double holds the CostOptimization and the live Deployment, a real
// Prometheus holds a week of generated usage ending at the fixed instant the service's clock
// starts at (so confidence and savings are the same whenever the test runs), a real
// redis-server of its own holds state (the shared one at 127.0.0.1:6379 would carry the
// repository's hourly PR count from run to run), GitHub is nock with Probot's own octokit and
// 1 s between writes, as in production.
// CR created -> PR opened -> merge webhook -> Applied -> OOM kills after the change went live
// -> revert PR -> revert merged -> (waits for the sync) live -> RolledBack.

import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseMetadata } from "../../src/gitops/metadata.js";
import { specMismatches, type Workload } from "../../src/kube/workload.js";
import { BASE_SHA, FakeGitHub, TREE_SHA, treeShaFor } from "../app/github.js";
import { WEB } from "../app/shop.js";
import { pullRequestClosed, REPOSITORY } from "../fixtures/webhooks/index.js";
import {
  DEPLOYMENTS,
  expectInstallation,
  expectProposal,
  policySpec,
  RunningCostopt,
  SERVICE_METADATA_KEY,
  webDeployment,
} from "../support/costopt-service.js";
import type { RunningPrometheus } from "../support/prometheus.js";
import { type PrivateRedis, startRedis } from "../support/redis-server.js";
import { startUsagePrometheus } from "../support/usage-prometheus.js";
import { waitFor } from "../support/wait.js";
import { pod } from "../support/workloads.js";

// GitHub's real pacing (retry, throttling, write spacing), with every exchange checked against
// GitHub's published API description.
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).checkedGitHub(await original()),
);

const ORIGINAL = { request: "500m", limit: "1" };
const PROPOSED = { request: "250m", limit: "500m" };
const MERGED_WEB = WEB.replace("cpu: 500m # sized", "cpu: 250m # sized").replace('cpu: "1"', 'cpu: "500m"');

let prometheus: RunningPrometheus;
let redis: PrivateRedis;
let costopt: RunningCostopt;
let gh: FakeGitHub;

beforeAll(async () => {
  [prometheus, redis] = await Promise.all([startUsagePrometheus(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([prometheus?.stop(), redis?.stop()]);
});

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  gh = new FakeGitHub();
  costopt = await RunningCostopt.start({ prometheusUrl: prometheus.url, redisUrl: redis.url });
});
afterEach(async () => {
  await costopt.stop();
  expect(gh.scope.pendingMocks()).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

/** GETs of the workload's pods (one per health check) since request index `from`. */
const podListings = (from: number) =>
  costopt.api.requests.slice(from).filter((r) => r.method === "GET" && r.path.includes("/pods?")).length;

describe("costopt serve, end to end", () => {
  it("takes a policy from creation to an applied change, then rolls it back on OOM kills", async () => {
    const api = costopt.api;
    const branch = costopt.branch();
    const revertBranch = `${branch}-revert-1`;
    api.put(...DEPLOYMENTS, webDeployment(ORIGINAL));

    // 1. The CR is created: usage from Prometheus, a recommendation through the gates, one PR.
    expectInstallation(gh);
    expectProposal(gh, branch, { "k8s/web.yaml": WEB, "README.md": "# shop\n" });
    costopt.createPolicy(policySpec());
    const applying = await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
    expect(costopt.phases()).toEqual(["Analyzing", "Applying"]);
    expect(applying.pullRequest).toEqual({
      number: 1,
      url: "https://github.com/Codertocat/Hello-World/pull/1",
      branch,
      state: "open",
    });
    expect(applying.currentRecommendation).toMatchObject({
      optimizationType: "CPU",
      confidenceScore: 0.99,
      riskLevel: "MEDIUM",
      monthlySavings: 17.3,
      changes: [
        { container: "app", resource: "cpuRequest", current: "500m", proposed: "250m" },
        { container: "app", resource: "cpuLimit", current: "1", proposed: "500m" },
      ],
    });
    // One commit on the default branch's head with an inline tree: only the two CPU lines change.
    expect(gh.bodies("tree")).toHaveLength(1);
    expect(gh.bodies("tree")[0]?.base_tree).toBe(TREE_SHA);
    expect(gh.treeFiles()).toEqual({ "k8s/web.yaml": MERGED_WEB });
    expect(gh.bodies("commit")).toEqual([
      {
        message: expect.stringMatching(
          /^costopt: web right-size CPU \(saves \$17\.30\/mo\)\n\nCostopt-Policy: shop\/web-cost\n/,
        ),
        tree: treeShaFor("c".repeat(40)),
        parents: [BASE_SHA],
      },
    ]);
    expect(gh.bodies("createRef")).toEqual([{ ref: `refs/heads/${branch}`, sha: "c".repeat(40) }]);
    const [proposal] = gh.bodies("createPull");
    expect(proposal).toMatchObject({
      title: "costopt: web right-size CPU (saves $17.30/mo)",
      head: branch,
      base: "master",
    });
    // The evidence is Prometheus's: a week at 5-minute resolution from the backfilled data.
    expect(proposal?.body).toContain(`source prometheus ${prometheus.url}`);
    expect(proposal?.body).toContain("| CPU request | 500m | **250m** | -50% |");
    expect(gh.bodies("issueUpdate")).toEqual([{ labels: ["cost-optimization", "risk:medium"] }]);
    expect(parseMetadata(proposal?.body, SERVICE_METADATA_KEY)).toMatchObject({
      policy: `shop/web-cost`,
      kind: "proposal",
    });

    // 2. Merged on GitHub: the signed webhook reaches the service's port -> Applied with counters.
    const opened = { number: 1, branch, title: proposal?.title as string, body: proposal?.body as string };
    const merge = pullRequestClosed({ ...opened, merged: true, mergeSha: "m".repeat(40) });
    expect((await costopt.deliver("pull_request", merge)).status).toBe(200);
    const applied = await costopt.waitForStatus("Applied", (s) => s.phase === "Applied");
    expect(applied).toMatchObject({
      appliedOptimizations: 1,
      totalSavings: 17.3,
      pullRequest: { number: 1, state: "merged" },
    });
    expect(applied.message).toBe("pull request #1 merged (mmmmmmm); watching the workload's health");
    expect(await costopt.store.applied(costopt.key())).toEqual([
      expect.objectContaining({ pullRequest: 1, repository: REPOSITORY.fullName }),
    ]);
    await costopt.service.idle(); // status is visible a moment before the service has counted it
    expect(await costopt.metric("costopt_optimizations_applied_total")).toEqual([
      'costopt_optimizations_applied_total{optimization_type="CPU"} 1',
    ]);
    expect(await costopt.metric("costopt_total_monthly_savings_usd")).toEqual([
      "costopt_total_monthly_savings_usd 17.3",
    ]);

    // 3. Argo CD syncs the merge and the rollout finishes; the health monitor takes its baseline
    //    from the live pods, then one of them is OOM-killed.
    const mark = api.requests.length;
    api.put(...DEPLOYMENTS, webDeployment(PROPOSED, 2));
    api.put("", "v1", "pods", pod({ name: "web-1", app: "web" }));
    await waitFor(() => podListings(mark) >= 2 || undefined, "two health checks of the live change");
    const revertTree = { "k8s/web.yaml": MERGED_WEB, "README.md": "# shop\n" };
    const mergedPr = { ...opened, state: "closed" as const, merged: true };
    gh.history(branch, [mergedPr]).history(revertBranch, []);
    const own = parseMetadata(proposal?.body, SERVICE_METADATA_KEY);
    gh.proposalCommit({
      head: own?.head as string,
      base: own?.base as string,
      message: gh.bodies("commit")[0]?.message,
      files: { "k8s/web.yaml": [WEB, MERGED_WEB] },
    });
    gh.snapshot(revertTree, "f".repeat(40), "3".repeat(40))
      .commit("r".repeat(40))
      .createRef()
      .openPull(2, revertBranch)
      .issueUpdate(2)
      .updatePull(1, branch)
      .comment(1);
    api.put("", "v1", "pods", pod({ name: "web-1", app: "web", restarts: 1, oomKilled: true }));

    // 4. The regression opens the revert PR: exactly the original values, on the current head.
    //    Waited for by the status the assertions read (the controller records the
    //    RollbackRequested Event before it writes this status).
    const rollingBack = await costopt.waitForStatus(
      "the revert PR in the status",
      (s) => s.pullRequest?.number === 2,
    );
    expect(rollingBack).toMatchObject({
      phase: "Applied",
      message: "opened #2 to revert #1",
      pullRequest: { number: 2, branch: revertBranch, state: "open" },
    });
    expect(costopt.reasons()).toContain("RollbackRequested");
    expect(gh.treeFiles(1)).toEqual({ "k8s/web.yaml": WEB });
    expect(gh.bodies("commit")[1]).toMatchObject({ parents: ["f".repeat(40)] });
    const revert = gh.bodies("createPull")[1];
    expect(revert).toMatchObject({
      title: "costopt: revert #1 (web right-size CPU (saves $17.30/mo))",
      head: revertBranch,
      base: "master",
    });
    expect(gh.bodies("issueUpdate")[1]).toEqual({ labels: ["cost-optimization", "costopt:rollback"] });
    expect(gh.bodies("comment").map((c) => c.body)).toEqual([
      "Rolling back (1 container(s) OOM-killed since the change went live): #2.",
    ]);

    // 5. The revert is merged before Argo CD has synced it: the live Deployment still runs the
    //    proposed values, so the service waits (the outcome stays pending, rechecked at the
    //    health interval) and reports nothing rolled back yet.
    const revertPr = {
      number: 2,
      branch: revertBranch,
      title: revert?.title as string,
      body: revert?.body as string,
    };
    expect(
      (await costopt.deliver("pull_request", pullRequestClosed({ ...revertPr, merged: true }))).status,
    ).toBe(200);
    const waiting = await costopt.waitForStatus(
      "the wait for the sync",
      (s) => s.message?.startsWith("revert #2 merged; waiting") === true,
    );
    expect(waiting).toMatchObject({
      phase: "Applied",
      message:
        "revert #2 merged; waiting for the live workload to match the recorded originals (app requests.cpu: live 250m, expected 500m; app limits.cpu: live 500m, expected 1)",
      totalSavings: 17.3,
      pullRequest: { number: 2, state: "open" },
    });
    const statusWrites = api.writes("/web-cost/status").length;
    await waitFor(() => api.writes("/web-cost/status").length > statusWrites || undefined, "a recheck");
    expect(costopt.status()?.phase).toBe("Applied");
    expect(costopt.reasons()).not.toContain("RolledBack");

    //    Then Argo CD syncs it: the live Deployment carries the originals again, which the
    //    service checks before it reports RolledBack.
    api.put(...DEPLOYMENTS, webDeployment(ORIGINAL, 3));
    const rolledBack = await costopt.waitForStatus("RolledBack", (s) => s.phase === "RolledBack");
    expect(rolledBack).toMatchObject({
      message: "revert #2 of #1 merged; the workload is back to its recorded originals",
      appliedOptimizations: 1,
      totalSavings: 0,
      pullRequest: { number: 2, state: "merged" },
    });
    const live = api.get(...DEPLOYMENTS, "shop", "web") as unknown as Workload;
    expect(specMismatches(live, applying.currentRecommendation?.changes ?? [], "current")).toEqual([]);
    expect(await costopt.store.applied(costopt.key())).toEqual([]);
    await costopt.service.idle(); // status is visible a moment before the Event is recorded
    expect(costopt.reasons()).toEqual([
      "OptimizationCreated",
      "PullRequestOpened",
      "OptimizationApplied",
      "HealthRegression",
      "RollbackRequested",
      "PullRequestOpened",
      "RolledBack",
    ]);
    expect(await costopt.metric("costopt_rollbacks_total")).toEqual(["costopt_rollbacks_total 1"]);
    // The cluster was written only where costopt owns objects: the CR, Events, the Lease.
    const writes = api.writes().map((w) => w.path.replace(/\?.*/, ""));
    expect(writes.every((p) => /\/costoptimizations\/web-cost|\/events$|\/leases/.test(p))).toBe(true);
  });
});
