// GitHub's GraphQL API as the test doubles answer it: a query is executed against GitHub's published
// schema with resolvers over the double's state, so an answer has exactly the fields the query
// selected, in GitHub's types, by construction. A commit's tree is served from the same flat file
// list the REST listing is built from, nested by directory as GitHub serves `Tree.entries`.

import { createHash } from "node:crypto";
import { execute, parse } from "graphql";
import { graphqlSchema } from "./github-contract.js";
import type { TreeEntry } from "./github-shapes.js";

/** git's id of a blob with this content. */
export function blobSha(content: string): string {
  return createHash("sha1")
    .update(`blob ${Buffer.byteLength(content)}\0${content}`)
    .digest("hex");
}

interface GraphTreeEntry {
  name: string;
  path: string;
  type: string;
  mode: number;
  oid: string;
  size: number;
  object: Record<string, unknown> | null;
}

/**
 * A commit's tree as GraphQL serves it: one Tree per directory, entries in git's order (a
 * directory sorts as its name with a trailing slash), modes as numbers (0o100755 for "100755"),
 * a submodule's object null (its commit lives in another repository). `entries` lists blobs and
 * submodules by full path; directories come from the paths.
 */
export function graphTree(oid: string, entries: readonly TreeEntry[]): Record<string, unknown> {
  return {
    __typename: "Tree",
    oid,
    entries: level(
      "",
      entries.filter((e) => e.type !== "tree"),
    ),
  };
}

function level(prefix: string, entries: readonly TreeEntry[]): GraphTreeEntry[] {
  const dirs = new Map<string, TreeEntry[]>();
  const out: GraphTreeEntry[] = [];
  for (const e of entries) {
    const rest = e.path.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash >= 0) {
      const dir = rest.slice(0, slash);
      dirs.set(dir, [...(dirs.get(dir) ?? []), e]);
      continue;
    }
    const object = e.type === "blob" ? { __typename: "Blob", oid: e.sha, byteSize: e.size ?? 0 } : null;
    out.push({
      name: rest,
      path: e.path,
      type: e.type,
      mode: Number.parseInt(e.mode, 8),
      oid: e.sha,
      size: e.size ?? 0,
      object,
    });
  }
  for (const [dir, inside] of dirs) {
    const children = level(`${prefix}${dir}/`, inside);
    const oid = createHash("sha1")
      .update(JSON.stringify(children.map((c) => [c.name, c.oid])))
      .digest("hex");
    out.push({
      name: dir,
      path: `${prefix}${dir}`,
      type: "tree",
      mode: 0o40000,
      oid,
      size: 0,
      object: { __typename: "Tree", oid, entries: children },
    });
  }
  const key = (e: GraphTreeEntry) => (e.type === "tree" ? `${e.name}/` : e.name);
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A GraphQL request answered over `repository` (the value of the root `repository` field). */
export function answerGraphql(
  body: { query?: unknown; variables?: Record<string, unknown> | null },
  repository: Record<string, unknown>,
): { data: unknown; errors?: { message: string; path?: (string | number)[] }[] } {
  const run = execute({
    schema: graphqlSchema(),
    document: parse(String(body.query)),
    variableValues: body.variables ?? {},
    rootValue: { repository: () => repository },
  }) as { data?: unknown; errors?: readonly { message: string; path?: readonly (string | number)[] }[] };
  // GitHub names the field that failed in each error's path, as the spec describes.
  if (run.errors?.length)
    return {
      data: run.data ?? null,
      errors: run.errors.map((e) => ({ message: e.message, ...(e.path ? { path: [...e.path] } : {}) })),
    };
  return { data: run.data };
}

/** A GraphQL page of `nodes` as `pullRequests(...)` answers it (one page: the doubles never hold more). */
export function graphPage(nodes: unknown[]) {
  return { pageInfo: { hasNextPage: false, endCursor: null }, nodes };
}

/** An issue a double holds, in creation order: the cost dashboard, or a person's issue. */
export interface HeldIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  /** Who opened it: costopt's app (a Bot) unless a person did. */
  author?: "Bot" | "User";
}

/**
 * `Repository.issues(...)` as GitHub answers it over `issues` (held oldest first): filtered by
 * labels (any of them) and states, ordered by creation, one page of `first`, each an Issue whose
 * author is a Bot or a User. Other orderings or cursors than the doubles need are refused.
 */
export function graphIssues(
  issues: readonly HeldIssue[],
  a: {
    labels?: string[] | null;
    states?: string[] | null;
    first?: number | null;
    after?: string | null;
    orderBy?: { field: string; direction: string } | null;
  },
) {
  if (a.after) throw new Error("the GitHub double serves one page of issues");
  if (a.orderBy && a.orderBy.field !== "CREATED_AT")
    throw new Error(`the GitHub double orders issues by CREATED_AT only, not ${a.orderBy.field}`);
  const all = issues
    .filter((i) => !a.labels || i.labels.some((l) => a.labels?.includes(l)))
    .filter((i) => !a.states || a.states.includes(i.state.toUpperCase()));
  if (a.orderBy?.direction === "DESC") all.reverse();
  const first = a.first ?? all.length;
  const nodes = all.slice(0, first).map((i) => ({
    __typename: "Issue",
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state.toUpperCase(),
    author:
      i.author === "User"
        ? { __typename: "User", login: "octocat" }
        : { __typename: "Bot", login: "costopt" },
  }));
  return {
    totalCount: all.length,
    pageInfo: { hasNextPage: all.length > first, endCursor: nodes.length ? String(nodes.length) : null },
    nodes,
  };
}
