// A thin promise wrapper over the git CLI (execFile, never a shell), with stdin and extra env.

import { execFile } from "node:child_process";

export interface GitOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
}

export class GitError extends Error {
  /** The failure reason costopt_optimizations_failed_total counts it under. */
  readonly reason = "GitError";
  override name = "GitError";
}

export function git(cwd: string, args: string[], options: GitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      {
        cwd,
        encoding: "buffer",
        maxBuffer: 512 * 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...options.env },
      },
      (err, stdout, stderr) => {
        if (err)
          reject(new GitError(`git ${args[0]} failed in ${cwd}: ${stderr.toString().trim() || err.message}`));
        else resolve(stdout);
      },
    );
    // git may exit without reading stdin (EPIPE); its exit status is what counts.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input ?? "");
  });
}

export async function gitText(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return (await git(cwd, args, options)).toString("utf8").trim();
}
