// GitHub through an octokit instance. Reading: one GraphQL query for the default branch head, one
// recursive tree listing, blob contents in GraphQL batches. Writing a proposal: createTree with
// inline contents (no blob calls), createCommit, create or force-update the ref, open the PR, then
// labels and assignees in one issue update and reviewers in one call — seven REST calls at most,
// whatever the number of files.

import { SerialQueue } from "../serial.js";
import {
  assertWritableBranch,
  BRANCH_PREFIX,
  type CloseOptions,
  type CommitRequest,
  type Forge,
  fromBaseRepository,
  isManifestCandidate,
  type NewPullRequest,
  type Permission,
  type PullRequest,
  type RepoSnapshot,
} from "../types.js";
import { asRateLimit, type OctokitLike } from "./octokit.js";

export interface GitHubForgeOptions {
  octokit: OctokitLike;
  owner: string;
  repo: string;
  /** Known from a webhook payload; saves nothing but a field in the first query when absent. */
  defaultBranch?: string;
  /** Minimum spacing between writes (GitHub asks for about 1 s); 0 in tests. */
  writeIntervalMs?: number;
  /** Largest file read, bytes; larger manifests are skipped and reported. */
  maxFileBytes?: number;
  /** Blobs per GraphQL query when reading contents. */
  blobBatch?: number;
  now?: () => number;
}

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
  size?: number;
  mode: string;
}

interface RestPull {
  number: number;
  html_url: string;
  node_id: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  merged_at: string | null;
  merge_commit_sha: string | null;
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string };
  labels: { name: string }[];
}

const HEAD_QUERY = `query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    defaultBranchRef { name target { oid ... on Commit { tree { oid } } } }
  }
}`;

// One GraphQL call instead of paging REST: open PRs' head branches (100 is far above any limit).
const OPEN_QUERY = `query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    pullRequests(states: OPEN, first: 100, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { headRefName } }
  }
}`;

export class GitHubForge implements Forge {
  readonly kind = "github";
  readonly repository: string;
  readonly remote: string;
  private readonly octokit: OctokitLike;
  private readonly owner: string;
  private readonly repo: string;
  private readonly writes: SerialQueue;
  private readonly maxFileBytes: number;
  private readonly blobBatch: number;
  private readonly now: () => number;
  private defaultBranchName: string | undefined;
  // The last snapshot, reused while the default branch stays on the same commit: a long-lived
  // forge (the service caches one per repository) then pays one GraphQL query per reconcile.
  private cached:
    | { commitSha: string; include: (path: string) => boolean; snapshot: RepoSnapshot }
    | undefined;

  constructor(options: GitHubForgeOptions) {
    this.octokit = options.octokit;
    this.owner = options.owner;
    this.repo = options.repo;
    this.repository = `${options.owner}/${options.repo}`;
    this.remote = this.repository;
    this.defaultBranchName = options.defaultBranch;
    this.now = options.now ?? Date.now;
    this.writes = new SerialQueue(options.writeIntervalMs ?? 1000, this.now);
    this.maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
    this.blobBatch = options.blobBatch ?? 100;
  }

  async defaultBranch(): Promise<string> {
    if (this.defaultBranchName === undefined) await this.head();
    return this.defaultBranchName as string;
  }

  async snapshot(include: (path: string) => boolean = isManifestCandidate): Promise<RepoSnapshot> {
    const head = await this.head();
    const c = this.cached;
    if (c && c.commitSha === head.commitSha && c.include === include) return c.snapshot;
    const tree = (await this.call("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
      tree_sha: head.treeSha,
      recursive: "1",
    })) as { truncated: boolean; tree: TreeEntry[] };
    const skipped: RepoSnapshot["skipped"] = [];
    if (tree.truncated)
      skipped.push({ path: "/", reason: "tree listing truncated by GitHub; some files unseen" });
    const wanted: TreeEntry[] = [];
    for (const entry of tree.tree) {
      if (entry.type !== "blob" || !include(entry.path)) continue;
      if ((entry.size ?? 0) > this.maxFileBytes) skipped.push({ path: entry.path, reason: "too large" });
      else wanted.push(entry);
    }
    const files: RepoSnapshot["files"] = [];
    for (let i = 0; i < wanted.length; i += this.blobBatch) {
      const batch = wanted.slice(i, i + this.blobBatch);
      const texts = await this.blobs(batch.map((e) => e.sha));
      batch.forEach((entry, j) => {
        const text = texts[j];
        if (text === undefined) skipped.push({ path: entry.path, reason: "binary" });
        // GitHub decodes invalid UTF-8 into U+FFFD, which changes the byte count; an edit would commit it.
        else if (text.includes("\uFFFD") && Buffer.byteLength(text, "utf8") !== entry.size)
          skipped.push({ path: entry.path, reason: "not valid UTF-8" });
        else files.push({ path: entry.path, content: text });
      });
    }
    const snapshot = {
      branch: head.branch,
      commitSha: head.commitSha,
      treeSha: head.treeSha,
      files,
      skipped,
    };
    this.cached = { commitSha: head.commitSha, include, snapshot };
    return snapshot;
  }

  async commitBranch(request: CommitRequest): Promise<string> {
    assertWritableBranch(request.branch, await this.defaultBranch());
    const tree = (await this.write("POST /repos/{owner}/{repo}/git/trees", {
      base_tree: request.base.treeSha ?? (await this.treeOf(request.base.commitSha)),
      // Inline contents: GitHub creates the blobs itself, so N files cost one call, not N + 1.
      tree: request.files.map((f) =>
        f.content === null
          ? { path: f.path, mode: "100644", type: "blob", sha: null }
          : { path: f.path, mode: "100644", type: "blob", content: f.content },
      ),
    })) as { sha: string };
    const commit = (await this.write("POST /repos/{owner}/{repo}/git/commits", {
      message: request.message,
      tree: tree.sha,
      parents: [request.base.commitSha],
    })) as { sha: string };
    await this.moveBranch(request.branch, commit.sha, request.exists);
    return commit.sha;
  }

  async pullRequest(number: number): Promise<PullRequest | undefined> {
    try {
      return toPullRequest(
        (await this.call("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
          pull_number: number,
        })) as RestPull,
      );
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  async pullRequests(branch: string): Promise<PullRequest[]> {
    const pulls = (await this.call("GET /repos/{owner}/{repo}/pulls", {
      head: `${this.owner}:${branch}`,
      state: "all",
      sort: "created",
      direction: "desc",
      per_page: 20,
    })) as RestPull[];
    return pulls.filter((p) => p.head.ref === branch).map(toPullRequest);
  }

  async openPullRequest(request: NewPullRequest): Promise<PullRequest> {
    assertWritableBranch(request.branch, await this.defaultBranch());
    const pull = toPullRequest(
      (await this.write("POST /repos/{owner}/{repo}/pulls", {
        title: request.title,
        head: request.branch,
        base: request.base,
        body: request.body,
        maintainer_can_modify: false,
      })) as RestPull,
    );
    // Labels and assignees ride on one issue update instead of two calls.
    const assignees = request.assignees ?? [];
    await this.write("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
      issue_number: pull.number,
      labels: request.labels,
      ...(assignees.length > 0 ? { assignees } : {}),
    });
    const reviewers = request.reviewers ?? [];
    const teams = request.teamReviewers ?? [];
    if (reviewers.length + teams.length > 0)
      await this.write("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", {
        pull_number: pull.number,
        reviewers,
        team_reviewers: teams,
      });
    return { ...pull, labels: request.labels };
  }

  async updatePullRequest(number: number, change: { title?: string; body?: string; labels?: string[] }) {
    if (change.title !== undefined || change.body !== undefined)
      await this.write("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
        pull_number: number,
        ...(change.title !== undefined ? { title: change.title } : {}),
        ...(change.body !== undefined ? { body: change.body } : {}),
      });
    if (change.labels !== undefined)
      await this.write("PUT /repos/{owner}/{repo}/issues/{issue_number}/labels", {
        issue_number: number,
        labels: change.labels,
      });
  }

  async comment(number: number, body: string): Promise<void> {
    await this.write("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      issue_number: number,
      body,
    });
  }

  async closePullRequest(number: number, options: CloseOptions = {}) {
    if (options.comment) await this.comment(number, options.comment);
    const pull = (await this.write("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
      pull_number: number,
      state: "closed",
      ...(options.body !== undefined ? { body: options.body } : {}),
    })) as RestPull;
    // A fork's branch is not ours, and a branch of the same name here is someone else's.
    if (options.keepBranch || !fromBaseRepository(this, toPullRequest(pull))) return;
    assertWritableBranch(pull.head.ref, await this.defaultBranch());
    await this.write("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { ref: `heads/${pull.head.ref}` }).catch(
      (err) => {
        // Already gone (the repository deletes head branches itself, or someone did): nothing to do.
        if ((err as { status?: number }).status !== 422 && (err as { status?: number }).status !== 404)
          throw err;
      },
    );
  }

  async enableAutoMerge(pr: PullRequest): Promise<void> {
    if (!pr.nodeId) throw new Error(`pull request #${pr.number} has no node id; cannot enable auto-merge`);
    await this.writes.run(() =>
      this.guard(() =>
        this.octokit.graphql(
          `mutation($id: ID!) {
            enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) {
              pullRequest { number }
            }
          }`,
          { id: pr.nodeId },
        ),
      ),
    );
  }

  async permission(user: string): Promise<Permission> {
    try {
      const data = (await this.call("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
        username: user,
      })) as { permission: string };
      const p = data.permission;
      return p === "admin" || p === "write" || p === "read" ? p : p === "maintain" ? "write" : "none";
    } catch (err) {
      // Not a collaborator at all.
      if ((err as { status?: number }).status === 404) return "none";
      throw err;
    }
  }

  async openProposalCount(): Promise<number> {
    const data = (await this.guard(() =>
      this.octokit.graphql(OPEN_QUERY, { owner: this.owner, name: this.repo }),
    )) as { repository: { pullRequests: { nodes: { headRefName: string }[] } } };
    return data.repository.pullRequests.nodes.filter((n) => n.headRefName.startsWith(BRANCH_PREFIX)).length;
  }

  async commit(sha: string): Promise<{ message: string; parents: string[] }> {
    const c = (await this.call("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      commit_sha: sha,
    })) as {
      message: string;
      parents: { sha: string }[];
    };
    return { message: c.message, parents: c.parents.map((p) => p.sha) };
  }

  async changedPaths(base: string, head: string): Promise<string[]> {
    const data = (await this.call("GET /repos/{owner}/{repo}/compare/{basehead}", {
      basehead: `${base}...${head}`,
      per_page: 100,
    })) as { files?: { filename: string; previous_filename?: string }[] };
    return [
      ...new Set(
        (data.files ?? []).flatMap((f) => [
          f.filename,
          ...(f.previous_filename ? [f.previous_filename] : []),
        ]),
      ),
    ];
  }

  async filesAt(commitSha: string, paths: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    if (paths.length === 0) return out;
    // "<sha>:<path>" expressions travel as variables, never spliced into the query text.
    const params = paths.map((_, i) => `$e${i}: String!`).join(", ");
    const fields = paths.map((_, i) => `f${i}: object(expression: $e${i}) { ... on Blob { text isBinary } }`);
    const query = `query($owner: String!, $name: String!, ${params}) {\n  repository(owner: $owner, name: $name) {\n    ${fields.join("\n    ")}\n  }\n}`;
    const variables = Object.fromEntries(paths.map((p, i) => [`e${i}`, `${commitSha}:${p}`]));
    const data = (await this.guard(() =>
      this.octokit.graphql(query, { owner: this.owner, name: this.repo, ...variables }),
    )) as { repository: Record<string, { text: string | null; isBinary: boolean } | null> };
    paths.forEach((p, i) => {
      const blob = data.repository[`f${i}`];
      out.set(p, blob && !blob.isBinary && blob.text !== null ? blob.text : null);
    });
    return out;
  }

  private async moveBranch(branch: string, sha: string, exists: boolean): Promise<void> {
    if (!exists) {
      try {
        await this.write("POST /repos/{owner}/{repo}/git/refs", { ref: `refs/heads/${branch}`, sha });
        return;
      } catch (err) {
        // A run that stopped after pushing but before opening the PR left the branch behind.
        if ((err as { status?: number }).status !== 422) throw err;
      }
    }
    await this.write("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
      ref: `heads/${branch}`,
      sha,
      force: true,
    });
  }

  private async head(): Promise<{ branch: string; commitSha: string; treeSha: string }> {
    const data = (await this.guard(() =>
      this.octokit.graphql(HEAD_QUERY, { owner: this.owner, name: this.repo }),
    )) as {
      repository: {
        defaultBranchRef: { name: string; target: { oid: string; tree: { oid: string } } } | null;
      };
    };
    const ref = data.repository.defaultBranchRef;
    if (!ref) throw new Error(`${this.repository} has no default branch (empty repository?)`);
    this.defaultBranchName = ref.name;
    return { branch: ref.name, commitSha: ref.target.oid, treeSha: ref.target.tree.oid };
  }

  private async treeOf(commitSha: string): Promise<string> {
    const commit = (await this.call("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      commit_sha: commitSha,
    })) as { tree: { sha: string } };
    return commit.tree.sha;
  }

  /** Blob texts by oid, in order; undefined for binary blobs. */
  private async blobs(oids: string[]): Promise<(string | undefined)[]> {
    if (oids.length === 0) return [];
    // Oids travel as variables, never spliced into the query text.
    const params = oids.map((_, i) => `$o${i}: GitObjectID!`).join(", ");
    const fields = oids.map((_, i) => `b${i}: object(oid: $o${i}) { ... on Blob { text isBinary } }`);
    const query = `query($owner: String!, $name: String!, ${params}) {\n  repository(owner: $owner, name: $name) {\n    ${fields.join("\n    ")}\n  }\n}`;
    const variables = Object.fromEntries(oids.map((oid, i) => [`o${i}`, oid]));
    const data = (await this.guard(() =>
      this.octokit.graphql(query, { owner: this.owner, name: this.repo, ...variables }),
    )) as {
      repository: Record<string, { text: string | null; isBinary: boolean } | null>;
    };
    return oids.map((_, i) => {
      const blob = data.repository[`b${i}`];
      return blob && !blob.isBinary && blob.text !== null ? blob.text : undefined;
    });
  }

  private call(route: string, params: Record<string, unknown>): Promise<unknown> {
    return this.guard(async () => {
      const res = await this.octokit.request(route, { owner: this.owner, repo: this.repo, ...params });
      return res.data;
    });
  }

  private write(route: string, params: Record<string, unknown>): Promise<unknown> {
    return this.writes.run(() => this.call(route, params));
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asRateLimit(err, Math.floor(this.now() / 1000));
    }
  }
}

function toPullRequest(p: RestPull): PullRequest {
  return {
    number: p.number,
    url: p.html_url,
    nodeId: p.node_id,
    branch: p.head.ref,
    headRepository: p.head.repo === undefined ? undefined : (p.head.repo?.full_name ?? null),
    base: p.base.ref,
    title: p.title,
    body: p.body ?? "",
    state: p.merged_at ? "merged" : p.state,
    headSha: p.head.sha,
    labels: p.labels.map((l) => l.name),
    ...(p.merged_at ? { mergedAt: p.merged_at, mergeSha: p.merge_commit_sha ?? undefined } : {}),
  };
}
