import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubForge } from "../../src/forge/github/index.js";
import { ForgeSafetyError, RateLimitError } from "../../src/forge/types.js";
import { testOctokit } from "./octokit.js";

const API = "https://api.github.com";
const BASE = "a".repeat(40);
const TREE = "b".repeat(40);

function forge() {
  return new GitHubForge({ octokit: testOctokit(), owner: "acme", repo: "deploy", writeIntervalMs: 0 });
}

function pull(number: number, extra: Record<string, unknown> = {}) {
  return {
    number,
    html_url: `https://github.com/acme/deploy/pull/${number}`,
    node_id: `PR_${number}`,
    title: "t",
    body: "b",
    state: "open",
    merged_at: null,
    merge_commit_sha: null,
    head: { ref: "costopt/shop/web", sha: "c".repeat(40) },
    base: { ref: "main" },
    labels: [],
    ...extra,
  };
}

/** The default branch head, then its recursive tree listing. */
function headAndTree(scope: nock.Scope, truncated: boolean, tree: Record<string, unknown>[]) {
  headQuery(scope);
  scope.get(`/repos/acme/deploy/git/trees/${TREE}`).query({ recursive: "1" }).reply(200, { truncated, tree });
}

function headQuery(scope: nock.Scope) {
  return scope
    .post("/graphql", (b) => String(b.query).includes("defaultBranchRef"))
    .reply(200, {
      data: {
        repository: { defaultBranchRef: { name: "main", target: { oid: BASE, tree: { oid: TREE } } } },
      },
    });
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("GitHub forge", () => {
  it("reads the tree once and the YAML contents in one GraphQL batch", async () => {
    const scope = nock(API);
    headAndTree(scope, false, [
      { path: "k8s", type: "tree", sha: "t1", mode: "040000" },
      { path: "k8s/web.yaml", type: "blob", sha: "s1", size: 10, mode: "100644" },
      { path: "k8s/logo.png", type: "blob", sha: "s2", size: 10, mode: "100644" },
      { path: "k8s/huge.yaml", type: "blob", sha: "s3", size: 5_000_000, mode: "100644" },
      { path: "k8s/bin.yml", type: "blob", sha: "s4", size: 10, mode: "100644" },
    ]);
    scope
      .post(
        "/graphql",
        (b) => b.query.includes("b1: object(oid: $o1)") && b.variables.o0 === "s1" && b.variables.o1 === "s4",
      )
      .reply(200, {
        data: {
          repository: {
            b0: { text: "kind: Deployment\n", isBinary: false },
            b1: { text: null, isBinary: true },
          },
        },
      });
    const gh = forge();
    const snap = await gh.snapshot();
    // The same head again: one query, no second tree or blob read.
    headQuery(scope);
    expect(await gh.snapshot()).toBe(snap);
    expect(snap).toEqual({
      branch: "main",
      commitSha: BASE,
      treeSha: TREE,
      files: [{ path: "k8s/web.yaml", content: "kind: Deployment\n" }],
      skipped: [
        { path: "k8s/huge.yaml", reason: "too large" },
        { path: "k8s/bin.yml", reason: "binary" },
      ],
    });
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("reads contents in batches of blobBatch", async () => {
    const scope = nock(API);
    headAndTree(
      scope,
      true,
      ["a", "b", "c"].map((n) => ({
        path: `${n}.yaml`,
        type: "blob",
        sha: n,
        size: 5,
        mode: "100644",
      })),
    );
    scope
      .post("/graphql", (b) => b.variables.o1 === "b" && !b.query.includes("b2:"))
      .reply(200, {
        data: {
          repository: { b0: { text: "a: 1\n", isBinary: false }, b1: { text: "b: 1\n", isBinary: false } },
        },
      });
    scope
      .post("/graphql", (b) => b.variables.o0 === "c" && !b.query.includes("b1:"))
      .reply(200, { data: { repository: { b0: { text: "c: 1\n", isBinary: false } } } });
    const gh = new GitHubForge({
      octokit: testOctokit(),
      owner: "acme",
      repo: "deploy",
      writeIntervalMs: 0,
      blobBatch: 2,
    });
    const snap = await gh.snapshot();
    expect(snap.files.map((f) => f.path)).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    expect(snap.skipped).toEqual([
      { path: "/", reason: "tree listing truncated by GitHub; some files unseen" },
    ]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("opens a 3-file PR with labels, assignees and reviewers in at most 8 REST calls", async () => {
    const rest: string[] = [];
    const scope = nock(API);
    scope.on("request", (req: { method: string; path?: string; url?: string }) => {
      const path = req.path ?? new URL(req.url as string).pathname;
      if (!path.startsWith("/graphql")) rest.push(`${req.method} ${path}`);
    });
    headQuery(scope);
    const files = [
      { path: "k8s/web.yaml", content: "cpu: 250m\n" },
      { path: "k8s/api.yaml", content: "cpu: 100m\n" },
      { path: "k8s/keda.yaml", content: "kind: ScaledObject\n" },
    ];
    scope
      .get("/repos/acme/deploy/pulls")
      .query({
        head: "acme:costopt/shop/web",
        state: "all",
        sort: "created",
        direction: "desc",
        per_page: "20",
      })
      .reply(200, []);
    scope
      .post("/repos/acme/deploy/git/trees", {
        base_tree: TREE,
        tree: files.map((f) => ({ path: f.path, mode: "100644", type: "blob", content: f.content })),
      })
      .reply(201, { sha: "d".repeat(40) });
    scope
      .post("/repos/acme/deploy/git/commits", {
        message: "costopt: web",
        tree: "d".repeat(40),
        parents: [BASE],
      })
      .reply(201, { sha: "e".repeat(40) });
    scope
      .post("/repos/acme/deploy/git/refs", { ref: "refs/heads/costopt/shop/web", sha: "e".repeat(40) })
      .reply(201, {});
    scope
      .post("/repos/acme/deploy/pulls", {
        title: "costopt: web",
        head: "costopt/shop/web",
        base: "main",
        body: "body",
        maintainer_can_modify: false,
      })
      .reply(201, pull(7));
    scope
      .patch("/repos/acme/deploy/issues/7", { labels: ["cost-optimization", "risk:low"], assignees: ["ops"] })
      .reply(200, {});
    scope
      .post("/repos/acme/deploy/pulls/7/requested_reviewers", {
        reviewers: ["alice"],
        team_reviewers: ["sre"],
      })
      .reply(201, {});

    const gh = forge();
    const branch = "costopt/shop/web";
    expect(await gh.defaultBranch()).toBe("main");
    expect(await gh.pullRequests(branch)).toEqual([]);
    await gh.commitBranch({
      branch,
      base: { commitSha: BASE, treeSha: TREE },
      message: "costopt: web",
      files,
      exists: false,
    });
    const pr = await gh.openPullRequest({
      branch,
      base: "main",
      title: "costopt: web",
      body: "body",
      labels: ["cost-optimization", "risk:low"],
      assignees: ["ops"],
      reviewers: ["alice"],
      teamReviewers: ["sre"],
    });
    expect(pr).toMatchObject({
      number: 7,
      state: "open",
      nodeId: "PR_7",
      labels: ["cost-optimization", "risk:low"],
    });
    expect(rest).toHaveLength(7);
    expect(rest.length).toBeLessThanOrEqual(8);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("force-updates a branch an interrupted run left behind", async () => {
    const scope = nock(API);
    headQuery(scope);
    scope.post("/repos/acme/deploy/git/trees").reply(201, { sha: "d".repeat(40) });
    scope.post("/repos/acme/deploy/git/commits").reply(201, { sha: "e".repeat(40) });
    scope.post("/repos/acme/deploy/git/refs").reply(422, { message: "Reference already exists" });
    scope
      .patch("/repos/acme/deploy/git/refs/heads%2Fcostopt%2Fshop%2Fweb", { sha: "e".repeat(40), force: true })
      .reply(200, {});
    const sha = await forge().commitBranch({
      branch: "costopt/shop/web",
      base: { commitSha: BASE, treeSha: TREE },
      message: "m",
      files: [{ path: "a.yaml", content: "a: 1\n" }],
      exists: false,
    });
    expect(sha).toBe("e".repeat(40));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("never writes to the default branch", async () => {
    const scope = nock(API);
    headQuery(scope);
    await expect(
      forge().commitBranch({
        branch: "main",
        base: { commitSha: BASE },
        message: "m",
        files: [],
        exists: true,
      }),
    ).rejects.toBeInstanceOf(ForgeSafetyError);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("turns a secondary rate limit with retry-after into a RateLimitError", async () => {
    const scope = nock(API);
    scope
      .get("/repos/acme/deploy/pulls")
      .query(true)
      .reply(403, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "42" });
    const err = await forge()
      .pullRequests("costopt/x/y")
      .catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfterSeconds).toBe(42);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("closes with a comment and copes with a branch that is already gone", async () => {
    const scope = nock(API);
    headQuery(scope);
    scope.post("/repos/acme/deploy/issues/7/comments", { body: "bye" }).reply(201, {});
    scope
      .patch("/repos/acme/deploy/pulls/7", { state: "closed", body: "new" })
      .reply(200, pull(7, { state: "closed" }));
    scope
      .delete("/repos/acme/deploy/git/refs/heads%2Fcostopt%2Fshop%2Fweb")
      .reply(422, { message: "Reference does not exist" });
    await forge().closePullRequest(7, { comment: "bye", body: "new" });
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("enables auto-merge with GraphQL and maps collaborator permissions", async () => {
    const scope = nock(API);
    scope
      .post("/graphql", (b) => b.query.includes("enablePullRequestAutoMerge") && b.variables.id === "PR_7")
      .reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });
    scope.get("/repos/acme/deploy/collaborators/alice/permission").reply(200, { permission: "write" });
    scope.get("/repos/acme/deploy/collaborators/mallory/permission").reply(404, { message: "Not Found" });
    const gh = forge();
    await gh.enableAutoMerge({ number: 7, nodeId: "PR_7" } as never);
    expect(await gh.permission("alice")).toBe("write");
    expect(await gh.permission("mallory")).toBe("none");
    expect(scope.pendingMocks()).toEqual([]);
  });
});
