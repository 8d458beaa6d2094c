// Placing the new files a plan adds next to a workload (a KEDA ScaledObject, say). Under
// Kustomize a file nobody lists is never applied, so each new file goes into the folder of the
// kustomization that renders the workload and is listed in that kustomization's resources.

import { dirOf, joinRepo, symlinkOnPath } from "./paths.js";
import type { FileEdit, Located, RepoIndex } from "./types.js";

export interface NewFiles {
  created: FileEdit[];
  /** Entries to append to a kustomization's `resources:` (paths relative to its folder). */
  listings: { kustomization: string; entry: string }[];
}

/** New files and the kustomization entries that apply them, or the reason they cannot be placed. */
export function placeNewFiles(
  index: RepoIndex,
  located: Located,
  files: readonly { path: string; content: string }[],
  taken: ReadonlySet<string>,
): NewFiles | string {
  const out: NewFiles = { created: [], listings: [] };
  for (const f of files)
    for (const site of located.newFiles) {
      if (site.blocked) return `new file ${f.path}: ${site.blocked}`;
      const path = joinRepo(site.folder, f.path);
      if (path === undefined) return `new file ${f.path} would leave the repository`;
      const link = symlinkOnPath(path, index.symlinks);
      if (link !== undefined) return `new file ${path} would be written through the symbolic link ${link}`;
      const old = index.files.get(path)?.content;
      if (old !== undefined && old !== f.content) return `${path} already exists; not overwritten`;
      if (old === undefined) {
        if (taken.has(path) || out.created.some((e) => e.path === path))
          return `${path} already exists; not overwritten`;
        out.created.push({ path, before: "", after: f.content, created: true, operations: [] });
      }
      const k = site.kustomization;
      if (k === undefined || index.kustomizations.get(k)?.resources.includes(path)) continue;
      const kdir = dirOf(k);
      out.listings.push({ kustomization: k, entry: kdir === "" ? path : path.slice(kdir.length + 1) });
    }
  return out;
}
