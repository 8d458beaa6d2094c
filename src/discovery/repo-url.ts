// Repository URLs as Argo CD and Flux write them, reduced to the owner/name costopt uses to
// find the GitHub App installation. The same repository reaches the cluster in many spellings
// (https or ssh, scp-like, with or without .git, a trailing slash, any letter case), and two
// spellings must land on one installation.

import { redactUrl } from "../telemetry/redact.js";

export interface RepositoryRef {
  /** Lower-case host, e.g. "github.com". */
  host: string;
  owner: string;
  name: string;
  /** owner/name as written (case kept, for messages and API calls). */
  fullName: string;
  /** owner/name in lower case: GitHub names are case-insensitive, so this is the identity. */
  key: string;
}

export class RepositoryUrlError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`repository "${redactUrl(url)}" ${reason}`);
    this.name = "RepositoryUrlError";
  }
}

const OWNER_NAME = /^[A-Za-z0-9_.-]+$/;
// git@github.com:owner/name.git — scp-like syntax has no scheme and a colon before the path.
const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/;

/**
 * Parses a repository URL or a bare owner/name. `defaultHost` is used for owner/name only.
 * Throws RepositoryUrlError naming the URL when it is not a two-segment repository path.
 */
export function parseRepositoryUrl(url: string, defaultHost = "github.com"): RepositoryRef {
  const raw = url.trim();
  let host: string;
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new RepositoryUrlError(url, "is not a valid URL");
    }
    host = u.hostname;
    path = decodeURIComponent(u.pathname);
  } else if (SCP_LIKE.test(raw)) {
    const m = SCP_LIKE.exec(raw) as RegExpExecArray;
    host = m[1] as string;
    path = m[2] as string;
  } else if (/^[^/\s]+\.[^/\s]+\/[^/\s]+\/[^/\s]+/.test(raw)) {
    // github.com/owner/name, as Go-style module paths write it
    const i = raw.indexOf("/");
    host = raw.slice(0, i);
    path = raw.slice(i);
  } else {
    host = defaultHost;
    path = raw;
  }
  const segments = path
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .split("/")
    .filter(Boolean);
  if (segments.length !== 2 || !segments.every((s) => OWNER_NAME.test(s))) {
    throw new RepositoryUrlError(url, "does not name a GitHub repository as owner/name");
  }
  const [owner, name] = segments as [string, string];
  const fullName = `${owner}/${name}`;
  return {
    host: host.toLowerCase().replace(/^www\./, ""),
    owner,
    name,
    fullName,
    key: fullName.toLowerCase(),
  };
}

/** https://host/owner/name, the one spelling used in explanations. */
export function repositoryUrl(repo: RepositoryRef): string {
  return `https://${repo.host}/${repo.fullName}`;
}
