// Per-repository settings from .github/costopt.yml. A broken file never stops costopt: the
// defaults apply and a warning says what was wrong.

import { parse } from "yaml";

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

function strings(value: unknown, field: string, warnings: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")) return value;
  warnings.push(`${REPO_CONFIG_PATH}: ${field} must be a list of names; using the default`);
  return undefined;
}

function count(value: unknown, field: string, warnings: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (Number.isInteger(value) && (value as number) >= 0) return value as number;
  warnings.push(`${REPO_CONFIG_PATH}: ${field} must be a whole number >= 0; using the default`);
  return undefined;
}

function flag(value: unknown, field: string, warnings: string[]): boolean | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  warnings.push(`${REPO_CONFIG_PATH}: ${field} must be true or false; using the default`);
  return undefined;
}

function costCheck(value: unknown, warnings: string[]): RepoConfig["costCheck"] | undefined {
  if (value === undefined) return value;
  const failAbove = (value as { failAbove?: unknown } | null)?.failAbove;
  const keys = value !== null && typeof value === "object" ? Object.keys(value) : [];
  if (
    value !== null &&
    typeof value === "object" &&
    keys.every((k) => k === "failAbove") &&
    (failAbove === undefined ||
      (typeof failAbove === "number" && Number.isFinite(failAbove) && failAbove >= 0))
  )
    return failAbove === undefined ? {} : { failAbove };
  warnings.push(
    `${REPO_CONFIG_PATH}: costCheck must be a mapping with failAbove: <USD per month >= 0>; using the default`,
  );
  return undefined;
}

/** Checks an already-parsed config (e.g. from Probot's context.config), field by field. */
export function checkRepoConfig(raw: unknown): LoadedRepoConfig {
  const warnings: string[] = [];
  if (raw === null || raw === undefined) return { config: { ...DEFAULT_REPO_CONFIG }, warnings };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    warnings.push(`${REPO_CONFIG_PATH}: expected a mapping; using defaults`);
    return { config: { ...DEFAULT_REPO_CONFIG }, warnings };
  }
  const r = raw as Record<string, unknown>;
  const known = new Set(Object.keys(DEFAULT_REPO_CONFIG));
  for (const key of Object.keys(r))
    if (!known.has(key)) warnings.push(`${REPO_CONFIG_PATH}: unknown setting ${key}`);
  const d = DEFAULT_REPO_CONFIG;
  return {
    config: {
      prConcurrentLimit: count(r.prConcurrentLimit, "prConcurrentLimit", warnings) ?? d.prConcurrentLimit,
      prHourlyLimit: count(r.prHourlyLimit, "prHourlyLimit", warnings) ?? d.prHourlyLimit,
      reviewers: strings(r.reviewers, "reviewers", warnings) ?? d.reviewers,
      teamReviewers: strings(r.teamReviewers, "teamReviewers", warnings) ?? d.teamReviewers,
      assignees: strings(r.assignees, "assignees", warnings) ?? d.assignees,
      labels: strings(r.labels, "labels", warnings) ?? d.labels,
      dashboard: flag(r.dashboard, "dashboard", warnings) ?? d.dashboard,
      dashboardReopen: flag(r.dashboardReopen, "dashboardReopen", warnings) ?? d.dashboardReopen,
      costCheck: costCheck(r.costCheck, warnings) ?? d.costCheck,
    },
    warnings,
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
