// Per-repository settings from .github/costopt.yml. A broken file never stops costopt: the
// defaults apply and a warning says what was wrong.

import { parse } from "yaml";
import { schemaProblems } from "../settings/check.js";

export interface RepoConfig {
  /** Most costopt pull requests open at once in this repository. */
  prConcurrentLimit: number;
  /** Most costopt pull requests opened per hour in this repository. */
  prHourlyLimit: number;
  reviewers: string[];
  teamReviewers: string[];
  assignees: string[];
  /** Extra labels next to cost-optimization and risk:<level>. */
  labels: string[];
  /** The cost dashboard issue (`dashboard: false` opts out). */
  dashboard: boolean;
  /** Reopen the dashboard issue when a person closed it (default: leave it closed). */
  dashboardReopen: boolean;
  /** The costopt/cost check on pull requests costopt did not open. */
  costCheck: { failAbove?: number };
}

export const DEFAULT_REPO_CONFIG: RepoConfig = {
  prConcurrentLimit: 10,
  prHourlyLimit: 5,
  reviewers: [],
  teamReviewers: [],
  assignees: [],
  labels: [],
  dashboard: true,
  dashboardReopen: false,
  costCheck: {},
};

export const REPO_CONFIG_PATH = ".github/costopt.yml";

export interface LoadedRepoConfig {
  config: RepoConfig;
  warnings: string[];
}

const names = (description: string) =>
  ({ type: "array", items: { type: "string", minLength: 1 }, description }) as const;
const count = (description: string) => ({ type: "integer", minimum: 0, description }) as const;

/**
 * The JSON Schema of .github/costopt.yml: a setting is added here, in RepoConfig and in
 * DEFAULT_REPO_CONFIG (the type check holds the three together).
 */
export const REPO_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    prConcurrentLimit: count("most costopt pull requests open at once (0: no limit)"),
    prHourlyLimit: count("most costopt pull requests opened per hour (0: no limit)"),
    reviewers: names("users asked to review each pull request"),
    teamReviewers: names("teams asked to review each pull request"),
    assignees: names("users each pull request is assigned to"),
    labels: names("labels added next to cost-optimization and risk:<level>"),
    dashboard: { type: "boolean", description: "keep the cost dashboard issue (false: none)" },
    dashboardReopen: { type: "boolean", description: "reopen the cost dashboard when a person closed it" },
    costCheck: {
      type: "object",
      additionalProperties: false,
      description:
        "the costopt/cost check on pull requests costopt did not open; failAbove: USD per month of increase above which it fails",
      properties: {
        failAbove: {
          type: "number",
          minimum: 0,
          description:
            "fail the check when a pull request raises the monthly cost by more than this many USD",
        },
      },
    },
  } satisfies Record<keyof RepoConfig, object>,
} as const;

/** Checks an already-parsed config (e.g. from Probot's context.config); a wrong setting keeps its default. */
export function checkRepoConfig(raw: unknown): LoadedRepoConfig {
  if (raw === null || raw === undefined) return { config: { ...DEFAULT_REPO_CONFIG }, warnings: [] };
  if (typeof raw !== "object" || Array.isArray(raw))
    return {
      config: { ...DEFAULT_REPO_CONFIG },
      warnings: [`${REPO_CONFIG_PATH}: expected a mapping; using defaults`],
    };
  const problems = schemaProblems(REPO_CONFIG_SCHEMA, raw);
  const settingOf = (field: string) => field.split(".")[0] ?? "";
  const wrong = new Set(problems.map((p) => settingOf(p.field)));
  const config: Record<string, unknown> = { ...DEFAULT_REPO_CONFIG };
  for (const [key, value] of Object.entries(raw))
    if (key in DEFAULT_REPO_CONFIG && !wrong.has(key)) config[key] = value;
  return {
    config: config as unknown as RepoConfig,
    warnings: problems.map(
      (p) =>
        `${REPO_CONFIG_PATH}: ${p.message}${settingOf(p.field) in DEFAULT_REPO_CONFIG ? "; using the default" : ""}`,
    ),
  };
}

/** Parses the file's text; invalid YAML gives the defaults and a warning with the position. */
export function parseRepoConfig(text: string | undefined): LoadedRepoConfig {
  if (text === undefined) return checkRepoConfig(undefined);
  try {
    return checkRepoConfig(parse(text));
  } catch (err) {
    return {
      config: { ...DEFAULT_REPO_CONFIG },
      warnings: [
        `${REPO_CONFIG_PATH} is not valid YAML (${(err as Error).message.split("\n")[0]}); using defaults`,
      ],
    };
  }
}

/**
 * Reads the settings through Probot's context.config (default branch only, so a pull request
 * cannot change them for itself); any failure to read or parse gives the defaults and a warning.
 */
export async function repoConfigFromContext(context: {
  config: (file: string) => Promise<unknown>;
}): Promise<LoadedRepoConfig> {
  try {
    return checkRepoConfig(await context.config("costopt.yml"));
  } catch (err) {
    const why = (err as Error).message.replace(/^\[@probot\/octokit-plugin-config\] /, "");
    return { config: { ...DEFAULT_REPO_CONFIG }, warnings: [`${REPO_CONFIG_PATH}: ${why}; using defaults`] };
  }
}
