// What GitHub answers, built from the examples in GitHub's own REST description
// (@octokit/openapi) with only the fields a test cares about changed. Test doubles answer with
// these, so every answer has every field GitHub sends (the contract check holds them to it).

import { createRequire } from "node:module";
import { type PullOptions, pullRequest as webhookPull } from "../fixtures/webhooks/index.js";

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: GitHub's JSON answers
type Json = Record<string, any>;

let examples: Record<string, { value: unknown }> | undefined;

/** GitHub's own example answer by its name in components/examples. */
export function example(name: string): Json {
  examples ??= require("@octokit/openapi/generated/api.github.com.json").components.examples;
  const found = examples?.[name];
  if (!found) throw new Error(`no GitHub example ${name}`);
  return structuredClone(found.value) as Json;
}

export interface Repo {
  owner: string;
  repo: string;
  /** Where the API answers (GitHub Enterprise: https://host/api/v3). */
  api?: string;
}

const apiOf = (r: Repo) => `${r.api ?? "https://api.github.com"}/repos/${r.owner}/${r.repo}`;

export interface TreeEntry {
  path: string;
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
}

export function gitTree(r: Repo, sha: string, entries: TreeEntry[], truncated = false): Json {
  return {
    sha,
    url: `${apiOf(r)}/git/trees/${sha}`,
    tree: entries.map((e) => ({
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.type === "blob" ? { size: e.size ?? 0, url: `${apiOf(r)}/git/blobs/${e.sha}` } : {}),
      ...(e.type === "tree" ? { url: `${apiOf(r)}/git/trees/${e.sha}` } : {}),
    })),
    truncated,
  };
}

export function gitCommit(
  r: Repo,
  c: { sha: string; message: string; tree: string; parents: string[] },
): Json {
  const out = example("git-commit");
  out.sha = c.sha;
  out.url = `${apiOf(r)}/git/commits/${c.sha}`;
  out.html_url = `https://github.com/${r.owner}/${r.repo}/commit/${c.sha}`;
  out.message = c.message;
  out.tree = { sha: c.tree, url: `${apiOf(r)}/git/trees/${c.tree}` };
  out.parents = c.parents.map((p) => ({
    sha: p,
    url: `${apiOf(r)}/git/commits/${p}`,
    html_url: `https://github.com/${r.owner}/${r.repo}/commit/${p}`,
  }));
  return out;
}

/** GET compare/{base}...{head}: one commit ahead of its base, with the files it changes. */
export function comparison(
  r: Repo,
  base: string,
  head: string,
  files: { filename: string; status: "added" | "removed" | "modified" }[],
): Json {
  const out = example("commit-comparison");
  const web = `https://github.com/${r.owner}/${r.repo}`;
  out.url = `${apiOf(r)}/compare/${base}...${head}`;
  out.html_url = `${web}/compare/${base}...${head}`;
  out.permalink_url = `${web}/compare/${r.owner}:${base}...${r.owner}:${head}`;
  out.diff_url = `${out.html_url}.diff`;
  out.patch_url = `${out.html_url}.patch`;
  out.status = "ahead";
  out.ahead_by = 1;
  out.behind_by = 0;
  out.total_commits = 1;
  out.base_commit.sha = base;
  out.merge_base_commit.sha = base;
  out.commits[0].sha = head;
  out.files = files.map((f, i) => ({
    ...out.files[0],
    sha: f.status === "removed" ? null : `${i}`.padStart(40, "d"),
    filename: f.filename,
    status: f.status,
    blob_url: `${web}/blob/${head}/${f.filename}`,
    raw_url: `${web}/raw/${head}/${f.filename}`,
    contents_url: `${apiOf(r)}/contents/${f.filename}?ref=${head}`,
  }));
  return out;
}

export function gitRef(r: Repo, ref: string, sha: string): Json {
  return {
    ref,
    node_id: Buffer.from(`ref:${ref}`).toString("base64"),
    url: `${apiOf(r)}/git/${ref}`,
    object: { type: "commit", sha, url: `${apiOf(r)}/git/commits/${sha}` },
  };
}

export function gitBlob(r: Repo, sha: string, content: string): Json {
  const bytes = Buffer.from(content, "utf8");
  return {
    sha,
    node_id: Buffer.from(`blob:${sha}`).toString("base64"),
    size: bytes.length,
    url: `${apiOf(r)}/git/blobs/${sha}`,
    // GitHub wraps base64 at 60 characters.
    content: `${(bytes.toString("base64").match(/.{1,60}/g) ?? []).join("\n")}\n`,
    encoding: "base64",
  };
}

export function labels(r: Repo, names: string[]): Json[] {
  return names.map((name, i) => ({
    id: 208045946 + i,
    node_id: Buffer.from(`label:${name}`).toString("base64"),
    url: `${apiOf(r)}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: "ededed",
    default: false,
  }));
}

export function issue(r: Repo, number: number, o: { labels?: string[]; assignees?: string[] } = {}): Json {
  const out = example("issue");
  out.number = number;
  out.url = `${apiOf(r)}/issues/${number}`;
  out.html_url = `https://github.com/${r.owner}/${r.repo}/pull/${number}`;
  out.labels = labels(r, o.labels ?? []);
  const user = out.user;
  out.assignees = (o.assignees ?? []).map((login) => ({ ...user, login }));
  out.assignee = out.assignees[0] ?? null;
  return out;
}

export function issueComment(r: Repo, id: number, number: number, body: string): Json {
  const out = example("issue-comment");
  out.id = id;
  out.body = body;
  out.url = `${apiOf(r)}/issues/comments/${id}`;
  out.html_url = `https://github.com/${r.owner}/${r.repo}/pull/${number}#issuecomment-${id}`;
  out.issue_url = `${apiOf(r)}/issues/${number}`;
  return out;
}

/**
 * A pull request as REST returns it (GET/POST/PATCH pulls): GitHub's webhook example, adapted.
 * In repository `r` (the example's Codertocat/Hello-World when absent): its base repository, and
 * its head repository too unless o.headRepo names a fork.
 */
export function pull(o: PullOptions & { base?: string }, r?: Repo): Json {
  const out = webhookPull(o);
  if (o.base) out.base.ref = o.base;
  if (r) {
    const sides = o.headRepo ? [out.base] : [out.base, out.head];
    for (const side of sides) {
      side.repo = {
        ...side.repo,
        name: r.repo,
        full_name: `${r.owner}/${r.repo}`,
        owner: { ...side.repo.owner, login: r.owner },
        html_url: `https://github.com/${r.owner}/${r.repo}`,
        url: apiOf(r),
      };
      side.label = `${r.owner}:${side.ref}`;
      side.user = { ...side.user, login: r.owner };
    }
    out.html_url = `https://github.com/${r.owner}/${r.repo}/pull/${o.number}`;
  }
  // The webhook payload's repositories carry custom_properties; REST's pull request does not.
  for (const side of [out.base, out.head]) if (side.repo) delete side.repo.custom_properties;
  return out;
}

// What the full pull request has and the list endpoint's "pull-request-simple" does not.
const FULL_PULL_ONLY = [
  "merged",
  "mergeable",
  "rebaseable",
  "mergeable_state",
  "merged_by",
  "comments",
  "review_comments",
  "maintainer_can_modify",
  "commits",
  "additions",
  "deletions",
  "changed_files",
];

/** A pull request as GET /repos/{owner}/{repo}/pulls lists it (the simple form). */
export function pullListItem(o: PullOptions & { base?: string }, r?: Repo): Json {
  const out = pull(o, r);
  for (const key of FULL_PULL_ONLY) delete out[key];
  return out;
}

/** GET /repos/{owner}/{repo}: GitHub's example, less what its schema does not declare of the nested repositories. */
export function fullRepository(): Json {
  const out = example("full-repository");
  for (const key of ["parent", "source", "template_repository"])
    if (out[key]) {
      delete out[key].network_count;
      delete out[key].subscribers_count;
    }
  return out;
}

/** POST requested_reviewers answers with the pull request (simple form) and its reviewers. */
export function reviewRequested(o: PullOptions, reviewers: string[], r?: Repo): Json {
  const out = example("pull-request-review-request");
  const full = pull(o, r);
  for (const key of ["number", "html_url", "node_id", "title", "body", "state", "head", "base"])
    out[key] = full[key];
  out.requested_reviewers = reviewers.map((login) => ({ ...out.user, login }));
  out.requested_teams = [];
  return out;
}

export function permission(user: string, level: string): Json {
  const out = example("repository-collaborator-permission-response-if-user-has-admin-permissions");
  out.permission = level;
  out.role_name = level;
  out.user.login = user;
  out.user.role_name = level;
  return out;
}

export function installationToken(permissions: Record<string, string>): Json {
  const out = example("installation-token");
  out.token = "ghs_installation";
  out.expires_at = "2099-01-01T00:00:00Z";
  out.permissions = permissions;
  out.repository_selection = "all";
  delete out.repositories;
  return out;
}

/** An error answer as GitHub sends it (message and documentation_url; 422s also errors). */
export function apiError(message: string): Json {
  return { message, documentation_url: "https://docs.github.com/rest" };
}

/** An issue costopt's app wrote (its author a bot), with its title, body and state. */
export function botIssue(
  r: Repo,
  number: number,
  o: { title: string; body: string; state?: "open" | "closed"; labels?: string[] },
): Json {
  const out = issue(r, number, { labels: o.labels ?? [] });
  out.title = o.title;
  out.body = o.body;
  out.state = o.state ?? "open";
  out.html_url = `https://github.com/${r.owner}/${r.repo}/issues/${number}`;
  out.user = { ...out.user, login: "costopt[bot]", type: "Bot" };
  delete out.pull_request;
  if (out.state === "open") {
    out.closed_at = null;
    out.state_reason = null;
  }
  return out;
}

/** GET pulls/{n}/files: the files a pull request changes. */
export function pullFiles(r: Repo, head: string, files: { filename: string; status?: string }[]): Json[] {
  const [template] = example("diff-entry-items") as unknown as Json[];
  const web = `https://github.com/${r.owner}/${r.repo}`;
  return files.map((f, i) => ({
    ...template,
    sha: `${i}`.padStart(40, "d"),
    filename: f.filename,
    status: f.status ?? "modified",
    blob_url: `${web}/blob/${head}/${f.filename}`,
    raw_url: `${web}/raw/${head}/${f.filename}`,
    contents_url: `${apiOf(r)}/contents/${f.filename}?ref=${head}`,
  }));
}

/** POST check-runs: the run as created, with the name, head, conclusion and output sent. */
export function checkRun(
  r: Repo,
  sent: { name: string; head_sha: string; conclusion?: string; output?: { title: string; summary: string } },
): Json {
  const out = example("check-run");
  out.name = sent.name;
  out.head_sha = sent.head_sha;
  out.status = "completed";
  out.conclusion = sent.conclusion ?? null;
  out.output = {
    ...out.output,
    title: sent.output?.title ?? null,
    summary: sent.output?.summary ?? null,
    text: null,
  };
  out.url = `${apiOf(r)}/check-runs/${out.id}`;
  return out;
}
