// nock interceptors for the GitHub calls costopt makes, each recording the request body so tests
// can assert exactly what was sent. Everything registered must be used (pendingMocks() empty).

import nock from "nock";
import { type PullOptions, pullRequest, REPOSITORY } from "../fixtures/webhooks/index.js";

export const API = "https://api.github.com";
export const BASE_SHA = "a".repeat(40);
export const TREE_SHA = "b".repeat(40);
const R = `/repos/${REPOSITORY.owner}/${REPOSITORY.repo}`;

// Request bodies are JSON; tests narrow the fields they assert on.
// biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON request bodies
type Body = Record<string, any>;

export class FakeGitHub {
  readonly scope = nock(API);
  /** Request bodies by "METHOD path", in order. */
  readonly sent: { key: string; body: Body }[] = [];
  /** Every REST (non-GraphQL) request, "METHOD path". */
  readonly rest: string[] = [];

  constructor() {
    this.scope.on("request", (req: { method: string; path?: string; url?: string }) => {
      const path = req.path ?? new URL(req.url as string).pathname;
      if (!path.startsWith("/graphql")) this.rest.push(`${req.method} ${path.split("?")[0]}`);
    });
  }

  private record(key: string) {
    return (body: Body) => {
      this.sent.push({ key, body });
      return true;
    };
  }

  /** The bodies sent to one endpoint. */
  bodies(key: string): Body[] {
    return this.sent.filter((s) => s.key === key).map((s) => s.body);
  }

  installationToken(): this {
    this.scope.post("/app/installations/1/access_tokens").reply(201, {
      token: "ghs_installation",
      expires_at: "2099-01-01T00:00:00Z",
      permissions: { contents: "write", pull_requests: "write" },
      repository_selection: "all",
    });
    return this;
  }

  /** The default branch read once: head query, recursive tree, blobs in one batch. */
  snapshot(files: Record<string, string>, commit = BASE_SHA, tree = TREE_SHA): this {
    this.scope
      .post("/graphql", (b) => String(b.query).includes("defaultBranchRef"))
      .reply(200, {
        data: {
          repository: {
            defaultBranchRef: {
              name: REPOSITORY.defaultBranch,
              target: { oid: commit, tree: { oid: tree } },
            },
          },
        },
      });
    const paths = Object.keys(files);
    this.scope
      .get(`${R}/git/trees/${tree}`)
      .query({ recursive: "1" })
      .reply(200, {
        truncated: false,
        tree: paths.map((path, i) => ({
          path,
          type: "blob",
          mode: "100644",
          sha: `blob${i}`,
          size: Buffer.byteLength(files[path] ?? "", "utf8"),
        })),
      });
    const yaml = paths.filter((p) => /\.ya?ml$/.test(p));
    if (yaml.length > 0)
      this.scope
        .post("/graphql", (b) => String(b.query).includes("object(oid:"))
        .reply(200, {
          data: {
            repository: Object.fromEntries(
              yaml.map((p, i) => [`b${i}`, { text: files[p], isBinary: false }]),
            ),
          },
        });
    return this;
  }

  pulls(branch: string, pulls: PullOptions[]): this {
    this.scope
      .get(`${R}/pulls`)
      .query({
        head: `${REPOSITORY.owner}:${branch}`,
        state: "all",
        sort: "created",
        direction: "desc",
        per_page: "20",
      })
      .reply(
        200,
        pulls.map((p) => pullRequest({ ...p, branch })),
      );
    return this;
  }

  pull(options: PullOptions): this {
    this.scope.get(`${R}/pulls/${options.number}`).reply(200, pullRequest(options));
    return this;
  }

  openCount(branches: string[]): this {
    this.scope
      .post("/graphql", (b) => String(b.query).includes("pullRequests(states: OPEN"))
      .reply(200, {
        data: { repository: { pullRequests: { nodes: branches.map((headRefName) => ({ headRefName })) } } },
      });
    return this;
  }

  /** createTree + createCommit; the commit gets `sha`. */
  commit(sha: string): this {
    this.scope.post(`${R}/git/trees`, this.record("tree")).reply(201, { sha: `tree-${sha}` });
    this.scope.post(`${R}/git/commits`, this.record("commit")).reply(201, { sha });
    return this;
  }

  createRef(status = 201): this {
    this.scope
      .post(`${R}/git/refs`, this.record("createRef"))
      .reply(status, status === 201 ? {} : { message: "Reference already exists" });
    return this;
  }

  updateRef(branch: string): this {
    this.scope
      .patch(`${R}/git/refs/${encodeURIComponent(`heads/${branch}`)}`, this.record("updateRef"))
      .reply(200, {});
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
    this.scope.patch(`${R}/issues/${number}`, this.record("issueUpdate")).reply(200, {});
    return this;
  }

  reviewers(number: number): this {
    this.scope.post(`${R}/pulls/${number}/requested_reviewers`, this.record("reviewers")).reply(201, {});
    return this;
  }

  updatePull(number: number, branch: string): this {
    this.scope
      .patch(`${R}/pulls/${number}`, this.record("updatePull"))
      .reply(200, pullRequest({ number, branch, body: "", state: "closed" }));
    return this;
  }

  setLabels(number: number): this {
    this.scope.put(`${R}/issues/${number}/labels`, this.record("setLabels")).reply(200, []);
    return this;
  }

  comment(number: number): this {
    this.scope.post(`${R}/issues/${number}/comments`, this.record("comment")).reply(201, { id: 1 });
    return this;
  }

  gitCommit(sha: string, message: string, parents: string[]): this {
    this.scope
      .get(`${R}/git/commits/${sha}`)
      .reply(200, { sha, message, parents: parents.map((p) => ({ sha: p })) });
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
      .reply(200, { files: Object.keys(o.files).map((filename) => ({ filename, status: "modified" })) });
    for (const [sha, side] of [
      [o.base, 0],
      [o.head, 1],
    ] as const) {
      // The reply sees no body here: the matcher keeps the expressions it was asked for.
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
                const text = o.files[expr.slice(sha.length + 1)]?.[side] ?? null;
                return [`f${k.slice(1)}`, text === null ? null : { text, isBinary: false }];
              }),
          );
          return [200, { data: { repository } }];
        });
    }
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

  permission(user: string, permission: string): this {
    this.scope.get(`${R}/collaborators/${user}/permission`).reply(200, { permission });
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

  /** Files a commit's inline tree sets, path -> content (null = deleted). */
  treeFiles(index = 0): Record<string, string | null> {
    const tree = this.bodies("tree")[index]?.tree as { path: string; content?: string; sha?: null }[];
    return Object.fromEntries(tree.map((t) => [t.path, t.content ?? null]));
  }
}
