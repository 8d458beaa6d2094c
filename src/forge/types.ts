// A forge is where proposals live: a Git host with branches and pull requests. One folder per forge
// (github/, local/) behind this interface, as Renovate does with its platforms.

import type { DashboardIssues } from "../gitops/dashboard/sync.js";
import type { RepoFile } from "../manifests/types.js";

/** The default branch as read once per run: every manifest candidate with its content. */
export interface RepoSnapshot {
  branch: string;
  commitSha: string;
  /** The commit's root tree, when the forge knows it (saves a call when committing on top). */
  treeSha?: string;
  files: RepoFile[];
  /** Paths left out, with the reason (too large, binary, a symlink, listing truncated). */
  skipped: { path: string; reason: string }[];
}

/** A file to write (content) or delete (null). */
export interface FileChange {
  path: string;
  content: string | null;
}

export interface CommitRequest {
  branch: string;
  /** The commit the new commit sits on (the current default branch head). */
  base: { commitSha: string; treeSha?: string };
  message: string;
  files: FileChange[];
  /** Whether the branch may already exist; then it is force-updated to the new commit. */
  exists: boolean;
}

export type PullRequestState = "open" | "closed" | "merged";

export interface PullRequest {
  number: number;
  url: string;
  branch: string;
  base: string;
  title: string;
  body: string;
  state: PullRequestState;
  /** The branch's head commit as the forge last saw it. */
  headSha: string;
  labels: string[];
  mergeSha?: string;
  mergedAt?: string;
  /** When it was opened (ISO 8601), where the forge reports it: the hourly limit counts these. */
  createdAt?: string;
  /** GraphQL node id (GitHub), needed for auto-merge. */
  nodeId?: string;
  /**
   * owner/name of the repository the head branch lives in, when the forge knows it: a fork's PR
   * names the fork (or null when the fork is gone), and is never costopt's.
   */
  headRepository?: string | null;
}

export interface NewPullRequest {
  branch: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  reviewers?: string[];
  teamReviewers?: string[];
  assignees?: string[];
}

export interface CloseOptions {
  comment?: string;
  body?: string;
  keepBranch?: boolean;
}

export type Permission = "admin" | "write" | "read" | "none";

export interface Forge {
  /** "github" or "local", for logs and the PR footer. */
  readonly kind: string;
  /** owner/name on GitHub, the directory for a local repository. */
  readonly repository: string;
  /**
   * The name a policy's source.repository must match (owner/name), when the forge has one; a
   * local clone has none, so policies written for the hosted repository still apply to it.
   */
  readonly remote?: string;

  defaultBranch(): Promise<string>;
  /** Reads the default branch: files for which include(path) holds (YAML by default). */
  snapshot(include?: (path: string) => boolean): Promise<RepoSnapshot>;
  /** The snapshot the last snapshot() read, without reading again; undefined before one. */
  lastSnapshot?(): RepoSnapshot | undefined;
  /** One commit on top of base, then the branch created or force-updated to it. Never the default branch. */
  commitBranch(request: CommitRequest): Promise<string>;
  /** One pull request by number; undefined when there is none. */
  pullRequest(number: number): Promise<PullRequest | undefined>;
  /** Every pull request from this branch, any state, newest first. */
  pullRequests(branch: string): Promise<PullRequest[]>;
  /**
   * The open pull request from this branch, if any. The GitHub forge answers it from the open pull
   * requests it read with the branch head, so an unchanged proposal costs no request of its own.
   */
  openPullRequestFrom(branch: string): Promise<PullRequest | undefined>;
  /**
   * A pass begins: forget pull requests read before it (a webhook may have changed them since),
   * and the branches it will ask pullRequests() about, which a forge may read together with the
   * next snapshot instead of one request per branch.
   */
  beginPass?(branches: string[]): void;
  /** Opens a pull request, labels it and asks for reviewers and assignees. */
  openPullRequest(request: NewPullRequest): Promise<PullRequest>;
  updatePullRequest(
    number: number,
    change: { title?: string; body?: string; labels?: string[] },
  ): Promise<void>;
  comment(number: number, body: string): Promise<void>;
  /**
   * Closes without merging, after an optional comment, setting a new body in the same step when
   * given. The branch is deleted unless told not to (a branch a person pushed to is theirs to keep).
   */
  closePullRequest(number: number, options?: CloseOptions): Promise<void>;
  /** How many costopt pull requests are open (branches under costopt/). */
  openProposalCount(): Promise<number>;
  /**
   * How many costopt pull requests were opened in the last `seconds` (by the forge's clock), from
   * the creation times the forge keeps: the hourly limit then holds across processes and runs.
   */
  proposalsOpenedWithin?(seconds: number): Promise<number>;
  /** A commit's message and parents, to tell our own commits from a person's. */
  commit(sha: string): Promise<{ message: string; parents: string[] }>;
  /** Paths that differ between two commits (a rollback reads what costopt's own commit changed). */
  changedPaths(base: string, head: string): Promise<string[]>;
  /** Contents of paths at a commit; null where the path does not exist there. */
  filesAt(commitSha: string, paths: readonly string[]): Promise<Map<string, string | null>>;
  /** Turns on the host's auto-merge (merges once checks and reviews pass). */
  enableAutoMerge(pr: PullRequest): Promise<void>;
  /** A user's permission on the repository, for /costopt commands. */
  permission(user: string): Promise<Permission>;
  /** The repository's cost dashboard issue; absent where the forge has no issues (a local repository). */
  dashboard?(): DashboardIssues;
  /**
   * The secret pull request metadata is signed with, when the forge has a private place to keep
   * one (a local clone's git directory). A hosted forge has none: the caller brings the secret.
   */
  metadataSecret?(): Promise<Buffer>;
}

export const BRANCH_PREFIX = "costopt/";

/** Whether a pull request's head branch lives in the forge's own repository (not a fork). */
export function fromBaseRepository(forge: Pick<Forge, "repository" | "remote">, pr: PullRequest): boolean {
  if (pr.headRepository === undefined) return true; // the local forge has no forks
  const own = forge.remote ?? forge.repository;
  return pr.headRepository !== null && pr.headRepository.toLowerCase() === own.toLowerCase();
}

export class ForgeSafetyError extends Error {
  override name = "ForgeSafetyError";
}

/**
 * The one rule no caller can bypass: costopt writes only to its own branches, never to the
 * default branch. Every forge calls this before moving a ref.
 */
export function assertWritableBranch(branch: string, defaultBranch: string): void {
  if (branch === defaultBranch || branch.replace(/^refs\/heads\//, "") === defaultBranch)
    throw new ForgeSafetyError(`refusing to write to the default branch ${defaultBranch}`);
  if (!branch.startsWith(BRANCH_PREFIX))
    throw new ForgeSafetyError(
      `refusing to write to ${branch}: costopt only writes to ${BRANCH_PREFIX}* branches`,
    );
}

/** Raised when the host rate-limits us; the run stops cleanly and the next one resumes. */
export class RateLimitError extends Error {
  override name = "RateLimitError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Manifest candidates: YAML files (Kustomize, Helm values, Chart.yaml included). */
export function isManifestCandidate(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/** Why a symlinked manifest is left out: its blob is a path, and writing YAML there would replace the link. */
export const SYMLINK_REASON = "a symlink: not followed or edited (its target is read where it lives)";
