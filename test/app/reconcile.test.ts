// The proposal lifecycle on GitHub, through reconcile() with the GitHub forge and nock. The
// recommender is a stub returning a fixed Recommendation, so titles and values are exact; the
// real engine is exercised end to end by test/cli/run.test.ts.

import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { GitHubForge } from "../../src/forge/github/index.js";
import { DEFAULT_REPO_CONFIG } from "../../src/gitops/config.js";
import { updateDashboard } from "../../src/gitops/dashboard/index.js";
import { next } from "../../src/gitops/lifecycle.js";
import { MetadataKey, parseMetadata, withMetadata } from "../../src/gitops/metadata.js";
import { commitTrailer } from "../../src/gitops/proposals.js";
import type { UsageSource } from "../../src/metrics/types.js";
import type { Recommender } from "../../src/recommend/recommender.js";
import type { Recommendation } from "../../src/recommend/types.js";
import { type ReconcileResult, reconcile, reconcileDeleted, rollbackPolicy } from "../../src/reconcile.js";
import { MemoryStore } from "../../src/state/memory.js";
import { RedisStore } from "../../src/state/redis.js";
import type { Store } from "../../src/state/types.js";
import { REPOSITORY } from "../fixtures/webhooks/index.js";
import { testOctokit } from "../forge/octokit.js";
import { recommendation, SPEC } from "../gitops/recommendation.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { BASE_SHA, FakeGitHub, treeShaFor } from "./github.js";
import { WEB } from "./shop.js";

/** The phase the lifecycle gives a pass result on a policy with no status yet. */
const phaseOf = (r: ReconcileResult) =>
  next(undefined, { type: "pass", result: r }, new Date("2026-11-26T06:00:00Z")).status.phase;

const BRANCH = "costopt/shop/web-cost";
const NOW = new Date("2026-11-26T06:00:00Z");

function policy(spec: Partial<CostOptimization["spec"]> = {}): CostOptimization {
  return {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name: "web-cost", namespace: "shop" },
    spec: { ...SPEC, ...spec },
  };
}

const noUsage: UsageSource = { description: "test", usage: async () => new Map() };

function stub(rec: Recommendation): Recommender {
  return { name: "stub", recommend: async () => rec };
}

function forge(): GitHubForge {
  return new GitHubForge({
    octokit: testOctokit(),
    owner: REPOSITORY.owner,
    repo: REPOSITORY.repo,
  });
}

function deps(store: Store, rec: Recommendation = recommendation(), extra: Record<string, unknown> = {}) {
  return {
    forge: forge(),
    store,
    usage: noUsage,
    recommender: stub(rec),
    metadataKey: TEST_KEY,
    now: () => NOW,
    ...extra,
  };
}

let gh: FakeGitHub;
beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  gh = new FakeGitHub();
});
afterEach(() => {
  expect(gh.scope.pendingMocks()).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

/** Opens the proposal on a throwaway fake and returns the PR body GitHub would now hold. */
async function openedBody(rec = recommendation()): Promise<{ body: string; head: string }> {
  const first = new FakeGitHub();
  first.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
  first.openPull(1, BRANCH).issueUpdate(1);
  const result = await reconcile(policy(), deps(new MemoryStore(), rec));
  expect(result.proposal?.action).toBe("created");
  return { body: first.bodies("createPull")[0]?.body as string, head: "c".repeat(40) };
}

/** A YAML "billion laughs": each anchor ten aliases of the one before, far over the alias cap. */
function aliasBomb(levels = 12): string {
  const name = (i: number) => `l${i}`;
  const lines = [`${name(0)}: &${name(0)} [x, x, x, x, x, x, x, x, x, x]`];
  for (let i = 1; i < levels; i++)
    lines.push(
      `${name(i)}: &${name(i)} [${Array(10)
        .fill(`*${name(i - 1)}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\n`;
}

/** A base shared by two overlays: a change for prod goes into a new patch in overlays/prod. */
const OVERLAYS: Record<string, string> = {
  "base/deployment.yaml": WEB.replace("  namespace: shop\n", ""),
  "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
  "overlays/prod/kustomization.yaml": "namespace: shop\nresources:\n  - ../../base\n",
  "overlays/dev/kustomization.yaml": "namespace: shop-dev\nresources:\n  - ../../base\n",
};

/** Scheduled scaling: a new KEDA ScaledObject file. */
function scheduled() {
  return recommendation({
    scheduledScaling: {
      fileName: "web-scaledobject.yaml",
      scaledObject: { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "web" } },
      windows: [{ days: [0, 6], startHour: 0, durationHours: 24, desiredReplicas: 1 }],
      baselineReplicas: 3,
    },
  });
}

describe("creating a proposal", () => {
  it("skips and reports a file the YAML reader refuses (an alias bomb, nesting too deep); the proposal still opens", async () => {
    const deep = `a: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`;
    gh.snapshot({ "k8s/web.yaml": WEB, "charts/bomb.yaml": aliasBomb(), "charts/deep.yaml": deep });
    gh.pulls(BRANCH, []).commit("c".repeat(40)).createRef().openPull(1, BRANCH).issueUpdate(1);
    const result = await reconcile(policy(), deps(new MemoryStore()));
    expect(result.proposal?.action).toBe("created");
    expect(result.warnings).toEqual([
      "charts/bomb.yaml: document 1: Excessive alias count indicates a resource exhaustion attack; skipped",
      expect.stringMatching(/^charts\/deep\.yaml: document 1 .*Maximum call stack size exceeded; skipped$/),
    ]);
    expect(Object.keys(gh.treeFiles())).toEqual(["k8s/web.yaml"]);
  });

  it("opens one PR with one inline-tree commit, labels, reviewers and assignees in 6 requests after reading", async () => {
    const config = "reviewers: [alice]\nteamReviewers: [sre]\nassignees: [ops]\nlabels: [finops]\n";
    gh.snapshot({ "k8s/web.yaml": WEB, ".github/costopt.yml": config, "README.md": "hi" });
    gh.pulls(BRANCH, []).commit("c".repeat(40)).createRef().openPull(1, BRANCH).issueUpdate(1).reviewers(1);
    const store = new MemoryStore();
    const result = await reconcile(policy(), deps(store));

    expect(phaseOf(result)).toBe("Applying");

    expect(result).toMatchObject({
      pullRequest: { number: 1, branch: BRANCH, state: "open" },
    });
    expect(gh.rest).toEqual([
      "POST /repos/Codertocat/Hello-World/git/trees",
      "POST /repos/Codertocat/Hello-World/git/commits",
      "POST /repos/Codertocat/Hello-World/git/refs",
      "POST /repos/Codertocat/Hello-World/pulls",
      "PATCH /repos/Codertocat/Hello-World/issues/1",
      "POST /repos/Codertocat/Hello-World/pulls/1/requested_reviewers",
    ]);
    // Reading: the head query (open PRs, this branch's history and the tree ride on it), blobs.
    console.info(`FakeGitHub, cold pass opening a PR: ${gh.all.length} requests`);
    expect(gh.all).toHaveLength(8);

    const tree = gh.bodies("tree")[0];
    expect(tree?.base_tree).toBe("b".repeat(40));
    const web = gh.treeFiles()["k8s/web.yaml"] as string;
    expect(web).toBe(
      WEB.replace("cpu: 500m # sized in 2024", "cpu: 250m # sized in 2024")
        .replace("memory: 512Mi\n            limits", "memory: 384Mi\n            limits")
        .replace(/memory: 512Mi\n$/, "memory: 384Mi\n"),
    );
    expect(gh.bodies("commit")[0]).toMatchObject({ parents: [BASE_SHA], tree: treeShaFor("c".repeat(40)) });
    expect(gh.bodies("commit")[0]?.message).toContain("Costopt-Policy: shop/web-cost");
    expect(gh.bodies("createRef")[0]).toEqual({ ref: `refs/heads/${BRANCH}`, sha: "c".repeat(40) });

    const pr = gh.bodies("createPull")[0] as Record<string, string>;
    expect(pr).toMatchObject({
      title: "costopt: web right-size CPU and memory (saves $40.25/mo)",
      head: BRANCH,
      base: "master",
      maintainer_can_modify: false,
    });
    expect(pr.body).toContain("| CPU request | 500m | **250m** | -50% |");
    expect(pr.body).toContain("```mermaid\nxychart-beta");
    const meta = parseMetadata(pr.body, TEST_KEY);
    expect(meta).toMatchObject({
      policy: "shop/web-cost",
      base: BASE_SHA,
      head: "c".repeat(40),
      kind: "proposal",
    });
    expect(
      meta?.fields.map((f) => [
        f.pointer.replace("/spec/template/spec/containers/0/resources", "R"),
        f.before,
        f.after,
      ]),
    ).toEqual([
      ["R/requests/cpu", "500m", "250m"],
      ["R/requests/memory", "512Mi", "384Mi"],
      ["R/limits/memory", "512Mi", "384Mi"],
    ]);
    expect(gh.bodies("issueUpdate")[0]).toEqual({
      labels: ["cost-optimization", "risk:low", "finops"],
      assignees: ["ops"],
    });
    expect(gh.bodies("reviewers")[0]).toEqual({ reviewers: ["alice"], team_reviewers: ["sre"] });
  });

  it("opens a 3-file PR (overlay patch, kustomization, KEDA ScaledObject) in 6 REST calls, reading included", async () => {
    const files = { ...OVERLAYS, ".github/costopt.yml": "reviewers: [alice]\nassignees: [ops]\n" };
    gh.snapshot(files).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
    gh.openPull(1, BRANCH).issueUpdate(1).reviewers(1);
    const rec = scheduled();
    const result = await reconcile(
      policy({ source: { path: "overlays/prod" } }),
      deps(new MemoryStore(), rec),
    );
    expect(result.proposal?.action, result.message).toBe("created");
    // The ScaledObject goes into the overlay the policy targets and is listed there, so it is applied.
    expect(Object.keys(gh.treeFiles()).sort()).toEqual([
      "overlays/prod/costopt-deployment-web.yaml",
      "overlays/prod/kustomization.yaml",
      "overlays/prod/web-scaledobject.yaml",
    ]);
    expect(gh.treeFiles()["overlays/prod/kustomization.yaml"]).toBe(
      "namespace: shop\nresources:\n  - ../../base\n  - web-scaledobject.yaml\npatches:\n  - path: costopt-deployment-web.yaml\n",
    );
    expect(gh.rest).toHaveLength(6);
    const meta = parseMetadata(gh.bodies("createPull")[0]?.body, TEST_KEY);
    expect(meta?.createdFiles.sort()).toEqual([
      "overlays/prod/costopt-deployment-web.yaml",
      "overlays/prod/web-scaledobject.yaml",
    ]);
    expect(meta?.fields).toEqual([
      {
        path: "overlays/prod/kustomization.yaml",
        document: 0,
        pointer: "/patches",
        after: [{ path: "costopt-deployment-web.yaml" }],
      },
      {
        path: "overlays/prod/kustomization.yaml",
        document: 0,
        pointer: "/resources/1",
        after: "web-scaledobject.yaml",
      },
    ]);
  });

  it("rolls a 3-file change back: the created patch and ScaledObject go, the kustomization entries with them", async () => {
    const files = OVERLAYS;
    const first = new FakeGitHub();
    first.snapshot(files).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
    first.openPull(1, BRANCH).issueUpdate(1);
    const rec = scheduled();
    const opened = await reconcile(
      policy({ source: { path: "overlays/prod" } }),
      deps(new MemoryStore(), rec),
    );
    expect(opened.proposal?.action).toBe("created");
    const body = first.bodies("createPull")[0]?.body as string;
    const written = first.treeFiles() as Record<string, string>;
    const merged = { ...files, ...written };
    const both = Object.fromEntries(
      Object.keys(written).map((p) => [p, [files[p] ?? null, written[p] as string]]),
    ) as Record<string, [string | null, string]>;
    const pr = { number: 1, branch: BRANCH, body, state: "closed" as const, merged: true };
    gh.history(BRANCH, [pr]).history(`${BRANCH}-revert-1`, []);
    ownCommit(body, both);
    gh.snapshot(merged).commit("r".repeat(40)).createRef().openPull(2, `${BRANCH}-revert-1`).issueUpdate(2);
    gh.updatePull(1, BRANCH).comment(1);
    const reverted = await rollbackPolicy(policy({ source: { path: "overlays/prod" } }), "3 OOM kills", {
      forge: forge(),
      metadataKey: TEST_KEY,
      store: new MemoryStore(),
    });
    expect(reverted.rollback?.action, reverted.message).toBe("opened");
    expect(gh.treeFiles()).toEqual({
      "overlays/prod/kustomization.yaml": files["overlays/prod/kustomization.yaml"],
      "overlays/prod/costopt-deployment-web.yaml": null,
      "overlays/prod/web-scaledobject.yaml": null,
    });
    // What the rollback costs: the two branch histories, costopt's own commit checked (the commit,
    // its diff against its parent, the files on both sides), the default branch read, then the
    // revert written (tree, commit, ref, PR, labels) and the merged PR marked and told.
    const R = `/repos/${REPOSITORY.fullName}`;
    expect(gh.all).toEqual([
      `GET ${R}/pulls`,
      `GET ${R}/pulls`,
      `GET ${R}/git/commits/${"c".repeat(40)}`,
      `GET ${R}/compare/${BASE_SHA}...${"c".repeat(40)}`,
      "POST /graphql",
      "POST /graphql",
      "POST /graphql",
      "POST /graphql",
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      `POST ${R}/git/refs`,
      `POST ${R}/pulls`,
      `PATCH ${R}/issues/2`,
      `PATCH ${R}/pulls/1`,
      `POST ${R}/issues/1/comments`,
    ]);
  });

  it("falls back to defaults with a warning when .github/costopt.yml is not valid YAML", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB, ".github/costopt.yml": "reviewers: [alice\n" });
    gh.pulls(BRANCH, []).commit("c".repeat(40)).createRef().openPull(1, BRANCH).issueUpdate(1);
    const result = await reconcile(policy(), deps(new MemoryStore()));
    expect(result.proposal?.action).toBe("created");
    expect(result.warnings).toEqual([
      expect.stringMatching(/^\.github\/costopt\.yml is not valid YAML .*; using defaults$/),
    ]);
    expect(gh.bodies("issueUpdate")[0]).toEqual({ labels: ["cost-optimization", "risk:low"] });
  });

  it("turns on auto-merge under autoApply", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
    gh.openPull(1, BRANCH).issueUpdate(1).autoMerge("PR_node_1");
    const result = await reconcile(policy({ autoApply: true }), deps(new MemoryStore()));
    expect(result.proposal?.action).toBe("created");
  });

  it("opens nothing in dry run, but shows what it would propose", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []);
    const result = await reconcile(policy({ dryRun: true }), deps(new MemoryStore()));
    expect(phaseOf(result)).toBe("Ready");
    expect(result).toMatchObject({ proposal: { action: "dry-run" } });
    const lines = (result.proposal?.diff ?? "").split("\n");
    expect(lines.filter((l) => /^[-+] /.test(l))).toEqual([
      "-              cpu: 500m # sized in 2024",
      "-              memory: 512Mi",
      "+              cpu: 250m # sized in 2024",
      "+              memory: 384Mi",
      "-              memory: 512Mi",
      "+              memory: 384Mi",
    ]);
    expect(gh.rest.filter((r) => !r.startsWith("GET"))).toEqual([]);
  });

  it("proposes the HPA's minReplicas when an HPA in the repository owns the replicas, else says why not", async () => {
    const hpa =
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: shop\n" +
      "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 4\n  maxReplicas: 8\n";
    const rec = recommendation({
      replicas: { current: 4, proposed: 2, field: "hpa.minReplicas", hpaName: "web" },
    });
    gh.snapshot({ "k8s/web.yaml": WEB, "k8s/hpa.yaml": hpa }).pulls(BRANCH, []);
    const result = await reconcile(policy({ dryRun: true }), deps(new MemoryStore(), rec));
    expect(result.warnings).toEqual([]);
    const diff = result.proposal?.diff ?? "";
    expect(diff).toContain("-  minReplicas: 4\n+  minReplicas: 2\n");

    // A Helm chart's template makes the HPA: the resources are proposed, the floor is explained.
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []);
    const helm = await reconcile(policy({ dryRun: true }), deps(new MemoryStore(), rec));
    expect(helm.proposal?.diff).toContain("+              cpu: 250m # sized in 2024");
    expect(helm.proposal?.diff).not.toContain("minReplicas");
    expect(helm.warnings).toEqual([
      "HPA web minReplicas 4 -> 2 is recommended but not proposed: the HorizontalPodAutoscaler is not in the repository (perhaps created by a Helm template); change it where it is defined",
    ]);
  });

  it("waits when the repository's open-PR or hourly limit is reached", async () => {
    const config = "prConcurrentLimit: 2\nprHourlyLimit: 1\n";
    for (const [i, branch] of ["costopt/a/b", "costopt/c/d", "feature"].entries())
      gh.pulls(branch, [{ number: 10 + i, branch, body: "" }]);
    gh.snapshot({ "k8s/web.yaml": WEB, ".github/costopt.yml": config }).pulls(BRANCH, []);
    const store = new MemoryStore();
    expect((await reconcile(policy(), deps(store))).proposal?.action).toBe("limit-open");

    gh.known.clear();
    gh.snapshot({ "k8s/web.yaml": WEB, ".github/costopt.yml": config }).pulls(BRANCH, []);
    await store.countEvent("opened:Codertocat/Hello-World", 3600, NOW.getTime() - 60_000);
    const limited = await reconcile(policy(), deps(store));
    expect(limited.proposal?.action).toBe("limit-hourly");
    expect(limited.message).toBe("1 pull requests opened in the last hour; waiting");
  });

  it("refuses a policy that targets another namespace, reading and writing nothing", async () => {
    const cross = {
      ...policy(),
      spec: { ...SPEC, targetWorkload: { ...SPEC.targetWorkload, namespace: "payments" } },
    };
    const result = await reconcile(cross, deps(new MemoryStore()));
    expect(phaseOf(result)).toBe("Failed");
    expect(result).toMatchObject({ failureReason: "InvalidSpec" });
    expect(result.message).toContain('a policy in namespace "shop" may only target workloads in "shop"');
    expect(gh.rest).toEqual([]);
    expect(gh.sent).toEqual([]);
  });

  it("refuses a repository outside ALLOWED_REPOSITORIES, whether named in the policy or found for it", async () => {
    const allow = { validation: { allowedRepositories: ["acme/deploy"] } };
    const named = await reconcile(
      policy({ source: { repository: "Codertocat/Hello-World" } }),
      deps(new MemoryStore(), recommendation(), allow),
    );
    expect(phaseOf(named)).toBe("Failed");
    expect(named).toMatchObject({ failureReason: "InvalidSpec" });
    const found = await reconcile(policy(), deps(new MemoryStore(), recommendation(), allow));
    expect(phaseOf(found)).toBe("Failed");
    expect(found).toMatchObject({
      failureReason: "RepositoryNotAllowed",
      message: "repository Codertocat/Hello-World is not in the allowed repositories (acme/deploy)",
    });
    expect(gh.rest).toEqual([]);
    expect(gh.sent).toEqual([]);
  });

  it("refuses a policy bound to another repository or branch, naming it", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB });
    const other = await reconcile(
      policy({ source: { repository: "acme/elsewhere" } }),
      deps(new MemoryStore()),
    );
    expect(phaseOf(other)).toBe("Failed");
    expect(other).toMatchObject({
      failureReason: "WorkloadNotFound",
      message: "source.repository is acme/elsewhere but the index holds Codertocat/Hello-World",
    });
    gh.snapshot({ "k8s/web.yaml": WEB });
    const branch = await reconcile(policy({ source: { branch: "release" } }), deps(new MemoryStore()));
    expect(branch.message).toBe("source.branch is release but the index holds branch master");
  });
});

describe("an open proposal", () => {
  it("is left alone when nothing changed, and so is the dashboard", async () => {
    const { body, head } = await openedBody();
    const open = {
      number: 1,
      branch: BRANCH,
      body,
      headSha: head,
      labels: ["cost-optimization", "risk:low"],
    };
    // A pass, as `costopt run` makes one: the policy reconciled, then the dashboard synced.
    const store = new MemoryStore();
    const passOver = async (f: GitHubForge) => {
      const result = await reconcile(policy(), { ...deps(store), forge: f });
      const dashboard = await updateDashboard(f, [result], {
        store,
        now: () => NOW,
        config: DEFAULT_REPO_CONFIG,
      });
      return { proposal: result.proposal?.action, dashboard };
    };
    // An earlier pass created the dashboard.
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [open]).dashboards([]).createIssue(2);
    expect(await passOver(forge())).toEqual({ proposal: "unchanged", dashboard: "created" });
    const dashboard = {
      number: 2,
      title: "costopt: cost dashboard",
      body: gh.bodies("createIssue")[0]?.body,
    };
    gh.all.length = 0;

    gh.snapshot({ "k8s/web.yaml": WEB }).dashboards([dashboard]);
    const shared = forge();
    expect(await passOver(shared)).toEqual({ proposal: "unchanged", dashboard: "unchanged" });
    // A fresh forge: the head (with the open pull requests, the tree and the dashboard issues),
    // then the blobs; nothing per proposal, nothing for the dashboard.
    console.info(`FakeGitHub, cold pass that changes nothing: ${gh.all.length} requests`);
    expect(gh.all).toEqual(["POST /graphql", "POST /graphql"]);
    // The next pass of a long-lived forge (the service keeps one per repository) with the branch
    // where it was: the head query alone.
    gh.head();
    gh.all.length = 0;
    expect(await passOver(shared)).toEqual({ proposal: "unchanged", dashboard: "unchanged" });
    console.info(`FakeGitHub, warm pass that changes nothing: ${gh.all.length} request`);
    expect(gh.all).toEqual(["POST /graphql"]);
  });

  it("is updated in place with a fresh single commit when the recommendation changes", async () => {
    const { body, head } = await openedBody();
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [
      { number: 1, branch: BRANCH, body, headSha: head, labels: ["cost-optimization", "risk:low"] },
    ]);
    gh.commit("d".repeat(40)).updateRef(BRANCH).updatePull(1, BRANCH).setLabels(1);
    const rec = recommendation({ risk: { level: "MEDIUM", score: 0.4, factors: [] } });
    const c0 = rec.containers[0];
    if (c0) c0.proposed = { ...c0.proposed, cpuRequest: 300 };
    const result = await reconcile(policy(), deps(new MemoryStore(), rec));
    expect(result.proposal).toMatchObject({
      action: "updated",
      message: "updated #1: the recommendation changed",
    });
    expect(gh.treeFiles()["k8s/web.yaml"]).toContain("cpu: 300m # sized in 2024");
    expect(gh.bodies("commit")[0]?.parents).toEqual([BASE_SHA]);
    expect(gh.bodies("updateRef")[0]).toEqual({ sha: "d".repeat(40), force: true });
    const update = gh.bodies("updatePull")[0] as Record<string, string>;
    expect(update.title).toBe("costopt: web right-size CPU and memory (saves $40.25/mo)");
    expect(parseMetadata(update.body, TEST_KEY)?.head).toBe("d".repeat(40));
    expect(gh.bodies("setLabels")[0]).toEqual({ labels: ["cost-optimization", "risk:medium"] });
  });

  it("is rebuilt on the new base when the default branch moved", async () => {
    const { body, head } = await openedBody();
    const moved = "e".repeat(40);
    gh.snapshot({ "k8s/web.yaml": WEB, "k8s/other.yaml": "a: 1\n" }, moved);
    gh.pulls(BRANCH, [
      { number: 1, branch: BRANCH, body, headSha: head, labels: ["cost-optimization", "risk:low"] },
    ]);
    gh.commit("d".repeat(40)).updateRef(BRANCH).updatePull(1, BRANCH);
    const result = await reconcile(policy(), deps(new MemoryStore()));
    expect(result.proposal?.message).toBe("updated #1: the base branch moved");
    expect(gh.bodies("commit")[0]?.parents).toEqual([moved]);
  });

  it("is never overwritten after a person pushed to it: one comment, then quiet", async () => {
    const { body, head } = await openedBody();
    const theirs = "9".repeat(40);
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [
      { number: 1, branch: BRANCH, body, headSha: theirs },
    ]);
    gh.gitCommit(theirs, "bump memory a bit", [head]).comment(1).updatePull(1, BRANCH);
    const rec = recommendation({ monthlySavings: 99 });
    const first = await reconcile(policy(), deps(new MemoryStore(), rec));
    expect(first.proposal?.action).toBe("human-push");
    expect(gh.bodies("comment")[0]?.body).toMatch(
      /^Someone pushed to this branch, so costopt will not update it/,
    );
    const noted = gh.bodies("updatePull")[0]?.body as string;
    expect(parseMetadata(noted, TEST_KEY)?.humanPushSeen).toBe(theirs);

    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [
      { number: 1, branch: BRANCH, body: noted, headSha: theirs },
    ]);
    gh.gitCommit(theirs, "bump memory a bit", [head]);
    const second = await reconcile(policy(), deps(new MemoryStore(), rec));
    expect(second.proposal?.action).toBe("human-push");
    expect(gh.bodies("comment")).toHaveLength(1);
  });

  it("is not touched, nor commented on, when someone else opened a PR from costopt's branch", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [{ number: 4, branch: BRANCH, body: "my own tweak" }]);
    const result = await reconcile(policy(), deps(new MemoryStore()));
    expect(result.proposal).toMatchObject({
      action: "human-push",
      message: `#4 on ${BRANCH} was not opened by costopt; left as is`,
    });
    expect(gh.rest.filter((r) => !r.startsWith("GET"))).toEqual([]);
  });

  it("is closed with a comment when the recommendation disappears", async () => {
    const { body, head } = await openedBody();
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [{ number: 1, branch: BRANCH, body, headSha: head }]);
    gh.comment(1).updatePull(1, BRANCH).deleteRef(BRANCH);
    const gone = recommendation({
      notEnoughData: true,
      decision: {
        allowed: false,
        stepped: false,
        checks: [{ gate: "data", passed: false, detail: "no usage data" }],
        steps: [],
        reasons: ["no usage data"],
      },
    });
    const result = await reconcile(policy(), deps(new MemoryStore(), gone));
    expect(phaseOf(result)).toBe("Ready");
    expect(result).toMatchObject({ proposal: { action: "closed" } });
    expect(gh.bodies("comment")[0]?.body).toBe(
      "costopt is closing this pull request: not enough data: no usage data.",
    );
    const close = gh.bodies("updatePull")[0] as Record<string, string>;
    expect(close.state).toBe("closed");
    expect(parseMetadata(close.body, TEST_KEY)?.closedBy).toBe("costopt");
  });
});

describe("a pull request costopt did not open, on costopt's branch", () => {
  const gone = () =>
    recommendation({
      notEnoughData: true,
      decision: {
        allowed: false,
        stepped: false,
        checks: [{ gate: "data", passed: false, detail: "no usage data" }],
        steps: [],
        reasons: ["no usage data"],
      },
    });

  it("is never closed when the recommendation disappears or the policy is deleted: unsigned, or signed with another key", async () => {
    const { body, head } = await openedBody();
    const meta = parseMetadata(body, TEST_KEY);
    if (!meta) throw new Error("costopt's own body carries no metadata");
    // A copy of costopt's metadata block signed with a key that is not costopt's.
    const forged = withMetadata(body, meta, new MetadataKey("someone-else's-secret"));
    for (const theirs of ["my own tweak", forged]) {
      const fake = new FakeGitHub();
      fake
        .snapshot({ "k8s/web.yaml": WEB })
        .pulls(BRANCH, [{ number: 4, branch: BRANCH, body: theirs, headSha: head }]);
      const result = await reconcile(policy(), deps(new MemoryStore(), gone()));
      expect(result.proposal).toMatchObject({
        action: "none",
        message: `not enough data: no usage data; #4 on ${BRANCH} was not opened by costopt, left open`,
      });
      fake.openPulls();
      const deleted = await reconcileDeleted(policy({ rollbackOnFailure: false }), deps(new MemoryStore()));
      expect(deleted.message).toBe(
        `the policy was deleted; #4 on ${BRANCH} was not opened by costopt, left open`,
      );
      // Neither a comment, nor a close, nor a branch deletion.
      expect(fake.rest.filter((r) => !r.startsWith("GET"))).toEqual([]);
      expect(fake.scope.pendingMocks()).toEqual([]);
    }
  });
});

describe("a declined proposal", () => {
  it("is not reopened until the recommendation changes materially, even with an empty store", async () => {
    const { body, head } = await openedBody();
    const closed = { number: 1, branch: BRANCH, body, headSha: head, state: "closed" as const };
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [closed]);
    expect((await reconcile(policy(), deps(new MemoryStore()))).proposal?.action).toBe("suppressed");

    // 250m -> 245m is within 10%: still suppressed.
    const near = recommendation();
    if (near.containers[0]) near.containers[0].proposed.cpuRequest = 245;
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [closed]);
    expect((await reconcile(policy(), deps(new MemoryStore(), near))).proposal?.action).toBe("suppressed");

    // 250m -> 150m is material: a new PR.
    const far = recommendation();
    if (far.containers[0]) far.containers[0].proposed.cpuRequest = 150;
    gh.snapshot({ "k8s/web.yaml": WEB })
      .pulls(BRANCH, [closed])

      .commit("d".repeat(40))
      .createRef();
    gh.openPull(2, BRANCH).issueUpdate(2);
    expect((await reconcile(policy(), deps(new MemoryStore(), far))).proposal?.action).toBe("created");
  });
});

describe("concurrency and rate limits", () => {
  it("gives exactly one PR for two concurrent reconciles of one policy", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
    gh.openPull(1, BRANCH).issueUpdate(1);
    const store = new MemoryStore();
    const results = await Promise.all([reconcile(policy(), deps(store)), reconcile(policy(), deps(store))]);
    expect(results.map((r) => r.proposal?.action ?? (r.busy ? "busy" : "?")).sort()).toEqual([
      "busy",
      "created",
    ]);
    expect(gh.bodies("createPull")).toHaveLength(1);
  });

  it("gives exactly one PR for two service replicas reconciling at once over a shared Redis", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
    gh.openPull(1, BRANCH).issueUpdate(1);
    const prefix = `costopt-test-${randomUUID()}:`;
    const [a, b] = await Promise.all([
      RedisStore.connect("redis://127.0.0.1:6379", { prefix }),
      RedisStore.connect("redis://127.0.0.1:6379", { prefix }),
    ]);
    try {
      const results = await Promise.all([reconcile(policy(), deps(a)), reconcile(policy(), deps(b))]);
      expect(results.map((r) => r.proposal?.action ?? (r.busy ? "busy" : "?")).sort()).toEqual([
        "busy",
        "created",
      ]);
      expect(gh.bodies("createPull")).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("stops cleanly on a secondary rate limit and resumes next run without a duplicate", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
    gh.openPull(1, BRANCH, { status: 403, headers: { "retry-after": "30" } });
    const store = new MemoryStore();
    const stopped = await reconcile(policy(), deps(store));
    expect(stopped.rateLimited).toEqual({ retryAfterSeconds: 30 });
    expect(stopped.message).toMatch(/rate-limited by github/);

    // Next run: the branch is already there (422), so it is force-updated, then the PR opens once.
    gh.snapshot({ "k8s/web.yaml": WEB })
      .pulls(BRANCH, [])

      .commit("d".repeat(40))
      .createRef(422);
    gh.updateRef(BRANCH).openPull(1, BRANCH).issueUpdate(1);
    const resumed = await reconcile(policy(), deps(store));
    expect(resumed.proposal?.action).toBe("created");
    expect(gh.bodies("updateRef")[0]).toEqual({ sha: "d".repeat(40), force: true });
  });
});

/** costopt's own proposal commit behind a PR body, as the forge shows it to a rollback. */
function ownCommit(body: string, files: Record<string, [string | null, string | null]>) {
  const meta = parseMetadata(body, TEST_KEY);
  if (!meta) throw new Error("the body has no costopt metadata");
  gh.proposalCommit({
    head: meta.head,
    base: meta.base,
    message: `costopt: web\n\n${commitTrailer(meta.policy, meta.fingerprint)}\n`,
    files,
  });
}

describe("deleting a policy and health regressions", () => {
  it("closes the open proposal and reverts the merged one when the policy had rollbackOnFailure", async () => {
    const { body } = await openedBody();
    const after = WEB.replace("cpu: 500m", "cpu: 250m").replace(/memory: 512Mi/g, "memory: 384Mi");
    const merged = { number: 1, branch: BRANCH, body, state: "closed" as const, merged: true };
    gh.openCount([]); // withdraw: nothing open
    gh.history(BRANCH, [merged]); // rollback: find the merged proposal
    gh.history(`${BRANCH}-revert-1`, []);
    ownCommit(body, { "k8s/web.yaml": [WEB, after] });
    gh.snapshot({ "k8s/web.yaml": after })
      .commit("r".repeat(40))
      .createRef()
      .openPull(2, `${BRANCH}-revert-1`)
      .issueUpdate(2);
    gh.updatePull(1, BRANCH).comment(1);
    const result = await reconcileDeleted(policy({ rollbackOnFailure: true }), {
      forge: forge(),
      metadataKey: TEST_KEY,
      store: new MemoryStore(),
      now: () => NOW,
    });
    expect(result.rollback).toMatchObject({ action: "opened", reverts: 1 });
    expect(gh.treeFiles()).toEqual({ "k8s/web.yaml": WEB });
    expect(gh.bodies("createPull")[0]).toMatchObject({
      title: "costopt: revert #1 (web right-size CPU and memory (saves $40.25/mo))",
      head: `${BRANCH}-revert-1`,
      base: "master",
    });
    // The reviewer sees what is in place now and what comes back, in one table after one blank line.
    const revertBody = (gh.bodies("createPull")[0] as Record<string, string>).body;
    expect(revertBody).toContain(
      "nothing else in these files is touched.\n\n### Restored values\n\n| File | Field | Current | Restored |\n|---|---|---|---|\n" +
        '| `k8s/web.yaml` (doc 0) | `/spec/template/spec/containers/0/resources/requests/cpu` | `"250m"` | `"500m"` |',
    );
    expect(revertBody).not.toMatch(/\n\n\n/);
    expect(gh.bodies("issueUpdate")[0]).toEqual({ labels: ["cost-optimization", "costopt:rollback"] });
    expect(parseMetadata(gh.bodies("updatePull")[0]?.body, TEST_KEY)?.rolledBack).toBe(2);
    expect(gh.bodies("comment")[0]?.body).toBe(
      "Rolling back (the policy was deleted with rollbackOnFailure): #2.",
    );
  });

  it("reverts on a health regression with auto-merge under autoApply, and refuses over a later edit", async () => {
    const { body } = await openedBody();
    const after = WEB.replace("cpu: 500m", "cpu: 250m").replace(/memory: 512Mi/g, "memory: 384Mi");
    const merged = { number: 1, branch: BRANCH, body, state: "closed" as const, merged: true };
    gh.history(BRANCH, [merged]).history(`${BRANCH}-revert-1`, []);
    ownCommit(body, { "k8s/web.yaml": [WEB, after] });
    gh.snapshot({ "k8s/web.yaml": after.replace("cpu: 250m", "cpu: 333m") })
      .comment(1)
      .updatePull(1, BRANCH);
    const conflict = await rollbackPolicy(policy({ autoApply: true }), "3 OOM kills in 10 minutes", {
      forge: forge(),
      metadataKey: TEST_KEY,
      store: new MemoryStore(),
    });
    expect(phaseOf(conflict)).toBe("Failed");
    expect(conflict).toMatchObject({
      failureReason: "RollbackConflict",
      rollback: { action: "conflict" },
    });
    expect(gh.bodies("comment")[0]?.body).toContain(
      '/spec/template/spec/containers/0/resources/requests/cpu is now "333m", not "250m"',
    );
    expect(gh.bodies("tree")).toEqual([]);

    // The same regression signalled again: the conflict is not explained a second time.
    const noted = gh.bodies("updatePull")[0]?.body as string;
    gh.history(BRANCH, [{ ...merged, body: noted }]).history(`${BRANCH}-revert-1`, []);
    ownCommit(body, { "k8s/web.yaml": [WEB, after] });
    gh.snapshot({ "k8s/web.yaml": after.replace("cpu: 250m", "cpu: 333m") });
    const again = await rollbackPolicy(policy({ autoApply: true }), "3 OOM kills in 10 minutes", {
      forge: forge(),
      metadataKey: TEST_KEY,
      store: new MemoryStore(),
    });
    expect(again.rollback?.action).toBe("conflict");
    expect(gh.bodies("comment")).toHaveLength(1);

    gh.history(BRANCH, [merged]).history(`${BRANCH}-revert-1`, []);
    ownCommit(body, { "k8s/web.yaml": [WEB, after] });
    gh.snapshot({ "k8s/web.yaml": after })
      .commit("r".repeat(40))
      .createRef()
      .openPull(2, `${BRANCH}-revert-1`)
      .issueUpdate(2);
    gh.autoMerge("PR_node_2").updatePull(1, BRANCH).comment(1);
    const reverted = await rollbackPolicy(policy({ autoApply: true }), "3 OOM kills in 10 minutes", {
      forge: forge(),
      metadataKey: TEST_KEY,
      store: new MemoryStore(),
    });
    expect(reverted.rollback?.action).toBe("opened");
    expect(reverted.pullRequest?.number).toBe(2);
  });
});
