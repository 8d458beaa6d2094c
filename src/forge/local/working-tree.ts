// A folder on disk as a RepoSnapshot, for `costopt recommend --repo`: the working tree as it is
// (uncommitted edits included, no git needed), read by the rules the forges' snapshots follow, so
// recommend and run index the same files the same way and report the same skipped ones.

import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isManifestCandidate, type RepoSnapshot, SYMLINK_REASON } from "../types.js";
import { MAX_MANIFEST_BYTES, manifestText } from "./readable.js";

/** Every manifest candidate under dir (paths relative, "/"-separated); dot folders and node_modules are not walked. */
export function workingTreeSnapshot(dir: string, maxFileBytes = MAX_MANIFEST_BYTES): RepoSnapshot {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new Error(`--repo ${dir}: not a directory`);
  const files: RepoSnapshot["files"] = [];
  const skipped: RepoSnapshot["skipped"] = [];
  const walk = (rel: string) => {
    const entries = readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (!isManifestCandidate(path)) continue;
      else if (entry.isSymbolicLink()) skipped.push({ path, reason: SYMLINK_REASON });
      else if (entry.isFile()) {
        if (lstatSync(join(dir, path)).size > maxFileBytes) skipped.push({ path, reason: "too large" });
        else {
          const read = manifestText(readFileSync(join(dir, path)));
          if ("text" in read) files.push({ path, content: read.text });
          else skipped.push({ path, reason: read.reason });
        }
      }
    }
  };
  walk("");
  return { branch: "(working tree)", commitSha: "", files, skipped };
}
