// A git repository on disk as a forge, for `costopt run` and the demo. Branches get one commit
// each, built with plumbing (no checkout, the working tree is never touched); pull requests are
// JSON records in <git-dir>/costopt/pull-requests.json. Merge and close are simulated.

import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  assertWritableBranch,
  BRANCH_PREFIX,
  type CloseOptions,
  type CommitRequest,
  type Forge,
  isManifestCandidate,
  type NewPullRequest,
  type Permission,
  type PullRequest,
  type RepoSnapshot,
  SYMLINK_REASON,
} from "../types.js";
import { git, gitText } from "./git.js";
import { MAX_MANIFEST_BYTES, manifestText } from "./readable.js";

export interface LocalComment {
  author: string;
  body: string;
  at: string;
}

export interface LocalPullRequest extends PullRequest {
  comments: LocalComment[];
  reviewers: string[];
  assignees: string[];
  autoMerge: boolean;
  createdAt: string;
}

interface Records {
  next: number;
  pulls: LocalPullRequest[];
}

export interface LocalForgeOptions {
  dir: string;
  /** Defaults to the branch checked out in dir. */
  defaultBranch?: string;
  /** Permissions by user for /costopt commands; users not listed get `write` (it is their disk). */
  permissions?: Record<string, Permission>;
  maxFileBytes?: number;
  now?: () => Date;
}

const BOT = { name: "costopt", email: "costopt@localhost" };
const BOT_ENV = {
  GIT_AUTHOR_NAME: BOT.name,
  GIT_AUTHOR_EMAIL: BOT.email,
  GIT_COMMITTER_NAME: BOT.name,
  GIT_COMMITTER_EMAIL: BOT.email,
};

export class LocalForge implements Forge {
  readonly kind = "local";
  readonly repository: string;
  private readonly dir: string;
  private readonly now: () => Date;
  private branchName: string | undefined;
  // Record updates are read-modify-write; one at a time within this process.
  private records: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalForgeOptions) {
    this.dir = options.dir;
    this.repository = options.dir;
    this.branchName = options.defaultBranch;
    this.now = options.now ?? (() => new Date());
  }

  async defaultBranch(): Promise<string> {
    if (this.branchName === undefined) {
      // Open proposals keep the base they were opened against: checking out another branch
      // must not rebuild them on it.
      const bases = new Set(
        (await this.load()).pulls
          .filter((p) => p.state === "open" && p.branch.startsWith(BRANCH_PREFIX))
          .map((p) => p.base),
      );
      if (bases.size === 1) {
        this.branchName = [...bases][0] as string;
        return this.branchName;
      }
      const head = await gitText(this.dir, ["symbolic-ref", "--short", "HEAD"]).catch(() => "");
      // A proposal branch checked out is not the base to propose against.
      if (head === "" || head.startsWith(BRANCH_PREFIX))
        throw new Error(
          `${this.dir}: check out the default branch, or name it (--branch); HEAD is ${head || "detached"}`,
        );
      this.branchName = head;
    }
    return this.branchName;
  }

  /** Fails with a plain sentence when dir is not a git working copy git can read. */
  private async assertRepository(): Promise<void> {
    if (!statSync(this.dir, { throwIfNoEntry: false })?.isDirectory())
      throw new Error(`--repo ${this.dir}: no such directory`);
    await gitText(this.dir, ["rev-parse", "--absolute-git-dir"]).catch((err: Error) => {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || /ENOENT/.test(err.message))
        throw new Error("git is not installed (or not on PATH); costopt run --repo needs it");
      throw new Error(
        `--repo ${this.dir}: not a git repository (run git init there, or give the working copy)`,
      );
    });
  }

  /** The branch's head commit, or a sentence saying why there is none. */
  private async baseCommit(branch: string): Promise<string> {
    const sha = await gitText(this.dir, [
      "rev-parse",
      "-q",
      "--verify",
      `refs/heads/${branch}^{commit}`,
    ]).catch(() => "");
    if (sha) return sha;
    const branches = (await gitText(this.dir, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"]))
      .split("\n")
      .filter((b) => b && !b.startsWith(BRANCH_PREFIX));
    if (branches.length === 0)
      throw new Error(`--repo ${this.dir}: the repository has no commits yet; commit the manifests first`);
    throw new Error(`--branch ${branch}: no such branch in ${this.dir} (branches: ${branches.join(", ")})`);
  }

  /**
   * Manifest candidates with uncommitted changes (modified, staged, untracked): a run proposes
   * against the committed branch, so these are not read. Absolute paths.
   */
  async uncommittedFiles(): Promise<string[]> {
    const root = await gitText(this.dir, ["rev-parse", "--show-toplevel"]);
    const out = (await git(this.dir, ["status", "--porcelain", "-z", "--untracked-files=all"])).toString(
      "utf8",
    );
    const paths: string[] = [];
    const entries = out.split("\0");
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as string;
      if (entry.length < 4) continue;
      // A rename's entry is followed by its old path.
      if (entry[0] === "R" || entry[0] === "C") i++;
      const path = entry.slice(3);
      if (isManifestCandidate(path)) paths.push(join(root, path));
    }
    return paths.sort();
  }

  async snapshot(include: (path: string) => boolean = isManifestCandidate): Promise<RepoSnapshot> {
    await this.assertRepository();
    const branch = await this.defaultBranch();
    const commitSha = await this.baseCommit(branch);
    const treeSha = await gitText(this.dir, ["rev-parse", `${commitSha}^{tree}`]);
    const listing = (await git(this.dir, ["ls-tree", "-r", "-z", "-l", commitSha])).toString("utf8");
    const skipped: RepoSnapshot["skipped"] = [];
    const wanted: { path: string; oid: string }[] = [];
    for (const line of listing.split("\0")) {
      const [, mode, type, oid, size, path] = /^(\d+) (\w+) ([0-9a-f]+) +(\d+|-)\t(.*)$/s.exec(line) ?? [];
      if (type !== "blob" || !oid || !path || !include(path)) continue;
      // A symlink's blob is the path it points to, not YAML: editing it would replace the link.
      if (mode === "120000") skipped.push({ path, reason: SYMLINK_REASON });
      else if (Number(size) > (this.options.maxFileBytes ?? MAX_MANIFEST_BYTES))
        skipped.push({ path, reason: "too large" });
      else wanted.push({ path, oid });
    }
    const contents = await this.catFiles(wanted.map((w) => w.oid));
    const files: RepoSnapshot["files"] = [];
    wanted.forEach((w, i) => {
      const read = manifestText(contents[i] as Buffer);
      if ("text" in read) files.push({ path: w.path, content: read.text });
      else skipped.push({ path: w.path, reason: read.reason });
    });
    return { branch, commitSha, treeSha, files, skipped };
  }

  async commitBranch(request: CommitRequest): Promise<string> {
    assertWritableBranch(request.branch, await this.defaultBranch());
    // A private index file builds the tree without touching the user's index or working tree.
    const gitDir = await this.gitDir();
    const env = { ...BOT_ENV, GIT_INDEX_FILE: join(gitDir, `costopt-index-${process.pid}-${Date.now()}`) };
    let tree: string;
    try {
      await git(this.dir, ["read-tree", request.base.commitSha], { env });
      for (const file of request.files) {
        if (file.content === null) {
          await git(this.dir, ["update-index", "--force-remove", "--", file.path], { env });
          continue;
        }
        const oid = await gitText(this.dir, ["hash-object", "-w", "--stdin"], { input: file.content });
        // An executable keeps its bit; anything new is a plain file.
        const staged = await gitText(this.dir, ["ls-files", "--stage", "--", file.path], { env });
        const mode = staged === "" ? "100644" : staged.split(" ")[0];
        if (mode !== "100644" && mode !== "100755")
          throw new Error(`refusing to write ${file.path}: it is not a regular file (git mode ${mode})`);
        await git(this.dir, ["update-index", "--add", "--cacheinfo", `${mode},${oid},${file.path}`], { env });
      }
      tree = await gitText(this.dir, ["write-tree"], { env });
    } finally {
      await rm(env.GIT_INDEX_FILE, { force: true });
    }
    const date = this.now().toISOString();
    const commit = await gitText(this.dir, ["commit-tree", tree, "-p", request.base.commitSha, "-F", "-"], {
      input: request.message,
      env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    await git(this.dir, ["update-ref", `refs/heads/${request.branch}`, commit]);
    return commit;
  }

  async pullRequest(number: number): Promise<PullRequest | undefined> {
    const pull = (await this.load()).pulls.find((p) => p.number === number);
    return pull && pull.state === "open" ? { ...pull, headSha: await this.head(pull) } : pull;
  }

  async pullRequests(branch: string): Promise<PullRequest[]> {
    const records = await this.load();
    const pulls = records.pulls.filter((p) => p.branch === branch).reverse();
    // The branch head may have moved since (someone committed to it): report what is there now.
    return Promise.all(
      pulls.map(async (p) => (p.state === "open" ? { ...p, headSha: await this.head(p) } : p)),
    );
  }

  async openPullRequestFrom(branch: string): Promise<PullRequest | undefined> {
    return (await this.pullRequests(branch)).find((p) => p.state === "open");
  }

  /** Every pull request record, for the CLI summary and tests. */
  async allPullRequests(): Promise<LocalPullRequest[]> {
    return (await this.load()).pulls;
  }

  async openPullRequest(request: NewPullRequest): Promise<PullRequest> {
    assertWritableBranch(request.branch, await this.defaultBranch());
    const headSha = await gitText(this.dir, ["rev-parse", `refs/heads/${request.branch}`]);
    return this.update((records) => {
      const pull: LocalPullRequest = {
        number: records.next++,
        url: `file://${this.dir}#pull/${records.next - 1}`,
        branch: request.branch,
        base: request.base,
        title: request.title,
        body: request.body,
        state: "open",
        headSha,
        labels: request.labels,
        comments: [],
        reviewers: [...(request.reviewers ?? []), ...(request.teamReviewers ?? [])],
        assignees: request.assignees ?? [],
        autoMerge: false,
        createdAt: this.now().toISOString(),
      };
      records.pulls.push(pull);
      return pull;
    });
  }

  async updatePullRequest(number: number, change: { title?: string; body?: string; labels?: string[] }) {
    await this.update(async (records) => {
      const pull = find(records, number);
      Object.assign(pull, change, { headSha: await this.head(pull) });
    });
  }

  async comment(number: number, body: string, author = BOT.name): Promise<void> {
    await this.update((records) => {
      find(records, number).comments.push({ author, body, at: this.now().toISOString() });
    });
  }

  async closePullRequest(number: number, options: CloseOptions = {}) {
    if (options.comment) await this.comment(number, options.comment);
    const pull = await this.update(async (records) => {
      const p = find(records, number);
      if (options.body !== undefined) p.body = options.body;
      if (p.state === "open") Object.assign(p, { state: "closed", headSha: await this.head(p) });
      return p;
    });
    if (!options.keepBranch) {
      assertWritableBranch(pull.branch, await this.defaultBranch());
      await git(this.dir, ["update-ref", "-d", `refs/heads/${pull.branch}`]).catch(() => undefined);
    }
  }

  async openProposalCount(): Promise<number> {
    return (await this.load()).pulls.filter((p) => p.state === "open" && p.branch.startsWith(BRANCH_PREFIX))
      .length;
  }

  async proposalsOpenedWithin(seconds: number): Promise<number> {
    const since = this.now().getTime() - seconds * 1000;
    return (await this.load()).pulls.filter(
      (p) => p.branch.startsWith(BRANCH_PREFIX) && Date.parse(p.createdAt) > since,
    ).length;
  }

  async commit(sha: string): Promise<{ message: string; parents: string[] }> {
    const [parents = "", ...message] = (
      await gitText(this.dir, ["show", "-s", "--format=%P%n%B", sha])
    ).split("\n");
    return { message: message.join("\n"), parents: parents.split(" ").filter(Boolean) };
  }

  async changedPaths(base: string, head: string): Promise<string[]> {
    const out = (await git(this.dir, ["diff", "--name-only", "--no-renames", "-z", base, head])).toString(
      "utf8",
    );
    return out.split("\0").filter(Boolean);
  }

  async filesAt(commitSha: string, paths: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (const path of paths) {
      const content = await git(this.dir, ["cat-file", "blob", `${commitSha}:${path}`]).catch(() => null);
      out.set(path, content === null ? null : content.toString("utf8"));
    }
    return out;
  }

  async enableAutoMerge(pr: PullRequest): Promise<void> {
    await this.update((records) => {
      find(records, pr.number).autoMerge = true;
    });
  }

  async permission(user: string): Promise<Permission> {
    return this.options.permissions?.[user] ?? "write";
  }

  /**
   * Simulates a reviewer pressing Merge: a merge commit of the branch into the default branch
   * (the working tree follows when the default branch is checked out and clean). Returns it.
   */
  async merge(number: number): Promise<PullRequest> {
    const base = await this.defaultBranch();
    const pull = find(await this.load(), number);
    if (pull.state !== "open") throw new Error(`pull request #${number} is ${pull.state}`);
    const before = await gitText(this.dir, ["rev-parse", `refs/heads/${base}`]);
    const head = await this.head(pull);
    const tree = await gitText(this.dir, ["merge-tree", "--write-tree", before, head]).catch(() => {
      throw new Error(`pull request #${number} conflicts with ${base}`);
    });
    const merge = await gitText(
      this.dir,
      ["commit-tree", tree.split("\n")[0] as string, "-p", before, "-p", head, "-F", "-"],
      { input: `Merge pull request #${number} from ${pull.branch}\n\n${pull.title}`, env: BOT_ENV },
    );
    await git(this.dir, ["update-ref", `refs/heads/${base}`, merge, before]);
    const checkedOut = await gitText(this.dir, ["symbolic-ref", "--short", "-q", "HEAD"]).catch(() => "");
    if (checkedOut === base) await git(this.dir, ["read-tree", "-m", "-u", before, merge]);
    await git(this.dir, ["update-ref", "-d", `refs/heads/${pull.branch}`]);
    return this.update((records) => {
      const p = find(records, number);
      Object.assign(p, {
        state: "merged",
        headSha: head,
        mergeSha: merge,
        mergedAt: this.now().toISOString(),
      });
      return p;
    });
  }

  private async head(pull: PullRequest): Promise<string> {
    return gitText(this.dir, ["rev-parse", "-q", "--verify", `refs/heads/${pull.branch}`]).catch(
      () => pull.headSha,
    );
  }

  private async catFiles(oids: string[]): Promise<Buffer[]> {
    if (oids.length === 0) return [];
    const out = await git(this.dir, ["cat-file", "--batch"], { input: `${oids.join("\n")}\n` });
    const result: Buffer[] = [];
    let at = 0;
    for (let i = 0; i < oids.length; i++) {
      const eol = out.indexOf(10, at);
      const size = Number(out.subarray(at, eol).toString().split(" ")[2]);
      result.push(out.subarray(eol + 1, eol + 1 + size));
      at = eol + 1 + size + 1;
    }
    return result;
  }

  /**
   * The secret this repository's metadata blocks are signed with: random, kept in the git
   * directory (never in the repository's files), created on first use. With `create: false` (a dry
   * run writes nothing) a missing key is replaced by a throwaway one: no pull request is signed yet.
   */
  async metadataSecret(options: { create?: boolean } = {}): Promise<Buffer> {
    const path = join(await this.gitDir(), "costopt", "metadata.key");
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (options.create === false) return randomBytes(32);
    await mkdir(join(path, ".."), { recursive: true });
    // "wx": two runs starting together keep whichever key was written first.
    await writeFile(path, randomBytes(32), { flag: "wx", mode: 0o600 }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== "EEXIST") throw err;
      },
    );
    return readFile(path);
  }

  private async gitDir(): Promise<string> {
    return gitText(this.dir, ["rev-parse", "--absolute-git-dir"]);
  }

  private async recordsPath(): Promise<string> {
    return join(await this.gitDir(), "costopt", "pull-requests.json");
  }

  private async load(): Promise<Records> {
    try {
      return JSON.parse(await readFile(await this.recordsPath(), "utf8")) as Records;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { next: 1, pulls: [] };
      throw err;
    }
  }

  private update<T>(change: (records: Records) => T | Promise<T>): Promise<T> {
    const next = this.records.then(async () => {
      const records = await this.load();
      const result = await change(records);
      const path = await this.recordsPath();
      await mkdir(join(path, ".."), { recursive: true });
      // Write then rename, so a crash never leaves half a JSON file.
      await writeFile(`${path}.tmp`, `${JSON.stringify(records, null, 2)}\n`);
      await rename(`${path}.tmp`, path);
      return result;
    });
    this.records = next.catch(() => undefined);
    return next;
  }
}

function find(records: Records, number: number): LocalPullRequest {
  const pull = records.pulls.find((p) => p.number === number);
  if (!pull) throw new Error(`no pull request #${number}`);
  return pull;
}
