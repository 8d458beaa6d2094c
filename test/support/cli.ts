// Runs the costopt CLI from source in a child process, as a user would run it (exit code, stdout,
// stderr), without needing a build first.
import { spawnSync } from "node:child_process";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const entry = new URL("./costopt-entry.ts", import.meta.url).pathname;
  const run = spawnSync(process.execPath, ["--import", "tsx", entry, ...args], {
    encoding: "utf8",
    input: opts.input,
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    timeout: 120_000,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}
