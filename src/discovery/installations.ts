// Which GitHub App installation may write a repository. The lookup is injected: the service
// builds it from GET /app/installations and each installation's repositories; tests hand a
// list. When no installation fits, the answer says which one is missing, because that text
// becomes the policy's Failed status and a platform engineer acts on it.

import type { RepositoryRef } from "./repo-url.js";

export type InstallationResult =
  /** warning: a permission beyond a proposal's is missing (the dashboard, the cost check). */
  { ok: true; installationId: number; warning?: string } | { ok: false; reason: string };

export type InstallationLookup = (repo: RepositoryRef) => Promise<InstallationResult>;

/** One installation of the GitHub App, as the GitHub API describes it (trimmed). */
export interface InstallationEntry {
  id: number;
  /** The user or organization login the app is installed on. */
  account: string;
  /** "all": every repository of the account; "selected": only `repositories`. */
  repositorySelection: "all" | "selected";
  /** owner/name or name, for "selected" installations. */
  repositories?: string[];
  /** The installation's permissions; checked against NEEDED when given. */
  permissions?: Record<string, string>;
}

// What costopt needs of an installation: writing branches and pull requests, and reading issues,
// without which GitHub never delivers issue_comment (the /costopt commands).
const NEEDED = { contents: "write", pull_requests: "write", issues: "read" } as const;
const LEVELS = ["read", "write", "admin"];

/** The permissions an installation lacks, as "name level" ("issues read"); empty when it has all. */
export function missingPermissions(granted: Record<string, string>): string[] {
  return Object.entries(NEEDED)
    .filter(([name, level]) => LEVELS.indexOf(granted[name] ?? "") < LEVELS.indexOf(level))
    .map(([name, level]) => `${name} ${level}`);
}

/** Why an installation that can see a repository still cannot serve it. */
export function lackingReason(repo: RepositoryRef, installationId: number, lacking: string[]): string {
  return `the costopt GitHub App installation on ${repo.owner} (id ${installationId}) can read ${repo.fullName} but lacks ${lacking.join(" and ")} permission: accept the app's requested permissions`;
}

/** Permissions beyond a proposal's, and what goes missing without them. */
export const OPTIONAL_PERMISSIONS: Record<string, string> = {
  issues: "the cost dashboard",
  checks: "the costopt/cost check",
};

/** What an installation with these permissions cannot do, for a warning; undefined when nothing. */
export function missingExtras(
  permissions: Record<string, string> | undefined,
  owner: string,
): string | undefined {
  if (!permissions) return undefined;
  const extras = Object.entries(OPTIONAL_PERMISSIONS)
    .filter(([p]) => permissions[p] !== "write")
    .map(([p, what]) => `${p}: write (${what})`);
  return extras.length > 0
    ? `the costopt GitHub App installation on ${owner} lacks ${extras.join(", ")}: accept the app's requested permissions`
    : undefined;
}

/** An InstallationLookup over a fixed list (refresh the list between passes, not within one). */
export function installationsFromList(entries: InstallationEntry[]): InstallationLookup {
  return async (repo) => {
    const onAccount = entries.filter((e) => e.account.toLowerCase() === repo.owner.toLowerCase());
    if (onAccount.length === 0) {
      return {
        ok: false,
        reason: `the costopt GitHub App is not installed on the ${repo.owner} account, so it cannot write ${repo.fullName}: install it there with access to ${repo.name}`,
      };
    }
    const covering = onAccount.filter((e) => covers(e, repo));
    if (covering.length === 0) {
      const ids = onAccount.map((e) => e.id).join(", ");
      return {
        ok: false,
        reason: `the costopt GitHub App installation on ${repo.owner} (id ${ids}) does not include ${repo.fullName}: add the repository to the installation`,
      };
    }
    const writable = covering.find((e) => !e.permissions || missingPermissions(e.permissions).length === 0);
    if (!writable) {
      const e = covering[0] as InstallationEntry;
      return { ok: false, reason: lackingReason(repo, e.id, missingPermissions(e.permissions ?? {})) };
    }
    const warning = missingExtras(writable.permissions, repo.owner);
    return { ok: true, installationId: writable.id, ...(warning ? { warning } : {}) };
  };
}

function covers(e: InstallationEntry, repo: RepositoryRef): boolean {
  if (e.repositorySelection === "all") return true;
  return (e.repositories ?? []).some((r) => {
    const name = r.includes("/") ? r : `${e.account}/${r}`;
    return name.toLowerCase() === repo.key;
  });
}
