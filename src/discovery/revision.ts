// Revisions: what the GitOps tool deploys from, and whether a pull request there deploys.

import type { Revision } from "./types.js";

const SHA = /^[0-9a-f]{40}$/i;
const SEMVER_RANGE = /[*^~<>=|x ]|\.x\b/;
const VERSION_TAG = /^v?\d+\.\d+(\.\d+)?([-+].*)?$/;

/** Argo CD's targetRevision: a branch, a tag, a commit, a semver range, or HEAD. */
export function argoRevision(targetRevision: string | undefined): Revision {
  const t = targetRevision?.trim();
  if (!t || t === "HEAD") return { kind: "default" };
  if (SHA.test(t)) return { kind: "commit", value: t };
  if (t.startsWith("refs/heads/")) return { kind: "branch", value: t.slice("refs/heads/".length) };
  if (t.startsWith("refs/tags/")) return { kind: "tag", value: t.slice("refs/tags/".length) };
  if (VERSION_TAG.test(t)) return { kind: "tag", value: t };
  if (SEMVER_RANGE.test(t)) return { kind: "semver", value: t };
  return { kind: "branch", value: t };
}

/**
 * Flux GitRepository spec.ref. Flux's own precedence is commit > name > semver > tag > branch,
 * and an absent ref means the master branch (source-controller's documented default).
 */
export function fluxRevision(ref: Record<string, unknown> | undefined): Revision {
  const s = (k: string) => (typeof ref?.[k] === "string" && ref[k] !== "" ? (ref[k] as string) : undefined);
  const commit = s("commit");
  const name = s("name");
  const semver = s("semver");
  const tag = s("tag");
  const branch = s("branch");
  if (commit) return { kind: "commit", value: commit };
  if (name) return argoRevision(name);
  if (semver) return { kind: "semver", value: semver };
  if (tag) return { kind: "tag", value: tag };
  return { kind: "branch", value: branch ?? "master" };
}

/** "@main", "@default branch", "@tag v1.2.0" — for explanations. */
export function describeRevision(r: Revision): string {
  if (r.kind === "branch") return `@${r.value}`;
  if (r.kind === "default") return "@default branch";
  return `@${r.kind} ${r.value}`;
}

/**
 * A pull request only deploys when the tool follows a branch. For pinned revisions the PR goes
 * to the default branch, and reviewers are told the pin must move too.
 */
export function pinnedWarning(r: Revision, decidedBy: string): string | undefined {
  if (r.kind === "branch" || r.kind === "default") return undefined;
  return `${decidedBy} deploys ${r.kind} ${r.value}, not a branch: the change reaches the cluster only after that revision is moved to include it`;
}
