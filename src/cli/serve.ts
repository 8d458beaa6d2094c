// `costopt serve`: the service (webhooks, admission, metrics, control loop), configured by
// environment variables (`costopt serve --env` prints the table); in a pod it uses the service
// account, elsewhere the current context of the kubeconfig (or --kubeconfig / --context). Runs until SIGTERM or
// SIGINT, then releases the leader Lease and stops.

import { once } from "node:events";
import type { Command } from "commander";
import { ConfigError, envTable, loadConfig } from "../config.js";
import type { Assembled } from "../server/assemble.js";
import type { Register } from "./register.js";

export const registerServe: Register = (program: Command, setExitCode) => {
  program
    .command("serve")
    .description(
      "run the service: GitHub webhooks, admission webhooks, /metrics and the CostOptimization control loop",
    )
    .option("--env", "print the environment variables it reads, with defaults, and exit")
    .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, else in-cluster)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .action(async (opts: { env?: boolean; kubeconfig?: string; context?: string }) => {
      if (opts.env) {
        process.stdout.write(`${envTable()}\n`);
        return;
      }
      // Loaded here, not at the top: other commands should not pay for Probot and the servers.
      const { assemble } = await import("../server/assemble.js");
      let built: Assembled;
      try {
        built = await assemble(loadConfig(), process.env, {
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
          ...(opts.context ? { context: opts.context } : {}),
        });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`costopt serve: ${err.message}\n`);
        setExitCode(2);
        return;
      }
      try {
        await built.service.start();
      } catch (err) {
        await built.service.stop();
        await built.store.close();
        process.stderr.write(`costopt serve: ${(err as Error).message}\n`);
        setExitCode(err instanceof ConfigError ? 2 : 1);
        return;
      }
      await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
      await built.service.stop();
      await built.store.close();
    });
};
