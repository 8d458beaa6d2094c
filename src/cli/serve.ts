// `costopt serve`: the service (webhooks, admission, metrics, control loop), configured by
// environment variables (`costopt serve --env` prints the table); in a pod it uses the service
// account, elsewhere the current context of the kubeconfig (or --kubeconfig / --context). Runs until SIGTERM or
// SIGINT, then releases the leader Lease and stops.

import { once } from "node:events";
import { createServer } from "node:net";
import type { Command } from "commander";
import { type Config, ConfigError, envTable, loadConfig } from "../config.js";
import type { Assembled } from "../server/assemble.js";
import type { Register } from "./register.js";

/** Ports already taken (or not ours to take), named by their variable, before anything starts. */
async function portProblems(c: Config): Promise<string[]> {
  const ports: [string, number][] = [
    ["PORT", c.port],
    ["ADMISSION_PORT", c.admissionPort],
    ["METRICS_PORT", c.metricsPort],
  ];
  const problems: string[] = [];
  for (const [name, port] of ports) {
    if (port === 0) continue;
    const server = createServer();
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once("error", resolve);
      server.listen(port, c.host, () => server.close(() => resolve(undefined)));
    });
    if (error) problems.push(`${name}: cannot listen on ${c.host}:${port} (${error.code ?? error.message})`);
  }
  return problems;
}

export const registerServe: Register = (program: Command, setExitCode) => {
  program
    .command("serve")
    .description(
      "run the service: GitHub webhooks, admission webhooks, /metrics and the CostOptimization control loop",
    )
    .option("--env", "print the environment variables it reads, with defaults, and exit")
    .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, else in-cluster)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .action(async (opts: { env?: boolean; kubeconfig?: string; context?: string }, cmd: Command) => {
      if (opts.env) {
        process.stdout.write(`${envTable()}\n`);
        return;
      }
      // Loaded here, not at the top: other commands should not pay for Probot and the servers.
      const { assemble } = await import("../server/assemble.js");
      // Every configuration problem is reported at once, each naming the variable to fix.
      let built: Assembled | undefined;
      let problems: string[] = [];
      try {
        // -v/--log-level (or -q) on the command line wins over LOG_LEVEL.
        const flags = cmd.parent?.opts() as { logLevel?: string; quiet?: boolean } | undefined;
        const level = flags?.quiet ? "error" : flags?.logLevel;
        const config = loadConfig({ ...process.env, ...(level ? { LOG_LEVEL: level } : {}) });
        problems = await portProblems(config);
        built = await assemble(config, process.env, {
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
          ...(opts.context ? { context: opts.context } : {}),
        });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
      }
      if (problems.length > 0 || !built) {
        await built?.store.close();
        process.stderr.write(`costopt serve: ${new ConfigError(problems).message}\n`);
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
