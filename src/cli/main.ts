// The `costopt` command. Each subcommand lives in its own file and registers itself here; the
// program-wide flags (--version, --no-color, -q, -v) are decided once before any of them runs.
//
// Exit codes: 0 done (and, with --fail-on change, nothing to change); 1 a finding --fail-on asks
// to fail on (default: an invalid policy or a workload that could not be handled); 2 a usage or
// input error (a bad flag, a missing file, no policies found, bad configuration).

import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { configureOutput, LOG_LEVELS } from "./options.js";
import { registerProposals } from "./proposals.js";
import { registerRecommend } from "./recommend.js";
import type { Register } from "./register.js";
import { registerRun } from "./run.js";
import { registerScan } from "./scan.js";
import { registerServe } from "./serve.js";
import { registerValidate } from "./validate.js";

export type { Register };

const COMMANDS: Register[] = [
  registerProposals,
  registerRecommend,
  registerRun,
  registerScan,
  registerServe,
  registerValidate,
];

// src/cli/ and dist/cli/ are both two levels below package.json.
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Runs the CLI with argv (as process.argv) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command("costopt")
    .description("GitOps cost optimization for Kubernetes: recommendations delivered as pull requests")
    .version(VERSION, "--version", "print the version and exit")
    .option("--no-color", "never colour the output (also NO_COLOR=1; colour is used only on a terminal)")
    .option("-q, --quiet", "print only results and errors (no progress, summaries or warnings)")
    .addOption(
      new Option("-v, --log-level <level>", "diagnostics on stderr from this level").choices(LOG_LEVELS),
    )
    .exitOverride()
    .showHelpAfterError()
    .hook("preAction", (root) => {
      configureOutput(root.opts());
    });
  for (const register of COMMANDS)
    register(program, (code) => {
      exitCode = Math.max(exitCode, code);
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // Usage and input errors (a missing file, a bad flag value) end with one clear line and exit 2.
    console.error(`costopt: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  return exitCode;
}
