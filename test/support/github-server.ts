// GitHub at the HTTP level, with state: a repository (git objects, refs, pull requests) served
// over node:http the way api.github.com answers, for code that builds its own octokit (the
// `costopt run --github` CLI). GraphQL is executed against GitHub's published schema with
// resolvers over the state, so every answer has GitHub's shape by construction; every REST
// exchange goes through the contract check (test/support/github-contract.ts) like the nock doubles.

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { record } from "./github-contract.js";
import { answerGraphql, graphIssues, graphTree, type HeldIssue } from "./github-graph.js";
import {
  botIssue,
  gitCommit,
  gitRef,
  gitTree,
  issue,
  pullListItem,
  pull as restPull,
  reviewRequested,
  type TreeEntry,
} from "./github-shapes.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies
type Json = Record<string, any>;

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Entry {
  mode: string;
  sha: string;
}

export interface ServedPull {
  number: number;
  branch: string;
  base: string;
  title: string;
  body: string;
  state: "open" | "closed";
  merged: boolean;
  labels: string[];
  reviewers: string[];
  assignees: string[];
  /** ISO 8601, by the server's clock when it was opened. */
  createdAt: string;
}

/** An issue (not a pull request): the cost dashboard the app wrote, or a person's (author "User"). */
export type ServedIssue = HeldIssue;

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export class GitHubServer {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
  /** Every request, "METHOD path" (GraphQL as "POST /graphql"). */
  readonly requests: string[] = [];
  readonly pulls: ServedPull[] = [];
  readonly issues: ServedIssue[] = [];
  private readonly blobs = new Map<string, string>();
  private readonly trees = new Map<string, Map<string, Entry>>();
  private readonly commits = new Map<string, { tree: string; parents: string[]; message: string }>();
  private readonly refs = new Map<string, string>();
  private server: Server | undefined;
  /** GitHub's clock: what a new pull request's creation time reads. */
  private readonly now: () => number;
  url = "";

  constructor(o: {
    owner: string;
    repo: string;
    defaultBranch?: string;
    files: Record<string, string | { content: string; mode: string }>;
    /** The server's clock, ms since the epoch; the real one when absent. */
    now?: () => number;
  }) {
    this.now = o.now ?? Date.now;
    this.owner = o.owner;
    this.repo = o.repo;
    this.defaultBranch = o.defaultBranch ?? "main";
    const tree = new Map<string, Entry>();
    for (const [path, f] of Object.entries(o.files)) {
      const file = typeof f === "string" ? { content: f, mode: "100644" } : f;
      // A submodule's "content" is the commit it pins.
      tree.set(path, {
        mode: file.mode,
        sha: file.mode === "160000" ? file.content : this.putBlob(file.content),
      });
    }
    const treeSha = this.putTree(tree);
    this.refs.set(
      `heads/${this.defaultBranch}`,
      this.putCommit({ tree: treeSha, parents: [], message: "initial" }),
    );
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** A file's content and mode on a branch, as the branch's head commit holds it. */
  file(branch: string, path: string): { content: string; mode: string } | undefined {
    const head = this.refs.get(`heads/${branch}`);
    const commit = head ? this.commits.get(head) : undefined;
    const entry = commit ? this.trees.get(commit.tree)?.get(path) : undefined;
    return entry ? { content: this.blobs.get(entry.sha) as string, mode: entry.mode } : undefined;
  }

  branches(): string[] {
    return [...this.refs.keys()].map((r) => r.replace(/^heads\//, ""));
  }

  private putBlob(content: string): string {
    const sha = sha1(`blob ${Buffer.byteLength(content)}\0${content}`);
    this.blobs.set(sha, content);
    return sha;
  }

  private putTree(tree: Map<string, Entry>): string {
    const sha = sha1(JSON.stringify([...tree.entries()].sort()));
    this.trees.set(sha, tree);
    return sha;
  }

  private putCommit(c: { tree: string; parents: string[]; message: string }): string {
    const sha = sha1(JSON.stringify(c));
    this.commits.set(sha, c);
    return sha;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? (JSON.parse(text) as Json) : undefined;
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    this.requests.push(`${method} ${url.pathname}`);
    const sent = { method, url: `${url.pathname}${url.search}`, body };
    let answer: Answer;
    try {
      answer =
        req.headers.authorization !== "token test-token"
          ? {
              status: 401,
              body: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" },
            }
          : url.pathname === "/graphql"
            ? this.graphql(body as Json)
            : this.rest(method, url, body);
    } catch (err) {
      answer = { status: 500, body: { message: (err as Error).message } };
    }
    record(sent, { status: answer.status, body: answer.body });
    res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
    res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  }

  private graphql(body: Json) {
    const graphPull = (p: ServedPull) => ({
      number: p.number,
      url: `https://github.com/${this.owner}/${this.repo}/pull/${p.number}`,
      id: `PR_${p.number}`,
      title: p.title,
      body: p.body,
      state: p.merged ? "MERGED" : p.state === "open" ? "OPEN" : "CLOSED",
      createdAt: p.createdAt,
      mergedAt: null,
      mergeCommit: null,
      headRefName: p.branch,
      headRefOid: this.refs.get(`heads/${p.branch}`) ?? "0".repeat(40),
      baseRefName: p.base,
      isCrossRepository: false,
      labels: () => ({ nodes: p.labels.map((name) => ({ name })) }),
    });
    const ref = (name: string) => {
      const oid = this.refs.get(`heads/${name}`);
      if (!oid) return null;
      const tree = this.commits.get(oid)?.tree ?? "";
      return { name, target: { __typename: "Commit", oid, tree: graphTree(tree, this.entries(tree) ?? []) } };
    };
    const repository = {
      defaultBranchRef: ref(this.defaultBranch),
      ref: ({ qualifiedName }: { qualifiedName: string }) => ref(qualifiedName.replace(/^refs\/heads\//, "")),
      pullRequests: (a: { states?: string[]; headRefName?: string; first: number; after?: string }) => {
        const nodes = this.pulls
          .filter((p) => !a.headRefName || p.branch === a.headRefName)
          .map(graphPull)
          .filter((p) => !a.states || a.states.includes(p.state))
          .reverse();
        const start = a.after ? Number(a.after) : 0;
        const page = nodes.slice(start, start + a.first);
        const more = start + a.first < nodes.length;
        return {
          pageInfo: { hasNextPage: more, endCursor: more ? String(start + a.first) : null },
          nodes: page,
        };
      },
      issues: (a: Parameters<typeof graphIssues>[1]) => graphIssues(this.issues, a),
      object: ({ oid }: { oid: string }) => {
        const text = this.blobs.get(oid);
        return text === undefined ? null : { __typename: "Blob", text, isBinary: false, isTruncated: false };
      },
    };
    return { status: 200, body: answerGraphql(body, repository) };
  }

  private rest(method: string, url: URL, body: Json | undefined): Answer {
    const R = { owner: this.owner, repo: this.repo };
    const base = `/repos/${this.owner}/${this.repo}`;
    const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
    const route = `${method} ${path}`;
    const notFound = {
      status: 404,
      body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
    };
    const error = (status: number, message: string) => ({
      status,
      body: { message, documentation_url: "https://docs.github.com/rest" },
    });
    const b = body ?? {};
    const routes: [RegExp, (m: string[]) => Answer][] = [
      [/^GET \/git\/trees\/([0-9a-f]{40})$/, ([sha = ""]) => this.listTree(sha) ?? notFound],
      [/^POST \/git\/trees$/, () => this.createTree(b)],
      [
        /^POST \/git\/commits$/,
        () => {
          const c = { tree: b.tree, parents: b.parents, message: b.message };
          return { status: 201, body: gitCommit(R, { sha: this.putCommit(c), ...c }) };
        },
      ],
      [
        /^GET \/git\/commits\/([0-9a-f]{40})$/,
        ([sha = ""]) => {
          const c = this.commits.get(sha);
          return c ? { status: 200, body: gitCommit(R, { sha, ...c }) } : notFound;
        },
      ],
      [
        /^POST \/git\/refs$/,
        () => {
          const ref = String(b.ref).replace(/^refs\//, "");
          if (this.refs.has(ref)) return error(422, "Reference already exists");
          this.refs.set(ref, b.sha);
          return { status: 201, body: gitRef(R, `refs/${ref}`, b.sha) };
        },
      ],
      [
        /^PATCH \/git\/refs\/(.+)$/,
        ([encoded = ""]) => {
          const ref = decodeURIComponent(encoded);
          this.refs.set(ref, b.sha);
          return { status: 200, body: gitRef(R, `refs/${ref}`, b.sha) };
        },
      ],
      [
        /^GET \/pulls$/,
        () => {
          const head = url.searchParams.get("head")?.split(":")[1];
          const list = this.pulls.filter((p) => p.branch === head).reverse();
          return { status: 200, body: list.map((p) => this.restPull(p, true)) };
        },
      ],
      [
        /^POST \/pulls$/,
        () => {
          if (!this.refs.has(`heads/${b.head}`)) return error(422, "Validation Failed");
          const p: ServedPull = {
            number: this.nextNumber(),
            branch: b.head,
            base: b.base,
            title: b.title,
            body: b.body ?? "",
            state: "open",
            merged: false,
            labels: [],
            reviewers: [],
            assignees: [],
            createdAt: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
          };
          this.pulls.push(p);
          return { status: 201, body: this.restPull(p) };
        },
      ],
      [
        /^GET \/issues$/,
        () => {
          const label = url.searchParams.get("labels");
          const state = url.searchParams.get("state") ?? "open";
          const list = this.issues
            .filter((i) => !label || i.labels.includes(label))
            .filter((i) => state === "all" || i.state === state);
          return { status: 200, body: list.map((i) => this.restIssue(i)) };
        },
      ],
      [
        /^POST \/issues$/,
        () => {
          const i: ServedIssue = {
            number: this.nextNumber(),
            title: b.title,
            body: b.body ?? "",
            state: "open",
            labels: b.labels ?? [],
          };
          this.issues.push(i);
          return { status: 201, body: this.restIssue(i) };
        },
      ],
      [
        /^PATCH \/issues\/(\d+)$/,
        ([n]) => {
          const i = this.issues.find((x) => x.number === Number(n));
          if (i) {
            if (b.body !== undefined) i.body = b.body;
            if (b.state !== undefined) i.state = b.state;
            return { status: 200, body: this.restIssue(i) };
          }
          const p = this.pull(Number(n));
          if (!p) return notFound;
          if (b.labels) p.labels = b.labels;
          if (b.assignees) p.assignees = b.assignees;
          return { status: 200, body: issue(R, p.number, { labels: p.labels, assignees: p.assignees }) };
        },
      ],
      [
        /^POST \/pulls\/(\d+)\/requested_reviewers$/,
        ([n]) => {
          const p = this.pull(Number(n));
          if (!p) return notFound;
          p.reviewers = [...(b.reviewers ?? []), ...(b.team_reviewers ?? [])];
          return {
            status: 201,
            body: reviewRequested({ number: p.number, branch: p.branch, body: p.body }, b.reviewers ?? [], {
              owner: this.owner,
              repo: this.repo,
            }),
          };
        },
      ],
    ];
    for (const [pattern, answer] of routes) {
      const m = pattern.exec(route);
      if (m) return answer(m.slice(1));
    }
    return notFound;
  }

  /** An issue as REST answers it: costopt's app as its author, or a person. */
  private restIssue(i: ServedIssue): Json {
    const out = botIssue(this.repoRef(), i.number, i);
    if (i.author === "User") out.user = { ...out.user, login: "octocat", type: "User" };
    return out;
  }

  /** Issues and pull requests share one sequence of numbers, as on GitHub. */
  private nextNumber(): number {
    return this.pulls.length + this.issues.length + 1;
  }

  private pull(n: number): ServedPull | undefined {
    return this.pulls.find((p) => p.number === n);
  }

  /** A tree's files and submodules (mode 160000), as a recursive listing names them. */
  private entries(sha: string): TreeEntry[] | undefined {
    const tree = this.trees.get(sha);
    if (!tree) return undefined;
    return [...tree.entries()].map(([path, e]) =>
      e.mode === "160000"
        ? { path, mode: e.mode, type: "commit" as const, sha: e.sha }
        : {
            path,
            mode: e.mode,
            type: "blob" as const,
            sha: e.sha,
            size: Buffer.byteLength(this.blobs.get(e.sha) ?? ""),
          },
    );
  }

  private listTree(sha: string): Answer | undefined {
    const entries = this.entries(sha);
    return entries && { status: 200, body: gitTree(this.repoRef(), sha, entries) };
  }

  private createTree(b: Json): Answer {
    const tree = new Map(this.trees.get(b.base_tree) ?? new Map<string, Entry>());
    for (const t of (b.tree ?? []) as {
      path: string;
      mode: string;
      sha?: string | null;
      content?: string;
    }[]) {
      if (t.sha === null) tree.delete(t.path);
      else
        tree.set(t.path, {
          mode: t.mode,
          sha: t.content !== undefined ? this.putBlob(t.content) : String(t.sha),
        });
    }
    const sha = this.putTree(tree);
    const entries = [...tree.entries()].map(([path, e]) => ({
      path,
      mode: e.mode,
      type: "blob" as const,
      sha: e.sha,
    }));
    return { status: 201, body: gitTree(this.repoRef(), sha, entries) };
  }

  private repoRef() {
    return { owner: this.owner, repo: this.repo };
  }

  /** A pull request as REST answers it; `listed`: the simple form the list endpoint gives. */
  private restPull(p: ServedPull, listed = false): Json {
    return (listed ? pullListItem : restPull)(
      {
        number: p.number,
        branch: p.branch,
        body: p.body,
        title: p.title,
        state: p.state,
        merged: p.merged,
        labels: p.labels,
        base: p.base,
        headSha: this.refs.get(`heads/${p.branch}`),
        createdAt: p.createdAt,
      },
      { owner: this.owner, repo: this.repo },
    );
  }
}
