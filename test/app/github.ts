// nock interceptors for the GitHub calls costopt makes, each recording the request body so tests
// can assert exactly what was sent. Everything registered must be used (pendingMocks() empty).

import { createHash } from "node:crypto";
import nock from "nock";
import { type PullOptions, REPOSITORY } from "../fixtures/webhooks/index.js";
import {
  answerGraphql,
  blobSha,
  graphIssues,
  graphPage,
  graphTree,
  type HeldIssue,
} from "../support/github-graph.js";
import {
  botIssue,
  checkRun,
  comparison,
  example,
  gitCommit,
  gitRef,
  gitTree,
  installationToken,
  issue,
  issueComment,
  labels,
  permission,
  pullFiles,
  pullListItem,
  pull as pullRequest,
  reviewRequested,
  type TreeEntry,
} from "../support/github-shapes.js";

export const API = "https://api.github.com";
export const BASE_SHA = "a".repeat(40);
export const TREE_SHA = "b".repeat(40);
const R = `/repos/${REPOSITORY.owner}/${REPOSITORY.repo}`;
const REPO = { owner: REPOSITORY.owner, repo: REPOSITORY.repo };

/** The tree sha the double gives the commit `sha` (createTree answers before the commit exists). */
export function treeShaFor(sha: string): string {
  return `${sha.slice(0, 39)}7`;
}

/** A pull request as the GraphQL head query selects it. */
export function graphPull(p: PullOptions): Record<string, unknown> {
  const rest = pullRequest(p);
  return {
    number: p.number,
    url: rest.html_url,
    id: rest.node_id,
    title: rest.title,
    body: p.body,
    state: p.merged ? "MERGED" : p.state === "closed" ? "CLOSED" : "OPEN",
    createdAt: rest.created_at,
    mergedAt: rest.merged_at,
    mergeCommit: rest.merge_commit_sha ? { oid: rest.merge_commit_sha } : null,
    headRefName: p.branch,
    headRefOid: rest.head.sha,
    baseRefName: rest.base.ref,
    isCrossRepository: false,
    labels: { nodes: (p.labels ?? []).map((name) => ({ name })) },
  };
}

/** An issue labelled costopt-dashboard: costopt's (a Bot's) unless `author` says a person wrote it. */
export interface DashboardOptions {
  number: number;
  title: string;
  body: string;
  state?: "open" | "closed";
  author?: "Bot" | "User";
}

// Request bodies are JSON; tests narrow the fields they assert on.
// biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON request bodies
type Body = Record<string, any>;

export class FakeGitHub {
  readonly scope = nock(API);
  /** Request bodies by "METHOD path", in order. */
  readonly sent: { key: string; body: Body }[] = [];
  /** Every REST (non-GraphQL) request, "METHOD path". */
  readonly rest: string[] = [];
  /** Every request, REST and GraphQL. */
  readonly all: string[] = [];
  /** The pull requests of each branch, as pulls() declared them; the open ones ride on the head query. */
  readonly known = new Map<string, PullOptions[]>();
  /** The repository's issues, oldest first, as dashboards() declared them; they ride on the head query. */
  private held: HeldIssue[] = [];

  constructor() {
    this.scope.on("request", (req: { method: string; path?: string; url?: string }) => {
      const path = req.path ?? new URL(req.url as string).pathname;
      if (!path.startsWith("/graphql")) this.rest.push(`${req.method} ${path.split("?")[0]}`);
      this.all.push(`${req.method} ${path.split("?")[0]}`);
    });
  }

  private record(key: string) {
    return (body: Body) => {
      this.sent.push({ key, body });
      return true;
    };
  }

  /** The body of the request being answered (the body matcher recorded it just before). */
  private last(key: string): Body {
    return this.bodies(key).at(-1) ?? {};
  }

  /** The bodies sent to one endpoint. */
  bodies(key: string): Body[] {
    return this.sent.filter((s) => s.key === key).map((s) => s.body);
  }

  installationToken(): this {
    this.scope
      .post("/app/installations/1/access_tokens")
      .reply(201, installationToken({ contents: "write", pull_requests: "write", issues: "read" }));
    return this;
  }

  /** Entries by tree sha, as snapshot() or listing() declared them: the head query and REST list them. */
  private readonly trees = new Map<string, TreeEntry[]>();
  /** Blob contents by git blob id. */
  private readonly blobTexts = new Map<string, string>();

  private entries(tree: string): TreeEntry[] {
    const entries = this.trees.get(tree);
    if (!entries)
      throw new Error(
        `FakeGitHub: the tree ${tree} was asked for but no snapshot() or listing() declared it`,
      );
    return entries;
  }

  /**
   * A tree's entries as the head query (when it asks for the tree) and REST's recursive listing
   * (when the forge reads a moved head, or a tree deeper than the query reaches) give them.
   */
  listing(entries: TreeEntry[], tree = TREE_SHA): this {
    this.trees.set(tree, entries);
    this.scope
      .get(`${R}/git/trees/${tree}`)
      .query({ recursive: "1" })
      .optionally()
      .reply(200, () => gitTree(REPO, tree, this.entries(tree)));
    return this;
  }

  /**
   * The repository the head query runs over: the default branch at `commit` with its tree (listed
   * only when the query asks), every open pull request pulls() declared, and each branch's closed
   * and merged ones under the alias the query gives it.
   */
  private repository(commit: string, tree: string): Record<string, unknown> {
    return {
      defaultBranchRef: {
        name: REPOSITORY.defaultBranch,
        target: {
          __typename: "Commit",
          oid: commit,
          tree: { __typename: "Tree", oid: tree, entries: () => graphTree(tree, this.entries(tree)).entries },
        },
      },
      issues: (a: Parameters<typeof graphIssues>[1]) => {
        if (this.issuesRefused) throw new Error("Resource not accessible by integration");
        return graphIssues(this.held, a);
      },
      pullRequests: (a: { states?: string[]; headRefName?: string }) =>
        graphPage(
          [...this.known.values()]
            .flat()
            .filter((p) => a.headRefName === undefined || p.branch === a.headRefName)
            .map(graphPull)
            .filter((p) => !a.states || a.states.includes(p.state as string)),
        ),
    };
  }

  /** The head query alone (the snapshot is cached when the head has not moved). */
  head(commit = BASE_SHA, tree = TREE_SHA, delayMs = 0): this {
    let asked: Body = {};
    this.scope
      .post("/graphql", (b) => {
        if (!String(b.query).includes("defaultBranchRef")) return false;
        asked = b;
        return true;
      })
      .delay(delayMs)
      .reply(200, () => answerGraphql(asked, this.repository(commit, tree)));
    return this;
  }

  /**
   * The default branch read once: the head query (with the tree when the forge has no snapshot
   * to reuse), the REST listing when it has one but the head moved, blobs in one batch.
   */
  snapshot(files: Record<string, string>, commit = BASE_SHA, tree = TREE_SHA, delayMs = 0): this {
    for (const content of Object.values(files)) this.blobTexts.set(blobSha(content), content);
    this.head(commit, tree, delayMs);
    // Every file a plain 100644 blob with its real git id.
    this.listing(
      Object.entries(files).map(([path, content]) => ({
        path,
        type: "blob",
        mode: "100644",
        sha: blobSha(content),
        size: Buffer.byteLength(content),
      })),
      tree,
    );
    if (Object.keys(files).some((p) => /\.ya?ml$/.test(p))) {
      let oids: string[] = [];
      this.scope
        .post("/graphql", (b) => {
          if (!String(b.query).includes("object(oid:")) return false;
          oids = Object.entries(b.variables ?? {})
            .filter(([k]) => /^o\d+$/.test(k))
            .map(([, v]) => String(v));
          return true;
        })
        .reply(200, () => ({
          data: {
            repository: Object.fromEntries(
              oids.map((oid, i) => [
                `b${i}`,
                this.blobTexts.has(oid)
                  ? { text: this.blobTexts.get(oid), isBinary: false, isTruncated: false }
                  : null,
              ]),
            ),
          },
        }));
    }
    return this;
  }

  /**
   * The branch's pull requests as the head query answers them: the open ones with every open pull
   * request, the closed and merged ones under the branch's alias when the pass expects the branch.
   */
  pulls(branch: string, pulls: PullOptions[]): this {
    this.known.set(
      branch,
      pulls.map((p) => ({ ...p, branch })),
    );
    return this;
  }

  /** GET pulls?head=...&state=all: every pull request of the branch, newest first. */
  history(branch: string, pulls: PullOptions[]): this {
    this.scope
      .get(`${R}/pulls`)
      .query({
        head: `${REPOSITORY.owner}:${branch}`,
        state: "all",
        sort: "created",
        direction: "desc",
        per_page: "100",
        page: "1",
      })
      .reply(
        200,
        pulls.map((p) => pullListItem({ ...p, branch })),
      );
    return this;
  }

  pull(options: PullOptions): this {
    this.scope.get(`${R}/pulls/${options.number}`).reply(200, pullRequest(options));
    return this;
  }

  openCount(branches: string[]): this {
    this.scope
      .post("/graphql", (b) => String(b.query).includes("after: $after"))
      .reply(200, {
        data: {
          repository: {
            pullRequests: {
              pageInfo: { hasNextPage: false, endCursor: null },
              nodes: branches.map((branch, i) => graphPull({ number: 100 + i, branch, body: "" })),
            },
          },
        },
      });
    return this;
  }

  /** The open pull requests pulls() declared, as a page of the open-PR query (no head) answers them. */
  openPulls(): this {
    let asked: Body = {};
    this.scope
      .post("/graphql", (b) => {
        asked = b;
        return String(b.query).includes("after: $after");
      })
      .reply(200, () => answerGraphql(asked, this.repository(BASE_SHA, TREE_SHA)));
    return this;
  }

  /** createTree + createCommit; the commit gets `sha`. */
  commit(sha: string): this {
    const treeSha = treeShaFor(sha);
    this.scope.post(`${R}/git/trees`, this.record("tree")).reply(201, () =>
      gitTree(
        REPO,
        treeSha,
        (this.last("tree").tree as { path: string; mode: string }[]).map((t, i) => ({
          path: t.path,
          mode: t.mode,
          type: "blob",
          sha: `${i}`.padStart(40, "e"),
        })),
      ),
    );
    this.scope.post(`${R}/git/commits`, this.record("commit")).reply(201, () =>
      gitCommit(REPO, {
        sha,
        message: this.last("commit").message,
        tree: treeSha,
        parents: this.last("commit").parents,
      }),
    );
    return this;
  }

  createRef(status = 201): this {
    this.scope
      .post(`${R}/git/refs`, this.record("createRef"))
      .reply(status, () =>
        status === 201
          ? gitRef(REPO, this.last("createRef").ref, this.last("createRef").sha)
          : { message: "Reference already exists", documentation_url: "https://docs.github.com/rest" },
      );
    return this;
  }

  updateRef(branch: string): this {
    this.scope
      .patch(`${R}/git/refs/${encodeURIComponent(`heads/${branch}`)}`, this.record("updateRef"))
      .reply(200, () => gitRef(REPO, `refs/heads/${branch}`, this.last("updateRef").sha));
    return this;
  }

  deleteRef(branch: string): this {
    this.scope.delete(`${R}/git/refs/${encodeURIComponent(`heads/${branch}`)}`).reply(204);
    return this;
  }

  openPull(
    number: number,
    branch: string,
    reply?: { status: number; headers?: Record<string, string> },
  ): this {
    const i = this.scope.post(`${R}/pulls`, this.record("createPull"));
    if (reply) i.reply(reply.status, { message: "You have exceeded a secondary rate limit" }, reply.headers);
    else i.reply(201, pullRequest({ number, branch, body: "", headSha: "c".repeat(40) }));
    return this;
  }

  /** Labels (and assignees) on the new PR's issue. */
  issueUpdate(number: number): this {
    this.scope
      .patch(`${R}/issues/${number}`, this.record("issueUpdate"))
      .reply(200, () => issue(REPO, number, this.last("issueUpdate")));
    return this;
  }

  reviewers(number: number): this {
    this.scope
      .post(`${R}/pulls/${number}/requested_reviewers`, this.record("reviewers"))
      .reply(201, () =>
        reviewRequested({ number, branch: "costopt/x", body: "" }, this.last("reviewers").reviewers ?? []),
      );
    return this;
  }

  updatePull(number: number, branch: string): this {
    this.scope
      .patch(`${R}/pulls/${number}`, this.record("updatePull"))
      .reply(200, pullRequest({ number, branch, body: "", state: "closed" }));
    return this;
  }

  setLabels(number: number): this {
    this.scope
      .put(`${R}/issues/${number}/labels`, this.record("setLabels"))
      .reply(200, () => labels(REPO, this.last("setLabels").labels));
    return this;
  }

  comment(number: number): this {
    this.scope
      .post(`${R}/issues/${number}/comments`, this.record("comment"))
      .reply(201, () => issueComment(REPO, 1, number, this.last("comment").body));
    return this;
  }

  gitCommit(sha: string, message: string, parents: string[]): this {
    this.scope
      .get(`${R}/git/commits/${sha}`)
      .reply(200, gitCommit(REPO, { sha, message, tree: TREE_SHA, parents }));
    return this;
  }

  /**
   * costopt's own proposal commit as a rollback reads it: the commit (its trailer, its one parent),
   * the files it changes against that parent, and their contents on both sides (null: absent).
   */
  proposalCommit(o: {
    head: string;
    base: string;
    message: string;
    files: Record<string, [string | null, string | null]>;
  }): this {
    this.gitCommit(o.head, o.message, [o.base]);
    this.scope
      .get(`${R}/compare/${o.base}...${o.head}`)
      .query(true)
      .reply(
        200,
        comparison(
          REPO,
          o.base,
          o.head,
          Object.entries(o.files).map(([filename, [before, after]]) => ({
            filename,
            status: before === null ? "added" : after === null ? "removed" : "modified",
          })),
        ),
      );
    for (const [sha, side] of [
      [o.base, 0],
      [o.head, 1],
    ] as const)
      this.filesAt(
        sha,
        Object.fromEntries(Object.entries(o.files).map(([path, both]) => [path, both[side]])),
      );
    return this;
  }

  /** .github/costopt.yml as Probot's context.config reads it (raw contents; 404 falls back to the owner's .github repo). */
  repoConfig(content: string | undefined): this {
    const path = `/contents/${encodeURIComponent(".github/costopt.yml")}`;
    if (content !== undefined)
      this.scope.get(`${R}${path}`).reply(200, content, { "content-type": "text/plain" });
    else {
      this.scope.get(`${R}${path}`).reply(404, { message: "Not Found" });
      this.scope.get(`/repos/${REPOSITORY.owner}/.github${path}`).reply(404, { message: "Not Found" });
    }
    return this;
  }

  permission(user: string, level: string): this {
    this.scope.get(`${R}/collaborators/${user}/permission`).reply(200, permission(user, level));
    return this;
  }

  autoMerge(nodeId: string): this {
    this.scope
      .post(
        "/graphql",
        (b) => String(b.query).includes("enablePullRequestAutoMerge") && b.variables?.id === nodeId,
      )
      .reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 1 } } } });
    return this;
  }

  /** GET /repos/{owner}/{repo}/installation: the app's installation on the repository. */
  installation(id = 1): this {
    const out = example("installation");
    out.id = id;
    this.scope.get(`${R}/installation`).reply(200, out);
    return this;
  }

  /**
   * The issues labelled costopt-dashboard GitHub holds, oldest first (costopt's, or a person's), as
   * the head query's `issues` field answers them.
   */
  dashboards(issues: DashboardOptions[]): this {
    this.held = issues.map((i) => ({ state: "open", labels: ["costopt-dashboard"], ...i }));
    this.issuesRefused = false;
    return this;
  }

  /**
   * The head query's issues refused as GitHub refuses a token that may not read issues: an error
   * naming the field, and the repository null (the field is non-null, so its null spreads up).
   */
  refuseIssues(): this {
    this.issuesRefused = true;
    return this;
  }
  private issuesRefused = false;

  /** GET issues?labels=costopt-dashboard: the dashboard issues GitHub holds (none, or costopt's). */
  dashboardSearch(issues: DashboardOptions[]): this {
    this.scope
      .get(`${R}/issues`)
      .query({
        labels: "costopt-dashboard",
        state: "all",
        sort: "created",
        direction: "asc",
        per_page: "100",
      })
      .reply(
        200,
        issues.map((i) => {
          const out = botIssue(REPO, i.number, { ...i, labels: ["costopt-dashboard"] });
          if (i.author === "User") out.user = { ...out.user, login: "octocat", type: "User" };
          return out;
        }),
      );
    return this;
  }

  createIssue(number: number): this {
    this.scope
      .post(`${R}/issues`, this.record("createIssue"))
      .reply(201, () => botIssue(REPO, number, this.last("createIssue") as { title: string; body: string }));
    return this;
  }

  /** PATCH issues/{n} on an issue (the dashboard): body and state as sent. */
  editIssue(number: number, title = "costopt: cost dashboard"): this {
    this.scope
      .patch(`${R}/issues/${number}`, this.record("editIssue"))
      .reply(200, () => botIssue(REPO, number, { title, body: "", ...this.last("editIssue") }));
    return this;
  }

  /** GET pulls/{n}/files. */
  pullRequestFiles(number: number, files: string[], head = "c".repeat(40)): this {
    this.scope
      .get(`${R}/pulls/${number}/files`)
      .query({ per_page: "100", page: "1" })
      .reply(
        200,
        pullFiles(
          REPO,
          head,
          files.map((filename) => ({ filename })),
        ),
      );
    return this;
  }

  /** POST check-runs. */
  checkRun(): this {
    this.scope
      .post(`${R}/check-runs`, this.record("checkRun"))
      .reply(201, () => checkRun(REPO, this.last("checkRun") as { name: string; head_sha: string }));
    return this;
  }

  /** Contents at a commit as filesAt asks for them in one GraphQL query (null: absent there). */
  filesAt(sha: string, files: Record<string, string | null>): this {
    let asked: Record<string, string> = {};
    this.scope
      .post("/graphql", (b) => {
        const ok =
          String(b.query).includes("object(expression:") && String(b.variables?.e0).startsWith(`${sha}:`);
        if (ok) asked = b.variables;
        return ok;
      })
      .reply(() => {
        const repository = Object.fromEntries(
          Object.entries(asked)
            .filter(([k]) => /^e\d+$/.test(k))
            .map(([k, expr]) => {
              const text = files[expr.slice(sha.length + 1)] ?? null;
              const oid = createHash("sha1").update(`blob ${Buffer.byteLength(text ?? "")}\0${text}`);
              return [
                `f${k.slice(1)}`,
                text === null ? null : { oid: oid.digest("hex"), text, isBinary: false, isTruncated: false },
              ];
            }),
        );
        return [200, { data: { repository } }];
      });
    return this;
  }

  /** Files a commit's inline tree sets, path -> content (null = deleted). */
  treeFiles(index = 0): Record<string, string | null> {
    const tree = this.bodies("tree")[index]?.tree as { path: string; content?: string; sha?: null }[];
    return Object.fromEntries(tree.map((t) => [t.path, t.content ?? null]));
  }
}
