// GitHub at the HTTP level, with state: a repository (git objects, refs, pull requests) served
// over node:http the way api.github.com answers, for code that builds its own octokit (the
// `costopt run --github` CLI). GraphQL is executed against GitHub's published schema with
// resolvers over the state, so every answer has GitHub's shape by construction; every REST
// exchange goes through the contract check (test/support/github-contract.ts) like the nock doubles.

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { execute, parse } from "graphql";
import { graphqlSchema, record } from "./github-contract.js";
import { gitCommit, gitRef, gitTree, issue, pull as restPull, reviewRequested } from "./github-shapes.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies
type Json = Record<string, any>;

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
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export class GitHubServer {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
  /** Every request, "METHOD path" (GraphQL as "POST /graphql"). */
  readonly requests: string[] = [];
  readonly pulls: ServedPull[] = [];
  private readonly blobs = new Map<string, string>();
  private readonly trees = new Map<string, Map<string, Entry>>();
  private readonly commits = new Map<string, { tree: string; parents: string[]; message: string }>();
  private readonly refs = new Map<string, string>();
  private server: Server | undefined;
  url = "";

  constructor(o: {
    owner: string;
    repo: string;
    defaultBranch?: string;
    files: Record<string, string | { content: string; mode: string }>;
  }) {
    this.owner = o.owner;
    this.repo = o.repo;
    this.defaultBranch = o.defaultBranch ?? "main";
    const tree = new Map<string, Entry>();
    for (const [path, f] of Object.entries(o.files)) {
      const file = typeof f === "string" ? { content: f, mode: "100644" } : f;
      tree.set(path, { mode: file.mode, sha: this.putBlob(file.content) });
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
    let answer: { status: number; body?: unknown; headers?: Record<string, string> };
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
      return { name, target: { __typename: "Commit", oid, tree: { oid: this.commits.get(oid)?.tree } } };
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
      object: ({ oid }: { oid: string }) => {
        const text = this.blobs.get(oid);
        return text === undefined ? null : { __typename: "Blob", text, isBinary: false, isTruncated: false };
      },
    };
    const run = execute({
      schema: graphqlSchema(),
      document: parse(String(body.query)),
      variableValues: body.variables ?? {},
      rootValue: { repository: () => repository },
    }) as { data?: unknown; errors?: { message: string }[] };
    if (run.errors?.length)
      return {
        status: 200,
        body: { data: run.data ?? null, errors: run.errors.map((e) => ({ message: e.message })) },
      };
    return { status: 200, body: { data: run.data } };
  }

  private rest(method: string, url: URL, body: Json | undefined) {
    const R = { owner: this.owner, repo: this.repo };
    const base = `/repos/${this.owner}/${this.repo}`;
    const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
    const route = `${method} ${path}`;
    const notFound = {
      status: 404,
      body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
    };
    let m: RegExpExecArray | null;
    if ((m = /^GET \/git\/trees\/([0-9a-f]{40})$/.exec(route))) {
      const tree = this.trees.get(m[1] as string);
      if (!tree) return notFound;
      const entries = [...tree.entries()].map(([p, e]) => ({
        path: p,
        mode: e.mode,
        type: "blob" as const,
        sha: e.sha,
        size: Buffer.byteLength(this.blobs.get(e.sha) ?? ""),
      }));
      return { status: 200, body: gitTree(R, m[1] as string, entries) };
    }
    if (route === "POST /git/trees") {
      const parent = this.trees.get(body?.base_tree) ?? new Map<string, Entry>();
      const tree = new Map(parent);
      for (const t of body?.tree as { path: string; mode: string; sha?: string | null; content?: string }[]) {
        if (t.sha === null) tree.delete(t.path);
        else
          tree.set(t.path, {
            mode: t.mode,
            sha: t.content !== undefined ? this.putBlob(t.content) : (t.sha as string),
          });
      }
      const sha = this.putTree(tree);
      return {
        status: 201,
        body: gitTree(
          R,
          sha,
          [...tree.entries()].map(([p, e]) => ({ path: p, mode: e.mode, type: "blob" as const, sha: e.sha })),
        ),
      };
    }
    if (route === "POST /git/commits") {
      const c = { tree: body?.tree, parents: body?.parents, message: body?.message };
      return { status: 201, body: gitCommit(R, { sha: this.putCommit(c), ...c }) };
    }
    if ((m = /^GET \/git\/commits\/([0-9a-f]{40})$/.exec(route))) {
      const c = this.commits.get(m[1] as string);
      return c ? { status: 200, body: gitCommit(R, { sha: m[1] as string, ...c }) } : notFound;
    }
    if (route === "POST /git/refs") {
      const ref = String(body?.ref).replace(/^refs\//, "");
      if (this.refs.has(ref))
        return {
          status: 422,
          body: { message: "Reference already exists", documentation_url: "https://docs.github.com/rest" },
        };
      this.refs.set(ref, body?.sha);
      return { status: 201, body: gitRef(R, `refs/${ref}`, body?.sha) };
    }
    if ((m = /^PATCH \/git\/refs\/(.+)$/.exec(route))) {
      const ref = decodeURIComponent(m[1] as string);
      this.refs.set(ref, body?.sha);
      return { status: 200, body: gitRef(R, `refs/${ref}`, body?.sha) };
    }
    if (route === "GET /pulls") {
      const head = url.searchParams.get("head")?.split(":")[1];
      const list = this.pulls.filter((p) => p.branch === head).reverse();
      return { status: 200, body: list.map((p) => this.restPull(p)) };
    }
    if (route === "POST /pulls") {
      if (!this.refs.has(`heads/${body?.head}`))
        return {
          status: 422,
          body: { message: "Validation Failed", documentation_url: "https://docs.github.com/rest" },
        };
      const p: ServedPull = {
        number: this.pulls.length + 1,
        branch: body?.head,
        base: body?.base,
        title: body?.title,
        body: body?.body ?? "",
        state: "open",
        merged: false,
        labels: [],
        reviewers: [],
        assignees: [],
      };
      this.pulls.push(p);
      return { status: 201, body: this.restPull(p) };
    }
    if ((m = /^PATCH \/issues\/(\d+)$/.exec(route))) {
      const p = this.pulls[Number(m[1]) - 1];
      if (!p) return notFound;
      if (body?.labels) p.labels = body.labels;
      if (body?.assignees) p.assignees = body.assignees;
      return { status: 200, body: issue(R, p.number, { labels: p.labels, assignees: p.assignees }) };
    }
    if ((m = /^POST \/pulls\/(\d+)\/requested_reviewers$/.exec(route))) {
      const p = this.pulls[Number(m[1]) - 1];
      if (!p) return notFound;
      p.reviewers = [...(body?.reviewers ?? []), ...(body?.team_reviewers ?? [])];
      return {
        status: 201,
        body: reviewRequested({ number: p.number, branch: p.branch, body: p.body }, body?.reviewers ?? [], {
          owner: this.owner,
          repo: this.repo,
        }),
      };
    }
    return notFound;
  }

  private restPull(p: ServedPull): Json {
    return restPull(
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
      },
      { owner: this.owner, repo: this.repo },
    );
  }
}
