// A forge that reads through to another and writes nothing: `costopt run --dry-run`. Every read
// (snapshot, pull requests, commits) is the real repository's, so the pass decides exactly what it
// would do; every write (branch, pull request, comment, close, auto-merge) is answered as if it had
// happened and recorded, so the report shows the diffs that would be proposed.

import type { CommitRequest, Forge, NewPullRequest, PullRequest } from "./types.js";

export interface DryRunForge extends Forge {
  /** What the pass would have written, one line per write. */
  readonly skippedWrites: string[];
}

export function dryRunForge(forge: Forge): DryRunForge {
  const skippedWrites: string[] = [];
  let next = 0;
  const writes: Partial<Forge> = {
    async commitBranch(request: CommitRequest) {
      skippedWrites.push(`commit ${request.files.length} file(s) to ${request.branch}`);
      return `dry-run-${request.branch}`;
    },
    async openPullRequest(request: NewPullRequest): Promise<PullRequest> {
      skippedWrites.push(`open pull request "${request.title}" from ${request.branch}`);
      next -= 1; // negative numbers: never a real pull request's
      return {
        number: next,
        url: "(dry run: not opened)",
        branch: request.branch,
        base: request.base,
        title: request.title,
        body: request.body,
        state: "open",
        headSha: `dry-run-${request.branch}`,
        labels: request.labels,
      };
    },
    async updatePullRequest(number: number) {
      skippedWrites.push(`update pull request #${number}`);
    },
    async comment(number: number) {
      skippedWrites.push(`comment on pull request #${number}`);
    },
    async closePullRequest(number: number) {
      skippedWrites.push(`close pull request #${number}`);
    },
    async enableAutoMerge(pr: PullRequest) {
      skippedWrites.push(`enable auto-merge on #${pr.number}`);
    },
  };
  return new Proxy(forge as DryRunForge, {
    get(target, prop, receiver) {
      if (prop === "skippedWrites") return skippedWrites;
      // The local forge keeps its signing key in the git directory: read it, never create it.
      if (prop === "metadataSecret" && "metadataSecret" in target)
        return () =>
          (target as { metadataSecret(o: { create: boolean }): Promise<Buffer> }).metadataSecret({
            create: false,
          });
      // Nor does it write the cost dashboard issue or a check run.
      if (prop === "dashboard" || prop === "checks") return undefined;
      if (typeof prop === "string" && prop in writes) return writes[prop as keyof Forge];
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
