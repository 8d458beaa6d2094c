// The conventions every costopt command shares, as kubectl and KRR users expect them: `-f` for
// policy files (repeatable, globs, `-` for stdin), `-o/--format`, `-n/--namespace` (repeatable),
// `--fail-on`, and the program-wide `--no-color`/NO_COLOR, `-q/--quiet` and `-v/--log-level`.
// Commands add the options they need through these helpers, so a flag is spelt and parsed once.

import { type Command, Option } from "commander";

/** `-f a.yaml b.yaml`, `-f a.yaml -f b.yaml`, `-f 'policies/*.yaml'`, `-f -`: all one list. */
export function addPolicyFiles(cmd: Command, description = "policies"): Command {
  return cmd
    .option(
      "-f, --filename <paths...>",
      `${description}: YAML files, folders of them, globs, or - for stdin (repeatable)`,
    )
    .addOption(new Option("--policies <paths...>", "old name of -f").hideHelp());
}

/** The -f paths, or a usage error naming the flag when there are none. */
export function policyPaths(options: { filename?: string[]; policies?: string[] }): string[] {
  const paths = [...(options.filename ?? []), ...(options.policies ?? [])];
  if (paths.length === 0) throw new Error("-f, --filename: give at least one policy file, folder or -");
  return paths;
}

export function addFormat(cmd: Command, formats: readonly string[], fallback = "table"): Command {
  return cmd.addOption(
    new Option("-o, --format <format>", "output format").choices(formats as string[]).default(fallback),
  );
}

const collect = (v: string, all: string[] = []) => [...all, ...v.split(",").filter(Boolean)];

export function addNamespaces(cmd: Command, what: string): Command {
  return cmd.option("-n, --namespace <ns>", `only ${what} in this namespace (repeatable)`, collect);
}

/** A namespace filter: every namespace passes when none was given. */
export function inNamespaces(namespaces: readonly string[] | undefined): (ns: string) => boolean {
  return (ns) => !namespaces?.length || namespaces.includes(ns);
}

export const FAIL_ON = ["none", "error", "change"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export function addFailOn(cmd: Command, change: string): Command {
  return cmd.addOption(
    new Option(
      "--fail-on <when>",
      `exit 1 on: none (always 0 once it ran), error (an invalid policy or a failed workload), change (also when ${change})`,
    )
      .choices(FAIL_ON as unknown as string[])
      .default("error"),
  );
}

/** The exit code for a finished command under --fail-on. Usage errors (2) are decided elsewhere. */
export function exitCode(failOn: FailOn | undefined, outcome: { errors: boolean; changes: boolean }): number {
  switch (failOn ?? "error") {
    case "none":
      return 0;
    case "error":
      return outcome.errors ? 1 : 0;
    case "change":
      return outcome.errors || outcome.changes ? 1 : 0;
  }
}

// ---- program-wide output settings ----

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface OutputSettings {
  /** Messages below this level are not written to stderr. */
  level: LogLevel;
  /** Colour on stdout: only on a terminal, never with --no-color or NO_COLOR. */
  color: boolean;
  /** Terminal width for tables; undefined when stdout is not a terminal. */
  columns: number | undefined;
}

let settings: OutputSettings = { level: "info", color: false, columns: undefined };

export function output(): OutputSettings {
  return settings;
}

/** Decides the settings from the global flags, the environment and whether stdout is a terminal. */
export function configureOutput(
  flags: { color?: boolean; quiet?: boolean; logLevel?: string },
  env: Record<string, string | undefined> = process.env,
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
): OutputSettings {
  const level = flags.quiet ? "error" : ((flags.logLevel ?? "info") as LogLevel);
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  const color = flags.color !== false && !env.NO_COLOR && stdout.isTTY === true && env.TERM !== "dumb";
  const columns = stdout.isTTY ? stdout.columns || Number(env.COLUMNS) || 80 : undefined;
  settings = { level, color, columns };
  return settings;
}

const rank = (l: LogLevel) => LOG_LEVELS.indexOf(l);

/** Diagnostics on stderr, filtered by -q/-v. Results go to stdout and are never filtered. */
export const log = {
  enabled: (l: LogLevel) => rank(l) >= rank(settings.level),
  debug: (msg: string) => write("debug", msg),
  info: (msg: string) => write("info", msg),
  warn: (msg: string) => write("warn", msg),
  error: (msg: string) => write("error", msg),
};

function write(l: LogLevel, msg: string): void {
  if (log.enabled(l)) console.error(msg);
}

const ANSI = { bold: [1, 22], red: [31, 39], green: [32, 39], yellow: [33, 39] } as const;

/** Text in a colour when colour is on, else as is. */
export function paint(style: keyof typeof ANSI, text: string): string {
  if (!settings.color || text === "") return text;
  const [on, off] = ANSI[style];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}

/** -f, -n, -o and --fail-on, as recommend and run take them. */
export function addPolicyCommandOptions(
  cmd: Command,
  o: { formats: readonly string[]; defaultFormat: string; change: string },
): Command {
  addPolicyFiles(cmd, "the CostOptimization policies");
  addNamespaces(cmd, "policies whose workload is");
  addFormat(cmd, o.formats, o.defaultFormat);
  return addFailOn(cmd, o.change);
}
