// "Open this pull request now" ticked on the dashboard reaches the leader as an annotation; its next
// pass lifts the one gate that held the policy back (dry run here, minConfidence there), and no
// other. In serve, a repository's dashboard is synced once per burst of results.

import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { GitHubForge } from "../../src/forge/github/index.js";
import { DashboardBook } from "../../src/gitops/dashboard/book.js";
import { liftRequested, OPEN_NOW_ANNOTATION } from "../../src/gitops/dashboard/lift.js";
import type { UsageSource } from "../../src/metrics/types.js";
import type { Recommendation } from "../../src/recommend/types.js";
import { GitOpsReconciler } from "../../src/server/gitops-reconciler.js";
import { MemoryStore } from "../../src/state/memory.js";
import { FakeGitHub } from "../app/github.js";
import { WEB } from "../app/shop.js";
import { REPOSITORY } from "../fixtures/webhooks/index.js";
import { testOctokit } from "../forge/octokit.js";
import { recommendation, SPEC } from "../gitops/recommendation.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { waitFor } from "../support/wait.js";

const NOW = new Date("2026-11-26T06:00:00Z");
const BRANCH = "costopt/shop/web-cost";
const noUsage: UsageSource = { description: "test", usage: async () => new Map() };

function policy(
  spec: Partial<CostOptimization["spec"]>,
  tickedAt?: string,
  status?: CostOptimization["status"],
) {
  return {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: {
      name: "web-cost",
      namespace: "shop",
      ...(tickedAt ? { annotations: { [OPEN_NOW_ANNOTATION]: tickedAt } } : {}),
    },
    spec: { ...SPEC, ...spec },
    ...(status ? { status } : {}),
  } as CostOptimization;
}

function forge() {
  return new GitHubForge({
    octokit: testOctokit(),
    owner: REPOSITORY.owner,
    repo: REPOSITORY.repo,
  });
}

/** The engine's verdict, given the spec it is judged under (a stub for the recommender). */
function judged(spec: CostOptimization["spec"]): Recommendation {
  const passed = 0.55 >= spec.minConfidence;
  return recommendation({
    confidence: { score: 0.55, factors: [] },
    decision: {
      allowed: passed,
      stepped: false,
      checks: [
        { gate: "minConfidence", passed, detail: `confidence 0.55 vs minConfidence ${spec.minConfidence}` },
        { gate: "maxRiskLevel", passed: true, detail: "risk LOW is within maxRiskLevel MEDIUM" },
      ],
      steps: [],
      reasons: [],
    },
  });
}

function reconciler(f: GitHubForge, seen: string[] = [], book?: DashboardBook) {
  return new GitOpsReconciler({
    forgeFor: async () => ({ forge: f }),
    store: new MemoryStore(),
    usage: noUsage,
    metadataKey: TEST_KEY,
    now: () => NOW,
    extra: {
      recommender: { name: "stub", recommend: async (input) => judged(input.spec) },
    },
    onResult: (_p, forge, r) => {
      seen.push(r.proposal?.action ?? r.failureReason ?? "no proposal");
      book?.record(forge, r);
    },
  });
}

let gh: FakeGitHub;
beforeEach(() => {
  nock.disableNetConnect();
  gh = new FakeGitHub();
});
afterEach(() => {
  expect(gh.scope.pendingMocks()).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("open this pull request now", () => {
  it("lifts minConfidence for the pass after the tick and opens the pull request", async () => {
    // Without the tick the same pass holds it back.
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []);
    const before: string[] = [];
    await reconciler(forge(), before).reconcile(policy({}));
    expect(before).toEqual(["none"]);

    gh.snapshot({ "k8s/web.yaml": WEB }).head().pulls(BRANCH, []);
    gh.commit("c".repeat(40)).createRef().openPull(1, BRANCH).issueUpdate(1);
    const seen: string[] = [];
    const r = await reconciler(forge(), seen).reconcile(policy({}, "2026-11-26T05:59:00Z"));
    expect(seen).toEqual(["created"]);
    expect(r).toMatchObject({ type: "pass", result: { pullRequest: { number: 1, state: "open" } } });
  });

  it("lifts one gate only: a dry-run policy held back by minConfidence stays a dry run", async () => {
    gh.snapshot({ "k8s/web.yaml": WEB }).head().pulls(BRANCH, []);
    const seen: string[] = [];
    // minConfidence held it back and is lifted; dryRun, the policy's other gate, still applies.
    await reconciler(forge(), seen).reconcile(policy({ dryRun: true }, "2026-11-26T05:59:00Z"));
    expect(seen).toEqual(["dry-run"]);
    expect(gh.bodies("createPull")).toEqual([]);
  });

  it("is a request for one pass: analysed since and no pull request open, it no longer lifts anything", async () => {
    const at = "2026-11-26T05:00:00Z";
    expect(liftRequested(policy({}, at))).toBe(true);
    const since = {
      phase: "Ready" as const,
      appliedOptimizations: 0,
      totalSavings: 0,
      lastAnalysis: "2026-11-26T05:30:00Z",
    };
    expect(liftRequested(policy({}, at, since))).toBe(false);
    const open = { ...since, pullRequest: { number: 1, url: "u", branch: BRANCH, state: "open" as const } };
    expect(liftRequested(policy({}, at, open))).toBe(true);
    expect(
      liftRequested(policy({}, at, { ...open, pullRequest: { ...open.pullRequest, state: "merged" } })),
    ).toBe(false);
    expect(liftRequested(policy({}))).toBe(false);
  });
});

describe("propose again", () => {
  it("opens a proposal a person declined before, once, when ticked", async () => {
    // The proposal as costopt opened it, then closed by a person.
    const first = new FakeGitHub();
    first.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []).commit("c".repeat(40)).createRef();
    first.openPull(1, BRANCH).issueUpdate(1);
    const seen: string[] = [];
    await reconciler(forge(), seen).reconcile(policy({ minConfidence: 0.5 }));
    const body = first.bodies("createPull")[0]?.body as string;
    first.scope.done();

    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, [
      { number: 1, branch: BRANCH, body, state: "closed" },
    ]);
    await reconciler(forge(), seen).reconcile(policy({ minConfidence: 0.5 }));
    gh.snapshot({ "k8s/web.yaml": WEB })
      .commit("d".repeat(40))
      .createRef()
      .openPull(2, BRANCH)
      .issueUpdate(2);
    const again = policy({ minConfidence: 0.5 });
    again.metadata.annotations = { "costopt.dev/propose-again": "2026-11-26T05:59:00Z" };
    await reconciler(forge(), seen).reconcile(again);
    expect(seen).toEqual(["created", "suppressed", "created"]);
  });
});

/** The service's dashboard book, its syncs scheduled by hand (run with flush). */
function dashboardBook() {
  const scheduled = new Map<string, () => void>();
  const book = new DashboardBook({
    store: new MemoryStore(),
    now: () => NOW,
    quietMs: 30_000,
    schedule: (key, fn) => scheduled.set(key, fn),
  });
  return { book, scheduled };
}

/** A serve book that has seen dry runs of shop/web-cost and shop/api-cost; syncs run by hand. */
function bookOfTwo() {
  const { book, scheduled } = dashboardBook();
  const f = forge();
  for (const name of ["web-cost", "api-cost"])
    book.record(f, {
      policy: `shop/${name}`,
      message: "dry run",
      recommendation: recommendation(),
      proposal: { action: "dry-run", message: "dry run" },
      warnings: [],
    });
  return { scheduled, book, f };
}

describe("dashboards in serve", () => {
  it("syncs a repository's dashboard once for a burst of results", async () => {
    const { scheduled, book } = bookOfTwo();
    expect([...scheduled.keys()]).toEqual(["Codertocat/Hello-World"]);
    // No pass read the head through this forge: the sync reads it, the dashboard issues with it.
    gh.snapshot({ "k8s/web.yaml": WEB }).dashboards([]).createIssue(12);
    expect(await book.flush("Codertocat/Hello-World")).toBe("created");
    expect(gh.all).toEqual(["POST /graphql", "POST /graphql", "POST /repos/Codertocat/Hello-World/issues"]);
    const body = gh.bodies("createIssue")[0]?.body as string;
    expect(body).toContain("| `shop/api-cost` |");
    expect(body).toContain("| `shop/web-cost` |");
  });

  it("costs a pass with an unchanged dashboard the head query alone", async () => {
    const { book } = dashboardBook();
    const f = forge();
    const seen: string[] = [];
    // The first pass of the service: the policy held back, the dashboard created once results go quiet.
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []).dashboards([]).createIssue(12);
    await reconciler(f, seen, book).reconcile(policy({}));
    expect(await book.flush("Codertocat/Hello-World")).toBe("created");
    const body = gh.bodies("createIssue")[0]?.body as string;
    expect(body).toContain("| `shop/web-cost` |");

    // The next pass, nothing changed: the head query (the dashboard issue riding on it), and the
    // sync reads neither the repository again nor the issue.
    gh.head().dashboards([{ number: 12, title: "costopt: cost dashboard", body }]);
    gh.all.length = 0;
    await reconciler(f, seen, book).reconcile(policy({}));
    expect(await book.flush("Codertocat/Hello-World")).toBe("unchanged");
    console.info(`FakeGitHub, serve pass that changes nothing, dashboard synced: ${gh.all.length} request`);
    expect(gh.all).toEqual(["POST /graphql"]);
    expect(seen).toEqual(["none", "none"]);
  });
});

describe("a deleted policy in serve", () => {
  it("leaves the dashboard: its row goes and the repository's dashboard is synced without it", async () => {
    const { scheduled, book, f } = bookOfTwo();
    gh.snapshot({ "k8s/web.yaml": WEB }).dashboards([]).createIssue(12);
    expect(await book.flush("Codertocat/Hello-World")).toBe("created");
    const before = gh.bodies("createIssue")[0]?.body as string;
    expect(before).toContain("| `shop/api-cost` |");
    scheduled.clear();

    // The controller's delete reaches the book through the reconciler, under the cluster's key.
    const forgotten: string[] = [];
    const deleting = new GitOpsReconciler({
      forgeFor: async () => ({ forge: f }),
      store: new MemoryStore(),
      usage: noUsage,
      metadataKey: TEST_KEY,
      onForget: (key) => {
        forgotten.push(key);
        book.forget(key);
      },
    });
    const api = policy({});
    api.metadata.name = "api-cost";
    deleting.forget(api);
    expect(forgotten).toEqual(["shop/api-cost"]);
    expect([...scheduled.keys()]).toEqual(["Codertocat/Hello-World"]);

    // The sync works from what the first one read and wrote (the settings of the snapshot it holds,
    // the dashboard it created): one edit, nothing read.
    gh.all.length = 0;
    gh.editIssue(12);
    scheduled.get("Codertocat/Hello-World")?.();
    await waitFor(() => gh.bodies("editIssue")[0]?.body as string | undefined, "the dashboard edited");
    const after = gh.bodies("editIssue")[0]?.body as string;
    expect(gh.all).toEqual(["PATCH /repos/Codertocat/Hello-World/issues/12"]);
    expect(after).not.toContain("shop/api-cost");
    expect(after).toContain("| `shop/web-cost` |");
  });

  it("forgets a policy by its cluster's key", () => {
    const forgotten: string[] = [];
    new GitOpsReconciler({
      forgeFor: async () => ({ forge: forge() }),
      store: new MemoryStore(),
      usage: noUsage,
      metadataKey: TEST_KEY,
      clusterName: "east",
      onForget: (key) => forgotten.push(key),
    }).forget(policy({}));
    expect(forgotten).toEqual(["east/shop/web-cost"]);
  });
});
