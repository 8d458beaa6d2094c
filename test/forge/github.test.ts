import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubForge } from "../../src/forge/github/index.js";
import { ForgeSafetyError, RateLimitError } from "../../src/forge/types.js";
import { ManualClock } from "../support/clock.js";
import { answerGraphql, graphIssues, graphTree } from "../support/github-graph.js";
import {
  apiError,
  comparison,
  gitBlob,
  gitCommit,
  gitRef,
  gitTree,
  issue,
  issueComment,
  permission,
  pullListItem,
  pull as restPull,
  reviewRequested,
  type TreeEntry,
} from "../support/github-shapes.js";
import { testOctokit } from "./octokit.js";

const API = "https://api.github.com";
const REPO = { owner: "acme", repo: "deploy" };
const BASE = "a".repeat(40);
const TREE = "b".repeat(40);
const sha = (n: number | string) => `${n}`.padStart(40, "0");

function forge(extra: Partial<ConstructorParameters<typeof GitHubForge>[0]> = {}) {
  return new GitHubForge({
    octokit: testOctokit(),
    owner: "acme",
    repo: "deploy",
    ...extra,
  });
}

const page = (nodes: unknown[], hasNextPage = false, endCursor: string | null = null) => ({
  pageInfo: { hasNextPage, endCursor },
  nodes,
});

function graphPull(number: number, branch: string, extra: Record<string, unknown> = {}) {
  return {
    number,
    url: `https://github.com/acme/deploy/pull/${number}`,
    id: `PR_${number}`,
    title: "t",
    body: "b",
    state: "OPEN",
    createdAt: "2026-01-05T11:00:00Z",
    mergedAt: null,
    mergeCommit: null,
    headRefName: branch,
    headRefOid: "c".repeat(40),
    baseRefName: "main",
    isCrossRepository: false,
    labels: { nodes: [] },
    ...extra,
  };
}

/** The head commit's files, as the head query lists its tree and REST lists it (set by treeListing). */
let listed: TreeEntry[] = [];

/** The repository a head query runs over: `main` at BASE with the listed tree, one page of open PRs. */
function repository(open: unknown[] = [], more = false, extra: Record<string, unknown> = {}) {
  return {
    defaultBranchRef: {
      name: "main",
      target: { __typename: "Commit", oid: BASE, tree: graphTree(TREE, listed) },
    },
    pullRequests: () => page(open, more, more ? "cursor1" : null),
    // No dashboard issue: the head query's dashboards field answered empty.
    issues: (a: Parameters<typeof graphIssues>[1]) => graphIssues([], a),
    ...extra,
  };
}

/** The head query: the default branch (its tree when asked) and the first page of open PRs. */
function headQuery(
  scope: nock.Scope,
  open: unknown[] = [],
  more = false,
  log?: string[],
  extra: Record<string, unknown> = {},
) {
  let asked: { query?: string; variables?: Record<string, unknown> } = {};
  return scope
    .post("/graphql", (b) => {
      if (!String(b.query).includes("defaultBranchRef")) return false;
      asked = b;
      log?.push(String(b.query).includes("entries") ? "head with tree" : "head");
      return true;
    })
    .reply(200, () => answerGraphql(asked, repository(open, more, extra)));
}

/**
 * The head commit's files. The head query lists them when it asks for the tree; `rest` also
 * answers REST's recursive listing (a tree deeper than the query reaches, a failed query).
 */
function treeListing(
  scope: nock.Scope,
  entries: TreeEntry[],
  o: { rest?: boolean; truncated?: boolean } = {},
) {
  listed = entries;
  if (o.rest)
    scope
      .get(`/repos/acme/deploy/git/trees/${TREE}`)
      .query({ recursive: "1" })
      .reply(200, gitTree(REPO, TREE, entries, o.truncated));
}

const blob = (path: string, n: number, size = 10, mode = "100644"): TreeEntry => ({
  path,
  type: "blob",
  mode,
  sha: sha(n),
  size,
});

beforeEach(() => {
  nock.disableNetConnect();
  listed = [];
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("GitHub forge: reading", () => {
  it("reads the tree once and the YAML contents in one GraphQL batch", async () => {
    const scope = nock(API);
    headQuery(scope);
    treeListing(scope, [
      { path: "k8s", type: "tree", sha: sha("t1"), mode: "040000" },
      blob("k8s/bin.yml", 4),
      blob("k8s/huge.yaml", 3, 5_000_000),
      blob("k8s/link.yaml", 5, 8, "120000"),
      blob("k8s/logo.png", 2),
      blob("k8s/web.yaml", 1),
    ]);
    scope
      .post(
        "/graphql",
        (b) =>
          b.query.includes("b1: object(oid: $o1)") && b.variables.o0 === sha(4) && b.variables.o1 === sha(1),
      )
      .reply(200, {
        data: {
          repository: {
            b0: { text: null, isBinary: true, isTruncated: false },
            b1: { text: "kind: Deployment\n", isBinary: false, isTruncated: false },
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
        {
          path: "k8s/link.yaml",
          reason: "a symlink: not followed or edited (its target is read where it lives)",
        },
        { path: "k8s/bin.yml", reason: "binary" },
      ],
    });
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("reads a repository in 2 requests in a fresh process, 1 once it has a snapshot of the head", async () => {
    const scope = nock(API);
    const sent: string[] = [];
    scope.on("request", (req: { method: string; path?: string; url?: string }) =>
      sent.push(`${req.method} ${req.path ?? new URL(req.url as string).pathname}`),
    );
    headQuery(scope);
    treeListing(scope, [blob("clusters/prod/apps/shop/web.yaml", 1)]);
    scope
      .post("/graphql", (b) => b.query.includes("object(oid:") && b.variables.o0 === sha(1))
      .reply(200, { data: { repository: { b0: { text: "a: 1\n", isBinary: false, isTruncated: false } } } });
    const gh = forge();
    const snap = await gh.snapshot();
    expect(snap.files).toEqual([{ path: "clusters/prod/apps/shop/web.yaml", content: "a: 1\n" }]);
    console.info(`GitHub forge, cold read of an unchanged repository: ${sent.length} requests`);
    expect(sent).toEqual(["POST /graphql", "POST /graphql"]);
    sent.length = 0;
    headQuery(scope);
    expect(await gh.snapshot()).toBe(snap);
    console.info(`GitHub forge, warm read of an unchanged repository: ${sent.length} request`);
    expect(sent).toEqual(["POST /graphql"]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("lists a tree deeper than the head query reaches through REST", async () => {
    const scope = nock(API);
    const log: string[] = [];
    headQuery(scope, [], false, log);
    // Eight directories are listed by the query; the ninth level holds a directory it cannot open.
    const path = "a/b/c/d/e/f/g/h/i/web.yaml";
    treeListing(scope, [blob(path, 2), blob("top.yaml", 1)], { rest: true });
    scope
      .post(
        "/graphql",
        (b) => b.query.includes("object(oid:") && b.variables.o0 === sha(2) && b.variables.o1 === sha(1),
      )
      .reply(200, {
        data: {
          repository: {
            b0: { text: "deep: 1\n", isBinary: false, isTruncated: false },
            b1: { text: "top: 1\n", isBinary: false, isTruncated: false },
          },
        },
      });
    const snap = await forge().snapshot();
    expect(snap.files).toEqual([
      { path, content: "deep: 1\n" },
      { path: "top.yaml", content: "top: 1\n" },
    ]);
    expect(log).toEqual(["head with tree"]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it.each([
    [
      "answers with GraphQL errors",
      200,
      {
        data: null,
        errors: [
          { message: "Something went wrong while executing your query. This may be the result of a timeout" },
        ],
      },
    ],
    ["fails with 502", 502, { message: "Server Error" }],
  ])(
    "asks again without the tree, then lists it through REST, when the head query %s",
    async (_, status, answer) => {
      const scope = nock(API);
      const log: string[] = [];
      scope
        .post("/graphql", (b) => {
          const ok = String(b.query).includes("entries");
          if (ok) log.push("head with tree");
          return ok;
        })
        .reply(status, answer);
      headQuery(scope, [graphPull(3, "costopt/shop/web")], false, log);
      treeListing(scope, [blob("web.yaml", 1, 10, "100755")], { rest: true });
      scope
        .post("/graphql", (b) => b.query.includes("object(oid:") && b.variables.o0 === sha(1))
        .reply(200, {
          data: { repository: { b0: { text: "a: 1\n", isBinary: false, isTruncated: false } } },
        });
      const gh = forge();
      const snap = await gh.snapshot();
      expect(snap.files).toEqual([{ path: "web.yaml", content: "a: 1\n" }]);
      expect(log).toEqual(["head with tree", "head"]);
      // What the retried head query read is kept: the open pull request costs nothing more.
      expect((await gh.openPullRequestFrom("costopt/shop/web"))?.number).toBe(3);
      expect(scope.pendingMocks()).toEqual([]);
    },
  );

  it("reads a file GitHub's GraphQL cut short in full through the blob API", async () => {
    const big = `kind: ConfigMap\ndata:\n  blob: "${"x".repeat(600_000)}"\n`;
    const scope = nock(API);
    headQuery(scope);
    treeListing(scope, [blob("big.yaml", 1, Buffer.byteLength(big))]);
    scope
      .post("/graphql", (b) => b.query.includes("object(oid:"))
      .reply(200, {
        data: { repository: { b0: { text: big.slice(0, 512_000), isBinary: false, isTruncated: true } } },
      });
    scope.get(`/repos/acme/deploy/git/blobs/${sha(1)}`).reply(200, gitBlob(REPO, sha(1), big));
    const snap = await forge().snapshot();
    expect(snap.files).toEqual([{ path: "big.yaml", content: big }]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("refuses a blob that comes back shorter than its size instead of using it", async () => {
    const scope = nock(API);
    headQuery(scope);
    treeListing(scope, [blob("big.yaml", 1, 700_000)]);
    scope
      .post("/graphql", (b) => b.query.includes("object(oid:"))
      .reply(200, {
        data: { repository: { b0: { text: "a: 1\n", isBinary: false, isTruncated: true } } },
      });
    const cut = gitBlob(REPO, sha(1), "a: 1\n");
    cut.size = 700_000;
    scope.get(`/repos/acme/deploy/git/blobs/${sha(1)}`).reply(200, cut);
    await expect(forge().snapshot()).rejects.toThrow(/big\.yaml came back with 5 of 700000 bytes/);
  });

  it("reads contents in batches of blobBatch", async () => {
    const scope = nock(API);
    headQuery(scope);
    // A file nine directories down is deeper than the head query lists: REST lists the tree (cut).
    const deep = blob("1/2/3/4/5/6/7/8/9/notes.txt", 9, 5);
    treeListing(scope, [blob("a.yaml", 1, 5), blob("b.yaml", 2, 5), blob("c.yaml", 3, 5), deep], {
      rest: true,
      truncated: true,
    });
    scope
      .post("/graphql", (b) => b.variables.o1 === sha(2) && !b.query.includes("b2:"))
      .reply(200, {
        data: {
          repository: {
            b0: { text: "a: 1\n", isBinary: false, isTruncated: false },
            b1: { text: "b: 1\n", isBinary: false, isTruncated: false },
          },
        },
      });
    scope
      .post("/graphql", (b) => b.variables.o0 === sha(3) && !b.query.includes("b1:"))
      .reply(200, { data: { repository: { b0: { text: "c: 1\n", isBinary: false, isTruncated: false } } } });
    const snap = await forge({ blobBatch: 2 }).snapshot();
    expect(snap.files.map((f) => f.path)).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    expect(snap.skipped).toEqual([
      { path: "/", reason: "tree listing truncated by GitHub; some files unseen" },
    ]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("reads the branch it is told to target, not the default branch, and never writes either", async () => {
    const scope = nock(API);
    const RELEASE = "d".repeat(40);
    let asked: { query?: string; variables?: Record<string, unknown> } = {};
    scope
      .post("/graphql", (b) => {
        asked = b;
        return (
          String(b.query).includes("ref(qualifiedName: $ref)") && b.variables.ref === "refs/heads/release"
        );
      })
      .reply(200, () =>
        answerGraphql(
          asked,
          repository([], false, {
            defaultBranchRef: { name: "main" },
            ref: { target: { __typename: "Commit", oid: RELEASE, tree: graphTree(TREE, []) } },
          }),
        ),
      );
    const gh = forge({ branch: "release" });
    const snap = await gh.snapshot();
    expect(snap).toMatchObject({ branch: "release", commitSha: RELEASE });
    expect(await gh.defaultBranch()).toBe("release");
    for (const branch of ["release", "main"])
      await expect(
        gh.commitBranch({ branch, base: { commitSha: RELEASE }, message: "m", files: [], exists: true }),
      ).rejects.toBeInstanceOf(ForgeSafetyError);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("counts open proposals over every page of open pull requests, forks' branches excluded", async () => {
    const scope = nock(API);
    const first = Array.from({ length: 100 }, (_, i) =>
      graphPull(i + 1, i < 3 ? `costopt/p/${i}` : `feature/${i}`),
    );
    headQuery(scope, first, true);
    scope
      .post("/graphql", (b) => String(b.query).includes("after: $after") && b.variables.after === "cursor1")
      .reply(200, {
        data: {
          repository: {
            pullRequests: page([
              graphPull(101, "costopt/p/101"),
              graphPull(102, "costopt/fork", { isCrossRepository: true }),
            ]),
          },
        },
      });
    treeListing(scope, []);
    const gh = forge();
    await gh.snapshot();
    expect(await gh.openProposalCount()).toBe(4);
    expect((await gh.openPullRequestFrom("costopt/p/101"))?.number).toBe(101);
    expect(await gh.openPullRequestFrom("costopt/fork")).toBeUndefined();
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("counts proposals opened within the hour from what the head query read, a PR it closes too", async () => {
    const clock = new ManualClock();
    const ago = (minutes: number) => new Date(clock.now() - minutes * 60_000).toISOString();
    const open = [
      graphPull(1, "costopt/a", { createdAt: ago(30) }),
      graphPull(2, "costopt/b", { createdAt: ago(120) }),
      graphPull(3, "feature/x", { createdAt: ago(10) }),
      graphPull(4, "costopt/fork", { createdAt: ago(10), isCrossRepository: true }),
      graphPull(7, "costopt/shop/web", { createdAt: ago(5) }),
    ];
    // costopt/a's closed and merged ones, under the alias the head query gives the branch.
    const history = [
      graphPull(5, "costopt/a", { createdAt: ago(20), state: "CLOSED" }),
      graphPull(6, "costopt/a", { createdAt: ago(180), state: "MERGED" }),
    ];
    const scope = nock(API);
    headQuery(scope, [], false, undefined, {
      pullRequests: (a: { headRefName?: string }) =>
        page(a.headRefName === "costopt/a" ? history : a.headRefName ? [] : open),
    });
    treeListing(scope, []);
    const gh = forge({ defaultBranch: "main", now: clock.now });
    gh.beginPass(["costopt/a", "costopt/shop/web"]);
    await gh.snapshot();
    // #1, #5 and #7; #2 and #6 are older than the hour, #3 is not costopt's, #4 is a fork's.
    expect(await gh.proposalsOpenedWithin(3600)).toBe(3);
    expect(await gh.proposalsOpenedWithin(25 * 60)).toBe(2);

    // Closed in this pass, #7 still counts: it was opened within the hour.
    scope
      .patch("/repos/acme/deploy/pulls/7", { state: "closed" })
      .reply(
        200,
        restPull(
          { number: 7, branch: "costopt/shop/web", body: "", state: "closed", createdAt: ago(5) },
          REPO,
        ),
      );
    scope.delete("/repos/acme/deploy/git/refs/heads%2Fcostopt%2Fshop%2Fweb").reply(204);
    await gh.closePullRequest(7);
    expect(await gh.proposalsOpenedWithin(3600)).toBe(3);
    clock.advance(31 * 60_000);
    expect(await gh.proposalsOpenedWithin(3600)).toBe(2);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("pages through a branch's pull request history over REST", async () => {
    const scope = nock(API);
    const q = { head: "acme:costopt/x/y", state: "all", sort: "created", direction: "desc", per_page: "100" };
    const pulls = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) =>
        pullListItem({ number: from + i, branch: "costopt/x/y", body: "", state: "closed" }, REPO),
      );
    scope
      .get("/repos/acme/deploy/pulls")
      .query({ ...q, page: "1" })
      .reply(200, pulls(1, 100), {
        link: '<https://api.github.com/repos/acme/deploy/pulls?page=2>; rel="next", <https://api.github.com/repos/acme/deploy/pulls?page=2>; rel="last"',
      });
    scope
      .get("/repos/acme/deploy/pulls")
      .query({ ...q, page: "2" })
      .reply(200, pulls(101, 3));
    expect(await forge().pullRequests("costopt/x/y")).toHaveLength(103);
    expect(scope.pendingMocks()).toEqual([]);
  });
});

describe("GitHub forge: costopt's own commit, as a rollback reads it", () => {
  const HEAD = "c".repeat(40);

  it("lists the paths a commit changes against its parent, a rename's old path too", async () => {
    const scope = nock(API);
    const answer = comparison(REPO, BASE, HEAD, [
      { filename: "k8s/web.yaml", status: "modified" },
      { filename: "k8s/web-scaledobject.yaml", status: "added" },
    ]);
    answer.files.push({
      ...answer.files[0],
      filename: "k8s/new.yaml",
      previous_filename: "k8s/old.yaml",
      status: "renamed",
    });
    scope.get(`/repos/acme/deploy/compare/${BASE}...${HEAD}`).query({ per_page: "100" }).reply(200, answer);
    expect(await forge().changedPaths(BASE, HEAD)).toEqual([
      "k8s/web.yaml",
      "k8s/web-scaledobject.yaml",
      "k8s/new.yaml",
      "k8s/old.yaml",
    ]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("reads files at a commit in one GraphQL query, a cut one whole through the blob API", async () => {
    const big = `kind: ConfigMap\ndata:\n  blob: "${"x".repeat(600_000)}"\n`;
    const scope = nock(API);
    scope
      .post(
        "/graphql",
        (b) =>
          b.variables.e0 === `${HEAD}:k8s/web.yaml` &&
          b.variables.e1 === `${HEAD}:big.yaml` &&
          b.variables.e2 === `${HEAD}:gone.yaml` &&
          b.variables.e3 === `${HEAD}:logo.png`,
      )
      .reply(200, {
        data: {
          repository: {
            f0: { oid: sha(1), text: "a: 1\n", isBinary: false, isTruncated: false },
            f1: { oid: sha(2), text: big.slice(0, 512_000), isBinary: false, isTruncated: true },
            f2: null,
            f3: { oid: sha(3), text: null, isBinary: true, isTruncated: false },
          },
        },
      });
    scope.get(`/repos/acme/deploy/git/blobs/${sha(2)}`).reply(200, gitBlob(REPO, sha(2), big));
    const files = await forge().filesAt(HEAD, ["k8s/web.yaml", "big.yaml", "gone.yaml", "logo.png"]);
    expect([...files]).toEqual([
      ["k8s/web.yaml", "a: 1\n"],
      ["big.yaml", big],
      ["gone.yaml", null],
      ["logo.png", null],
    ]);
    expect(scope.pendingMocks()).toEqual([]);
  });
});

describe("GitHub forge: writing", () => {
  it.each([
    ["the head query", false],
    ["REST, the tree being deeper than the head query lists", true],
  ])(
    "keeps an executable's mode and refuses to write over a symlink or a submodule, listed by %s",
    async (_, deep) => {
      const scope = nock(API);
      const log: string[] = [];
      headQuery(scope, [], false, log);
      treeListing(
        scope,
        [
          blob("deploy.sh.yaml", 1, 10, "100755"),
          blob("k8s/link.yaml", 3, 8, "120000"),
          blob("k8s/web.yaml", 2),
          ...(deep ? [blob("1/2/3/4/5/6/7/8/9/notes.txt", 9, 5)] : []),
          { path: "vendor/lib.yaml", type: "commit", mode: "160000", sha: sha(4) },
        ],
        { rest: deep },
      );
      scope
        .post("/graphql", (b) => b.query.includes("object(oid:"))
        .reply(200, {
          data: {
            repository: {
              b0: { text: "a: 1\n", isBinary: false, isTruncated: false },
              b1: { text: "b: 1\n", isBinary: false, isTruncated: false },
            },
          },
        });
      const trees: unknown[] = [];
      scope
        .post("/repos/acme/deploy/git/trees", (b) => trees.push(b) > 0)
        .reply(201, gitTree(REPO, "d".repeat(40), []));
      scope
        .post("/repos/acme/deploy/git/commits")
        .reply(
          201,
          gitCommit(REPO, { sha: "e".repeat(40), message: "m", tree: "d".repeat(40), parents: [BASE] }),
        );
      scope
        .post("/repos/acme/deploy/git/refs")
        .reply(201, gitRef(REPO, "refs/heads/costopt/a/b", "e".repeat(40)));
      const gh = forge();
      const snap = await gh.snapshot();
      const request = {
        branch: "costopt/a/b",
        base: { commitSha: snap.commitSha, treeSha: snap.treeSha },
        message: "m",
        exists: false,
      };
      await gh.commitBranch({
        ...request,
        files: [
          { path: "deploy.sh.yaml", content: "a: 2\n" },
          { path: "k8s/web.yaml", content: "b: 2\n" },
          { path: "k8s/new.yaml", content: "c: 1\n" },
        ],
      });
      expect(
        (trees[0] as { tree: { path: string; mode: string }[] }).tree.map((t) => [t.path, t.mode]),
      ).toEqual([
        ["deploy.sh.yaml", "100755"],
        ["k8s/web.yaml", "100644"],
        ["k8s/new.yaml", "100644"],
      ]);
      await expect(
        gh.commitBranch({ ...request, files: [{ path: "k8s/link.yaml", content: "x: 1\n" }] }),
      ).rejects.toThrow(/refusing to write k8s\/link\.yaml: it is not a regular file \(git mode 120000\)/);
      await expect(
        gh.commitBranch({ ...request, files: [{ path: "vendor/lib.yaml", content: "x: 1\n" }] }),
      ).rejects.toThrow(/refusing to write vendor\/lib\.yaml: it is not a regular file \(git mode 160000\)/);
      // The symlink and the submodule are never read as manifests.
      expect(snap.files.map((f) => f.path)).toEqual(["deploy.sh.yaml", "k8s/web.yaml"]);
      expect(snap.skipped.map((f) => f.path)).toEqual(["k8s/link.yaml"]);
      expect(log).toEqual(["head with tree"]);
      expect(scope.pendingMocks()).toEqual([]);
    },
  );

  /** Opens a PR of n files with labels, assignees and reviewers; the requests after the read. */
  async function openCost(n: number): Promise<string[]> {
    const all: string[] = [];
    const scope = nock(API);
    // The branch as read before planning (head, tree, blobs), then only what opening costs is counted.
    headQuery(scope);
    treeListing(scope, [blob("k8s/web.yaml", 1)]);
    scope
      .post("/graphql", (b) => b.query.includes("object(oid:"))
      .reply(200, {
        data: { repository: { b0: { text: "cpu: 500m\n", isBinary: false, isTruncated: false } } },
      });
    const gh = forge();
    await gh.snapshot();
    scope.on("request", (req: { method: string; path?: string; url?: string }) => {
      all.push(`${req.method} ${req.path ?? new URL(req.url as string).pathname}`);
    });
    const files = Array.from({ length: n }, (_, i) => ({
      path: `k8s/app-${i}.yaml`,
      content: `cpu: ${i}00m\n`,
    }));
    scope
      .post("/repos/acme/deploy/git/trees", {
        base_tree: TREE,
        tree: files.map((f) => ({ path: f.path, mode: "100644", type: "blob", content: f.content })),
      })
      .reply(201, gitTree(REPO, "d".repeat(40), []));
    scope
      .post("/repos/acme/deploy/git/commits", {
        message: "costopt: web",
        tree: "d".repeat(40),
        parents: [BASE],
      })
      .reply(
        201,
        gitCommit(REPO, {
          sha: "e".repeat(40),
          message: "costopt: web",
          tree: "d".repeat(40),
          parents: [BASE],
        }),
      );
    scope
      .post("/repos/acme/deploy/git/refs", { ref: "refs/heads/costopt/shop/web", sha: "e".repeat(40) })
      .reply(201, gitRef(REPO, "refs/heads/costopt/shop/web", "e".repeat(40)));
    scope
      .post("/repos/acme/deploy/pulls", {
        title: "costopt: web",
        head: "costopt/shop/web",
        base: "main",
        body: "body",
        maintainer_can_modify: false,
      })
      .reply(201, restPull({ number: 7, branch: "costopt/shop/web", body: "body", base: "main" }, REPO));
    scope
      .patch("/repos/acme/deploy/issues/7", { labels: ["cost-optimization", "risk:low"], assignees: ["ops"] })
      .reply(200, issue(REPO, 7, { labels: ["cost-optimization", "risk:low"], assignees: ["ops"] }));
    scope
      .post("/repos/acme/deploy/pulls/7/requested_reviewers", {
        reviewers: ["alice"],
        team_reviewers: ["sre"],
      })
      .reply(201, reviewRequested({ number: 7, branch: "costopt/shop/web", body: "body" }, ["alice"], REPO));

    const branch = "costopt/shop/web";
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
    expect(pr).toMatchObject({ number: 7, state: "open", labels: ["cost-optimization", "risk:low"] });
    // The open PR is known from then on: asking for it again costs nothing.
    expect((await gh.openPullRequestFrom(branch))?.number).toBe(7);
    expect(scope.pendingMocks()).toEqual([]);
    return all;
  }

  it("opens a PR of 1 or 5 files with labels, assignees and reviewers in the same six requests", async () => {
    const one = await openCost(1);
    nock.cleanAll();
    const five = await openCost(5);
    console.info(
      `GitHub forge, opening a PR: 1 file ${one.length} requests, 5 files ${five.length} requests`,
    );
    expect(one).toEqual([
      "POST /repos/acme/deploy/git/trees",
      "POST /repos/acme/deploy/git/commits",
      "POST /repos/acme/deploy/git/refs",
      "POST /repos/acme/deploy/pulls",
      "PATCH /repos/acme/deploy/issues/7",
      "POST /repos/acme/deploy/pulls/7/requested_reviewers",
    ]);
    expect(five).toEqual(one);
  });

  it("force-updates a branch an interrupted run left behind", async () => {
    const scope = nock(API);
    headQuery(scope);
    // No snapshot of this base yet: its tree is read for the files' modes.
    scope
      .get(`/repos/acme/deploy/git/commits/${BASE}`)
      .reply(200, gitCommit(REPO, { sha: BASE, message: "base", tree: TREE, parents: [] }));
    treeListing(scope, [blob("a.yaml", 1)], { rest: true });
    scope.post("/repos/acme/deploy/git/trees").reply(201, gitTree(REPO, "d".repeat(40), []));
    scope
      .post("/repos/acme/deploy/git/commits")
      .reply(
        201,
        gitCommit(REPO, { sha: "e".repeat(40), message: "m", tree: "d".repeat(40), parents: [BASE] }),
      );
    scope.post("/repos/acme/deploy/git/refs").reply(422, apiError("Reference already exists"));
    scope
      .patch("/repos/acme/deploy/git/refs/heads%2Fcostopt%2Fshop%2Fweb", { sha: "e".repeat(40), force: true })
      .reply(200, gitRef(REPO, "refs/heads/costopt/shop/web", "e".repeat(40)));
    const result = await forge().commitBranch({
      branch: "costopt/shop/web",
      base: { commitSha: BASE, treeSha: TREE },
      message: "m",
      files: [{ path: "a.yaml", content: "a: 1\n" }],
      exists: false,
    });
    expect(result).toBe("e".repeat(40));
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

  function closing(scope: nock.Scope, deleteAnswer: [number, Record<string, unknown>?]) {
    scope
      .post("/repos/acme/deploy/issues/7/comments", { body: "bye" })
      .reply(201, issueComment(REPO, 1, 7, "bye"));
    scope
      .patch("/repos/acme/deploy/pulls/7", { state: "closed", body: "new" })
      .reply(200, restPull({ number: 7, branch: "costopt/shop/web", body: "new", state: "closed" }, REPO));
    scope.delete("/repos/acme/deploy/git/refs/heads%2Fcostopt%2Fshop%2Fweb").reply(...deleteAnswer);
  }

  it("closes with a comment and copes with a branch that is already gone", async () => {
    const scope = nock(API);
    closing(scope, [422, apiError("Reference does not exist")]);
    await forge({ defaultBranch: "main" }).closePullRequest(7, { comment: "bye", body: "new" });
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("reports a refused branch deletion instead of taking it for a branch already gone", async () => {
    const scope = nock(API);
    closing(scope, [422, apiError("Cannot delete this protected branch")]);
    await expect(
      forge({ defaultBranch: "main" }).closePullRequest(7, { comment: "bye", body: "new" }),
    ).rejects.toThrow(/protected branch/);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("enables auto-merge with GraphQL and maps collaborator permissions", async () => {
    const scope = nock(API);
    scope
      .post("/graphql", (b) => b.query.includes("enablePullRequestAutoMerge") && b.variables.id === "PR_7")
      .reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });
    scope.get("/repos/acme/deploy/collaborators/alice/permission").reply(200, permission("alice", "write"));
    scope.get("/repos/acme/deploy/collaborators/mallory/permission").reply(404, { message: "Not Found" });
    const gh = forge();
    await gh.enableAutoMerge({ number: 7, nodeId: "PR_7" } as never);
    expect(await gh.permission("alice")).toBe("write");
    expect(await gh.permission("mallory")).toBe("none");
    expect(scope.pendingMocks()).toEqual([]);
  });
});
