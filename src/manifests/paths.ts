// Repository-relative paths. Every path the module follows (a kustomization's resources, a
// policy's source.path, a new file) is normalised here and must stay inside the repository.

import { posix } from "node:path";

/** Normalises a repository path; undefined when it is absolute or climbs out with "..". */
export function repoPath(path: string): string | undefined {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.includes("\\")) return undefined;
  const norm = posix.normalize(path).replace(/\/+$/, "");
  if (norm === ".." || norm.startsWith("../")) return undefined;
  return norm === "." ? "" : norm;
}

/** Joins a path relative to a folder of the repository; undefined when it leaves the repository. */
export function joinRepo(dir: string, rel: string): string | undefined {
  if (rel.startsWith("/")) return undefined;
  return repoPath(dir === "" ? rel : `${dir}/${rel}`);
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** Whether `path` is `scope` itself or lies below it ("" is the whole repository). */
export function isUnder(path: string, scope: string): boolean {
  return scope === "" || path === scope || path.startsWith(`${scope}/`);
}

/** The symlink, if any, that `path` runs through (itself or one of its parent folders). */
export function symlinkOnPath(path: string, symlinks: ReadonlySet<string>): string | undefined {
  const parts = path.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    if (symlinks.has(prefix)) return prefix;
  }
  return undefined;
}
