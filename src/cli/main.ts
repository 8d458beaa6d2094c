// The `costopt` command. Each subcommand lives in its own file and registers itself here.

import { Command, CommanderError } from "commander";
import { registerRecommend } from "./recommend.js";
import type { Register } from "./register.js";
import { registerRun } from "./run.js";
import { registerScan } from "./scan.js";
import { registerServe } from "./serve.js";
import { registerValidate } from "./validate.js";

export type { Register };

const COMMANDS: Register[] = [registerRecommend, registerRun, registerScan, registerServe, registerValidate];

/** Runs the CLI with argv (as process.argv) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command("costopt")
    .description("GitOps cost optimization for Kubernetes: recommendations delivered as pull requests")
    .exitOverride()
    .showHelpAfterError();
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
