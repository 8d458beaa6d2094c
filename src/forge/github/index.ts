// GitHub through an octokit instance. Reading: one GraphQL query for the target branch head and
// every open pull request (so an unchanged proposal costs nothing more), with the head's tree in
// it when no earlier snapshot can be reused, and blob contents in GraphQL batches only when the
// head moved: a fresh process reads a repository in 2 requests, a long-lived one in 1. The cost
// dashboard issues ride on the head query too, so an unchanged dashboard adds none. Writing a proposal:
// createTree with inline contents and the modes the files had (no blob calls), createCommit,
// create or force-update the ref, open the PR, then labels and assignees in one issue update and
// reviewers in one call: six requests whatever the number of files.

import type { Endpoints } from "@octokit/types";
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
  RateLimitError,
  type RepoSnapshot,
  SYMLINK_REASON,
} from "../types.js";
import { GitHubChecks } from "./checks.js";
import {
  DASHBOARD_FIELD,
  DASHBOARDS_ALIAS,
  DashboardSightings,
  GitHubDashboardIssues,
  type GraphDashboardIssue,
} from "./issues.js";
import {
  asRateLimit,
  type GitHubOctokit,
  type RepoRoute,
  type RepoScope,
  type RouteParams,
  repoRequest,
} from "./octokit.js";

export interface GitHubForgeOptions {
  octokit: GitHubOctokit;
  owner: string;
  repo: string;
  /** Known from a webhook payload; saves nothing but a field in the first query when absent. */
  defaultBranch?: string;
  /**
   * The branch proposals target and manifests are read from, when it is not the default branch
   * (Argo CD targetRevision, Flux ref.branch, spec.source.branch).
   */
  branch?: string;
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
  /** "open" or "closed" (the list's simple form types it as any string). */
  state: string;
  merged_at: string | null;
  created_at: string;
  merge_commit_sha: string | null;
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string };
  labels: { name: string }[];
}

const PULL_FIELDS = `number url id title body state createdAt mergedAt mergeCommit { oid } headRefName headRefOid
  baseRefName isCrossRepository labels(first: 100) { nodes { name } }`;

// How many directory levels the head query lists; a deeper tree is read through REST instead.
const TREE_DEPTH = 8;
const ENTRY_FIELDS = "path type mode oid size";

// The commit's tree TREE_DEPTH levels deep: each entry's object is spread into a Tree for the
// level below (__typename tells a Tree from a Blob). The deepest level lists entries only, so a
// directory there shows up as an unexpanded tree entry and sends the read to REST.
function treeSelection(depth: number): string {
  let entries = `entries { ${ENTRY_FIELDS} }`;
  for (let level = 1; level < depth; level++)
    entries = `entries { ${ENTRY_FIELDS} object { __typename ... on Tree { ${entries} } } }`;
  return `tree { oid ${entries} }`;
}

// The head of the target branch (the default branch unless one is named), the first page of open
// pull requests and the closed and merged pull requests of the branches the pass expects, in one
// query; further pages follow with OPEN_QUERY or REST. Branch names travel as variables. With
// `tree`, the head's tree rides along too, so a fresh process reads a repository in two requests
// (this one and the blobs) instead of three; with `dashboards`, the cost dashboard issues.
function headQuery(target: boolean, branches: number, tree: boolean, dashboards: boolean): string {
  const params = ["$owner: String!", "$name: String!"];
  if (target) params.push("$ref: String!");
  for (let i = 0; i < branches; i++) params.push(`$h${i}: String!`);
  const histories = Array.from(
    { length: branches },
    (_, i) =>
      `h${i}: pullRequests(headRefName: $h${i}, states: [CLOSED, MERGED], first: 100, orderBy: { field: CREATED_AT, direction: DESC }) { pageInfo { hasNextPage endCursor } nodes { ${PULL_FIELDS} } }`,
  );
  const commit = `target { oid ... on Commit { ${tree ? treeSelection(TREE_DEPTH) : "tree { oid }"} } }`;
  return `query(${params.join(", ")}) {
  repository(owner: $owner, name: $name) {
    ${target ? `defaultBranchRef { name }\n    ref(qualifiedName: $ref) { ${commit} }` : `defaultBranchRef { name ${commit} }`}
    pullRequests(states: OPEN, first: 100) { pageInfo { hasNextPage endCursor } nodes { ${PULL_FIELDS} } }
    ${histories.join("\n    ")}
    ${dashboards ? DASHBOARD_FIELD : ""}
  }
}`;
}

/** A tree entry as the head query lists it (mode is a number there, "100644" in REST). */
interface GraphEntry {
  path: string;
  type: string;
  mode: number;
  oid: string;
  size: number;
  object?: { __typename: string; entries?: GraphEntry[] | null } | null;
}

/**
 * The entries of a tree listed by the head query, flattened the way REST's recursive listing
 * gives them; undefined when some directory lies deeper than the query reached.
 */
function flattenTree(
  entries: GraphEntry[] | null | undefined,
  out: TreeEntry[] = [],
): TreeEntry[] | undefined {
  if (!entries) return undefined;
  for (const e of entries) {
    out.push({
      path: e.path,
      type: e.type,
      sha: e.oid,
      size: e.size,
      mode: e.mode.toString(8).padStart(6, "0"),
    });
    if (e.type === "tree" && !flattenTree(e.object?.entries, out)) return undefined;
  }
  return out;
}

const OPEN_QUERY = `query($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(states: OPEN, first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${PULL_FIELDS} } }
  }
}`;

interface GraphPull {
  number: number;
  url: string;
  id: string;
  title: string;
  body: string;
  state: "OPEN" | "CLOSED" | "MERGED";
  createdAt: string;
  mergedAt: string | null;
  mergeCommit: { oid: string } | null;
  headRefName: string;
  headRefOid: string;
  baseRefName: string;
  isCrossRepository: boolean;
  labels: { nodes: { name: string }[] } | null;
}

interface PullPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: GraphPull[];
}

interface Head {
  branch: string;
  commitSha: string;
  treeSha: string;
  /** The head's tree, flattened, when the query asked for it and reached every directory. */
  entries?: TreeEntry[];
}

export class GitHubForge implements Forge {
  readonly kind = "github";
  readonly repository: string;
  readonly remote: string;
  private readonly octokit: GitHubOctokit;
  private readonly owner: string;
  private readonly repo: string;
  private readonly maxFileBytes: number;
  private readonly blobBatch: number;
  private readonly now: () => number;
  private defaultBranchName: string | undefined;
  private readonly targetBranch: string | undefined;
  /** Open pull requests of this repository's own branches, as read with this pass's head. */
  private openPulls: PullRequest[] | undefined;
  /** Branches whose closed and merged pull requests ride on the next head query. */
  private expected: string[] = [];
  /** Their pull requests as read then, every state, newest first (only complete lists). */
  private histories = new Map<string, PullRequest[]>();
  /** Pull requests this pass closed: gone from openPulls, their openings still count this hour. */
  private closedInPass: PullRequest[] = [];
  /** Git modes of the files of the last snapshot's commit, so a commit on it keeps them. */
  private modes: { commitSha: string; byPath: Map<string, string> } | undefined;
  // The last snapshot, reused while the default branch stays on the same commit: a long-lived
  // forge (the service caches one per repository) then pays one GraphQL query per reconcile.
  private cached:
    | { commitSha: string; include: (path: string) => boolean; snapshot: RepoSnapshot }
    | undefined;
  /** The dashboard issues the last head query listed, for dashboard() to find its issue in. */
  private readonly dashboards = new DashboardSightings();
  /** GitHub refused the dashboards in the head query (a token without issues: read): not asked again. */
  private dashboardsRefused = false;

  constructor(options: GitHubForgeOptions) {
    this.octokit = options.octokit;
    this.owner = options.owner;
    this.repo = options.repo;
    this.repository = `${options.owner}/${options.repo}`;
    this.remote = this.repository;
    this.defaultBranchName = options.defaultBranch;
    this.targetBranch = options.branch;
    this.now = options.now ?? Date.now;
    this.maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
    this.blobBatch = options.blobBatch ?? 100;
  }

  /** The branch proposals target: the one named, else the repository's default branch. */
  async defaultBranch(): Promise<string> {
    if (this.targetBranch !== undefined) return this.targetBranch;
    if (this.defaultBranchName === undefined) await this.head();
    return this.defaultBranchName as string;
  }

  /** Neither the repository's default branch nor the target branch is ever written. */
  private async assertWritable(branch: string): Promise<void> {
    assertWritableBranch(branch, await this.defaultBranch());
    if (this.defaultBranchName === undefined) await this.head();
    assertWritableBranch(branch, this.defaultBranchName as string);
  }

  async snapshot(include: (path: string) => boolean = isManifestCandidate): Promise<RepoSnapshot> {
    // Without a snapshot to reuse, the tree rides on the head query; with one, the head is all a
    // pass that changes nothing needs, and a moved head lists its tree through REST.
    const head = await this.head(this.cached === undefined);
    const c = this.cached;
    if (c && c.commitSha === head.commitSha && c.include === include) return c.snapshot;
    const tree = head.entries ? { truncated: false, tree: head.entries } : await this.listTree(head.treeSha);
    const skipped: RepoSnapshot["skipped"] = [];
    if (tree.truncated)
      skipped.push({ path: "/", reason: "tree listing truncated by GitHub; some files unseen" });
    const wanted: TreeEntry[] = [];
    const byPath = modesOf(tree.tree);
    for (const entry of tree.tree) {
      if (entry.type !== "blob" || !include(entry.path)) continue;
      if (entry.mode === "120000") skipped.push({ path: entry.path, reason: SYMLINK_REASON });
      else if ((entry.size ?? 0) > this.maxFileBytes) skipped.push({ path: entry.path, reason: "too large" });
      else wanted.push(entry);
    }
    this.modes = { commitSha: head.commitSha, byPath };
    const files: RepoSnapshot["files"] = [];
    for (let i = 0; i < wanted.length; i += this.blobBatch) {
      const batch = wanted.slice(i, i + this.blobBatch);
      const texts = await this.blobs(batch.map((e) => e.sha));
      for (const [j, entry] of batch.entries()) {
        const blob = texts[j];
        if (blob === undefined) {
          skipped.push({ path: entry.path, reason: "binary" });
          continue;
        }
        // GitHub cuts GraphQL blob text (at about 512 KB): read the whole blob, never a cut one.
        const text = blob.truncated ? await this.fullBlob(entry.path, entry.sha) : blob.text;
        // GitHub decodes invalid UTF-8 into U+FFFD, which changes the byte count; an edit would commit it.
        if (text.includes("\uFFFD") && Buffer.byteLength(text, "utf8") !== entry.size)
          skipped.push({ path: entry.path, reason: "not valid UTF-8" });
        else files.push({ path: entry.path, content: text });
      }
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

  lastSnapshot(): RepoSnapshot | undefined {
    return this.cached?.snapshot;
  }

  async commitBranch(request: CommitRequest): Promise<string> {
    await this.assertWritable(request.branch);
    const modes = await this.modesAt(
      request.base.commitSha,
      request.files.map((f) => f.path),
    );
    const tree = await this.write("POST /repos/{owner}/{repo}/git/trees", {
      base_tree: request.base.treeSha ?? (await this.treeOf(request.base.commitSha)),
      // Inline contents: GitHub creates the blobs itself, so N files cost one call, not N + 1. Each
      // file keeps the mode it had (an executable stays executable); a new one is a plain file.
      tree: request.files.map((f) => {
        const mode = modes.get(f.path) ?? "100644";
        if (mode !== "100644" && mode !== "100755")
          throw new Error(`refusing to write ${f.path}: it is not a regular file (git mode ${mode})`);
        return f.content === null
          ? { path: f.path, mode, type: "blob", sha: null }
          : { path: f.path, mode, type: "blob", content: f.content };
      }),
    });
    const commit = await this.write("POST /repos/{owner}/{repo}/git/commits", {
      message: request.message,
      tree: tree.sha,
      parents: [request.base.commitSha],
    });
    await this.moveBranch(request.branch, commit.sha, request.exists);
    return commit.sha;
  }

  async pullRequest(number: number): Promise<PullRequest | undefined> {
    try {
      return toPullRequest(
        await this.call("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
          pull_number: number,
        }),
      );
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  beginPass(branches: string[]): void {
    this.expected = [...new Set(branches)];
    this.openPulls = undefined;
    this.histories = new Map();
    this.closedInPass = [];
  }

  async pullRequests(branch: string): Promise<PullRequest[]> {
    const known = this.histories.get(branch);
    if (known && this.openPulls) return [...this.openPulls.filter((p) => p.branch === branch), ...known];
    const pulls: RestPull[] = [];
    for (let page = 1; ; page++) {
      const res = await this.guard(() =>
        this.octokit.request("GET /repos/{owner}/{repo}/pulls", {
          owner: this.owner,
          repo: this.repo,
          head: `${this.owner}:${branch}`,
          state: "all",
          sort: "created",
          direction: "desc",
          per_page: 100,
          page,
        }),
      );
      pulls.push(...res.data);
      if (!/rel="next"/.test(String(res.headers.link ?? ""))) break;
    }
    return pulls.filter((p) => p.head.ref === branch).map(toPullRequest);
  }

  async openPullRequestFrom(branch: string): Promise<PullRequest | undefined> {
    const pulls = this.openPulls ?? (await this.readOpenPulls());
    return pulls.find((p) => p.branch === branch);
  }

  async openPullRequest(request: NewPullRequest): Promise<PullRequest> {
    await this.assertWritable(request.branch);
    const pull = toPullRequest(
      await this.write("POST /repos/{owner}/{repo}/pulls", {
        title: request.title,
        head: request.branch,
        base: request.base,
        body: request.body,
        maintainer_can_modify: false,
      }),
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
    const opened = { ...pull, labels: request.labels };
    this.openPulls?.push(opened);
    return opened;
  }

  async updatePullRequest(number: number, change: { title?: string; body?: string; labels?: string[] }) {
    const known = this.openPulls?.find((p) => p.number === number);
    if (known) Object.assign(known, change);
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
    const pull = await this.write("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
      pull_number: number,
      state: "closed",
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    if (this.openPulls) this.openPulls = this.openPulls.filter((p) => p.number !== number);
    this.closedInPass.push(toPullRequest(pull));
    // A fork's branch is not ours, and a branch of the same name here is someone else's.
    if (options.keepBranch || !fromBaseRepository(this, toPullRequest(pull))) return;
    await this.assertWritable(pull.head.ref);
    await this.write("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { ref: `heads/${pull.head.ref}` }).catch(
      (err) => {
        // Already gone (the repository deletes head branches itself, or someone did): nothing to do.
        // Any other refusal (a protected branch, the default branch, too many requests) is an error.
        const e = err as { status?: number; message?: string };
        if (e.status === 404 || (e.status === 422 && /reference does not exist/i.test(e.message ?? "")))
          return;
        throw err;
      },
    );
  }

  async enableAutoMerge(pr: PullRequest): Promise<void> {
    if (!pr.nodeId) throw new Error(`pull request #${pr.number} has no node id; cannot enable auto-merge`);
    await this.guard(() =>
      this.octokit.graphql(
        `mutation($id: ID!) {
          enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) {
            pullRequest { number }
          }
        }`,
        { id: pr.nodeId },
      ),
    );
  }

  async permission(user: string): Promise<Permission> {
    try {
      const data = await this.call("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
        username: user,
      });
      const p = data.permission;
      return p === "admin" || p === "write" || p === "read" ? p : p === "maintain" ? "write" : "none";
    } catch (err) {
      // Not a collaborator at all.
      if ((err as { status?: number }).status === 404) return "none";
      throw err;
    }
  }

  dashboard(): GitHubDashboardIssues {
    return new GitHubDashboardIssues(this.scope, this.dashboards);
  }

  /** The pull request files and check runs of the cost check. */
  checks(): GitHubChecks {
    return new GitHubChecks(this.scope);
  }

  private get scope(): RepoScope {
    return { octokit: this.octokit, owner: this.owner, repo: this.repo, now: this.now };
  }

  async openProposalCount(): Promise<number> {
    const pulls = this.openPulls ?? (await this.readOpenPulls());
    return pulls.filter((p) => p.branch.startsWith(BRANCH_PREFIX)).length;
  }

  /**
   * From what the head query already read, no request of its own: every open pull request, and
   * the closed and merged ones of this pass's branches (plus those closed since). Unseen: a pull
   * request opened and closed within the hour on a branch not in this pass, i.e. of a policy
   * since removed or renamed (or on a branch with over a page of history, which REST reads).
   * Missing one lets at most one more open this hour, and the store's counter (openedLastHour
   * takes the larger) still counts what this process, or a shared Redis, saw opened; listing
   * every recent pull request would cost a request on every pass to cover that corner.
   */
  async proposalsOpenedWithin(seconds: number): Promise<number> {
    const open = this.openPulls ?? (await this.readOpenPulls());
    const since = this.now() - seconds * 1000;
    const byNumber = new Map(
      [...open, ...[...this.histories.values()].flat(), ...this.closedInPass].map((p) => [p.number, p]),
    );
    return [...byNumber.values()].filter(
      (p) =>
        fromBaseRepository(this, p) &&
        p.branch.startsWith(BRANCH_PREFIX) &&
        p.createdAt !== undefined &&
        Date.parse(p.createdAt) > since,
    ).length;
  }

  /** Every open pull request from this repository's own branches, all pages. */
  private async readOpenPulls(first?: PullPage): Promise<PullRequest[]> {
    const nodes: GraphPull[] = [];
    let page = first;
    for (;;) {
      if (!page) page = await this.openPage(null);
      nodes.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      page = await this.openPage(page.pageInfo.endCursor);
    }
    // A fork's branch may be called costopt/... too; it is never ours.
    const pulls = nodes.filter((n) => !n.isCrossRepository).map(fromGraph);
    this.openPulls = pulls;
    return pulls;
  }

  private async openPage(after: string | null): Promise<PullPage> {
    const data = await this.guard(() =>
      this.octokit.graphql<{ repository: { pullRequests: PullPage } }>(OPEN_QUERY, {
        owner: this.owner,
        name: this.repo,
        after,
      }),
    );
    return data.repository.pullRequests;
  }

  async commit(sha: string): Promise<{ message: string; parents: string[] }> {
    const c = await this.call("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      commit_sha: sha,
    });
    return { message: c.message, parents: c.parents.map((p) => p.sha) };
  }

  async changedPaths(base: string, head: string): Promise<string[]> {
    const data = await this.call("GET /repos/{owner}/{repo}/compare/{basehead}", {
      basehead: `${base}...${head}`,
      per_page: 100,
    });
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
    const fields = paths.map(
      (_, i) => `f${i}: object(expression: $e${i}) { ... on Blob { oid text isBinary isTruncated } }`,
    );
    const query = `query($owner: String!, $name: String!, ${params}) {\n  repository(owner: $owner, name: $name) {\n    ${fields.join("\n    ")}\n  }\n}`;
    const variables = Object.fromEntries(paths.map((p, i) => [`e${i}`, `${commitSha}:${p}`]));
    type Blobs = Record<
      string,
      { oid: string; text: string | null; isBinary: boolean | null; isTruncated: boolean } | null
    >;
    const data = await this.guard(() =>
      this.octokit.graphql<{ repository: Blobs }>(query, {
        owner: this.owner,
        name: this.repo,
        ...variables,
      }),
    );
    for (const [i, path] of paths.entries()) {
      const blob = data.repository[`f${i}`];
      if (!blob || blob.isBinary || blob.text === null) out.set(path, null);
      // A cut text would not match what the commit holds: read the whole blob, as snapshot() does.
      else out.set(path, blob.isTruncated ? await this.fullBlob(path, blob.oid) : blob.text);
    }
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

  /**
   * The target branch's head, and with it the open pull requests (one query for both); its tree
   * too when asked, and the dashboard issues. A query with the tree or the dashboards that fails
   * (a tree too large for GitHub, a timeout, issues the token may not read) is asked again with
   * neither: the tree is then listed through REST and the dashboard looked up through REST.
   */
  private async head(withTree = false): Promise<Head> {
    const dashboards = !this.dashboardsRefused;
    if (withTree || dashboards)
      try {
        return await this.readHead(withTree, dashboards);
      } catch (err) {
        if (err instanceof RateLimitError) throw err;
        // An error on the dashboards field nulls the whole repository (the field is non-null).
        if (dashboards && failedAt(err, DASHBOARDS_ALIAS)) this.dashboardsRefused = true;
      }
    return this.readHead(false, false);
  }

  private async readHead(withTree: boolean, withDashboards: boolean): Promise<Head> {
    const target = this.targetBranch;
    type Ref = { target: { oid: string; tree: { oid: string; entries?: GraphEntry[] | null } } } | null;
    const branches = this.expected;
    const variables: Record<string, string> = { owner: this.owner, name: this.repo };
    if (target !== undefined) variables.ref = `refs/heads/${target}`;
    branches.forEach((b, i) => {
      variables[`h${i}`] = b;
    });
    type Answer = {
      repository: {
        defaultBranchRef: ({ name: string } & Partial<NonNullable<Ref>>) | null;
        ref?: Ref;
        pullRequests: PullPage;
        [DASHBOARDS_ALIAS]?: { nodes: GraphDashboardIssue[] };
      } & Record<string, PullPage>;
    };
    const query = headQuery(target !== undefined, branches.length, withTree, withDashboards);
    const data = await this.guard(() => this.octokit.graphql<Answer>(query, variables));
    const repo = data.repository;
    this.dashboards.read(repo[DASHBOARDS_ALIAS]?.nodes);
    this.histories = new Map();
    branches.forEach((b, i) => {
      const page = repo[`h${i}`];
      // A history longer than a page is read in full through REST when asked for.
      if (page && !page.pageInfo.hasNextPage)
        this.histories.set(b, page.nodes.filter((n) => !n.isCrossRepository).map(fromGraph));
    });
    if (!repo.defaultBranchRef)
      throw new Error(`${this.repository} has no default branch (empty repository?)`);
    this.defaultBranchName = repo.defaultBranchRef.name;
    const ref = target === undefined ? (repo.defaultBranchRef as Ref) : repo.ref;
    if (!ref?.target) throw new Error(`${this.repository} has no branch ${target}`);
    await this.readOpenPulls(repo.pullRequests);
    const entries = withTree ? flattenTree(ref.target.tree.entries) : undefined;
    return {
      branch: target ?? repo.defaultBranchRef.name,
      commitSha: ref.target.oid,
      treeSha: ref.target.tree.oid,
      ...(entries ? { entries } : {}),
    };
  }

  /** The git modes of paths at a commit: from the snapshot's listing when it is that commit. */
  private async modesAt(commitSha: string, paths: string[]): Promise<Map<string, string>> {
    if (this.modes?.commitSha === commitSha || paths.length === 0) return this.modes?.byPath ?? new Map();
    const byPath = modesOf((await this.listTree(await this.treeOf(commitSha))).tree);
    this.modes = { commitSha, byPath };
    return byPath;
  }

  /** A tree listed recursively through REST. */
  private async listTree(treeSha: string): Promise<{ truncated: boolean; tree: TreeEntry[] }> {
    return await this.call("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
      tree_sha: treeSha,
      recursive: "1",
    });
  }

  /** A blob read whole through REST (GraphQL cut its text). */
  private async fullBlob(path: string, sha: string): Promise<string> {
    const blob = await this.call("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
      file_sha: sha,
    });
    const bytes = Buffer.from(blob.content, blob.encoding === "base64" ? "base64" : "utf8");
    if (bytes.length !== blob.size)
      throw new Error(`${this.repository}: ${path} came back with ${bytes.length} of ${blob.size} bytes`);
    return bytes.toString("utf8");
  }

  private async treeOf(commitSha: string): Promise<string> {
    const commit = await this.call("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      commit_sha: commitSha,
    });
    return commit.tree.sha;
  }

  /** Blob texts by oid, in order; undefined for binary blobs. */
  private async blobs(oids: string[]): Promise<({ text: string; truncated: boolean } | undefined)[]> {
    if (oids.length === 0) return [];
    // Oids travel as variables, never spliced into the query text.
    const params = oids.map((_, i) => `$o${i}: GitObjectID!`).join(", ");
    const fields = oids.map(
      (_, i) => `b${i}: object(oid: $o${i}) { ... on Blob { text isBinary isTruncated } }`,
    );
    const query = `query($owner: String!, $name: String!, ${params}) {\n  repository(owner: $owner, name: $name) {\n    ${fields.join("\n    ")}\n  }\n}`;
    const variables = Object.fromEntries(oids.map((oid, i) => [`o${i}`, oid]));
    type Blobs = Record<
      string,
      { text: string | null; isBinary: boolean | null; isTruncated: boolean } | null
    >;
    const data = await this.guard(() =>
      this.octokit.graphql<{ repository: Blobs }>(query, {
        owner: this.owner,
        name: this.repo,
        ...variables,
      }),
    );
    return oids.map((_, i) => {
      const blob = data.repository[`b${i}`];
      return blob && !blob.isBinary && blob.text !== null
        ? { text: blob.text, truncated: blob.isTruncated }
        : undefined;
    });
  }

  /** A REST route of this repository, typed by GitHub's description: its parameters and its answer. */
  private async call<R extends RepoRoute>(
    route: R,
    params: RouteParams<R>,
  ): Promise<Endpoints[R]["response"]["data"]> {
    return (await repoRequest(this.scope, route, params)).data;
  }

  // Writes are paced by the octokit's throttling plugin (Probot's, or the CLI's): one started a
  // second apart, GraphQL included, as GitHub asks against its secondary rate limits.
  private write<R extends RepoRoute>(
    route: R,
    params: RouteParams<R>,
  ): Promise<Endpoints[R]["response"]["data"]> {
    return this.call(route, params);
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asRateLimit(err, Math.floor(this.now() / 1000));
    }
  }
}

/** Whether a GraphQL error names the field `alias` in its path (octokit's GraphqlResponseError). */
function failedAt(err: unknown, alias: string): boolean {
  const errors = (err as { errors?: { path?: readonly unknown[] }[] }).errors;
  return Array.isArray(errors) && errors.some((e) => e.path?.includes(alias));
}

/** Git modes by path of the files and submodules in a listing (a commit refuses to write over a submodule). */
function modesOf(tree: TreeEntry[]): Map<string, string> {
  return new Map(tree.filter((e) => e.type === "blob" || e.type === "commit").map((e) => [e.path, e.mode]));
}

function fromGraph(p: GraphPull): PullRequest {
  return {
    number: p.number,
    url: p.url,
    nodeId: p.id,
    branch: p.headRefName,
    base: p.baseRefName,
    title: p.title,
    body: p.body,
    state: p.state === "MERGED" ? "merged" : p.state === "OPEN" ? "open" : "closed",
    headSha: p.headRefOid,
    labels: (p.labels?.nodes ?? []).map((l) => l.name),
    createdAt: p.createdAt,
    ...(p.mergedAt ? { mergedAt: p.mergedAt, mergeSha: p.mergeCommit?.oid } : {}),
  };
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
    state: p.merged_at ? "merged" : p.state === "open" ? "open" : "closed",
    headSha: p.head.sha,
    labels: p.labels.map((l) => l.name),
    createdAt: p.created_at,
    ...(p.merged_at ? { mergedAt: p.merged_at, mergeSha: p.merge_commit_sha ?? undefined } : {}),
  };
}
