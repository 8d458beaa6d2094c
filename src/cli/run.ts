// `costopt run (--repo <dir> | --github OWNER/REPO) --policies <file|dir> --metrics <url|file>
// [--state redis://...]`: one reconcile pass over every policy, with the local forge (a git
// repository on disk) or the GitHub forge (token from GITHUB_TOKEN, API from GITHUB_API_URL).
// Prints each proposal (title, body, unified diff) and a summary. Exit 1 when a policy failed or
// was invalid, else 0. The PR metadata keeps repeated runs idempotent, whatever the state store.

import { resolve } from "node:path";
import type { Command } from "commander";
import { policyRefOf } from "../api/refs.js";
import { type DryRunForge, dryRunForge } from "../forge/dry-run.js";
import { LocalForge } from "../forge/local/index.js";
import { type Forge, RateLimitError } from "../forge/types.js";
import { usd } from "../gitops/body/format.js";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../gitops/config.js";
import { updateDashboard } from "../gitops/dashboard/index.js";
import { proposalBranch } from "../gitops/identity.js";
import { next } from "../gitops/lifecycle.js";
import { MetadataKey } from "../gitops/metadata.js";
import { openUsageSource } from "../metrics/open.js";
import type { UsageSource } from "../metrics/types.js";
import { savingsByWorkload } from "../recommend/savings.js";
import { reconcile } from "../reconcile.js";
import { createStore } from "../state/index.js";
import { evaluationInstant, metricsFileRange, missingUsageHints } from "./metrics-file-time.js";
import { addPolicyCommandOptions, exitCode, type FailOn, log, policyPaths } from "./options.js";
import { loadPolicyFiles } from "./policy-files.js";
import { type Progress, stderrProgress } from "./recommend.js";
import type { Register } from "./register.js";
import {
  RUN_FORMATS,
  type RunFormat,
  type RunReport,
  type RunResult,
  renderRunJson,
  runChanged,
} from "./run-output.js";
import { usageForPass } from "./usage-plan.js";

export interface RunOptions {
  /** -n: only policies whose workload is in one of these namespaces. */
  namespace?: string[];
  /** --dry-run: read everything, decide everything, write nothing (no branch, PR, comment or state). */
  dryRun?: boolean;
  /** A local git working copy; or */
  repo?: string;
  /** owner/name on GitHub. */
  github?: string;
  /** -f: files, folders, globs or "-". */
  policies: string | string[];
  metrics: string;
  state?: string;
  cluster?: string;
  /** The default branch to propose against; the checked-out branch when absent. */
  branch?: string;
  /** Evaluate as of this time (ISO 8601), e.g. to replay a metrics file; default now. */
  now?: string;
}

export type { RunReport, RunResult } from "./run-output.js";

export interface RunDeps {
  /** Where usage comes from; opened from --metrics when absent. */
  usage?: UsageSource;
  /** Environment for --github (GITHUB_TOKEN, GITHUB_API_URL); process.env when absent. */
  env?: Record<string, string | undefined>;
  /** The forge to use instead of one opened from --repo/--github (tests). */
  forge?: Forge;
  /** Where notes for stderr go as they happen (the evaluation time chosen); console.error when absent. */
  note?: (line: string) => void;
  /** Progress on stderr for long passes. */
  progress?: Progress;
}

async function openForge(options: RunOptions, deps: RunDeps): Promise<Forge> {
  if (deps.forge) return deps.forge;
  if (options.repo !== undefined && options.github !== undefined)
    throw new Error("give either --repo or --github, not both");
  if (options.github !== undefined) {
    // @octokit/rest loads only for a GitHub run.
    const { cliGitHubForge } = await import("../forge/github/cli.js");
    return cliGitHubForge({
      repository: options.github,
      env: deps.env ?? process.env,
      branch: options.branch,
    });
  }
  if (options.repo === undefined) throw new Error("give --repo <dir> or --github OWNER/REPO");
  return new LocalForge({ dir: options.repo, defaultBranch: options.branch });
}

/**
 * The secret the pass signs (and checks) pull request metadata with. A local repository keeps its
 * own in the git directory; a GitHub run has nowhere private in the repository to keep one, so it
 * comes from COSTOPT_METADATA_SECRET (a repository secret in GitHub Actions), the same every run.
 */
async function metadataSecret(
  forge: Forge,
  env: Record<string, string | undefined>,
): Promise<Buffer | string> {
  if (forge.metadataSecret) return forge.metadataSecret();
  const secret = env.COSTOPT_METADATA_SECRET;
  if (!secret)
    throw new Error(
      "--github needs COSTOPT_METADATA_SECRET: it signs each pull request's metadata block, which updates and rollbacks trust (keep it as a repository secret)",
    );
  return secret;
}

/**
 * Uncommitted edits a run does not see: it proposes against the committed branch (a pull request
 * can only hold committed history), while the policy files are read from disk as they are.
 */
async function uncommitted(
  forge: LocalForge,
  branch: string,
  policyFiles: { path: string }[],
): Promise<string[]> {
  const changed = await forge.uncommittedFiles();
  const policyPaths = new Set(policyFiles.map((f) => resolve(f.path)));
  const manifests = changed.filter((p) => !policyPaths.has(p));
  const policies = changed.filter((p) => policyPaths.has(p));
  const cwd = process.cwd();
  const shown = (paths: string[]) =>
    paths.map((p) => (p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p)).join(", ");
  return [
    ...(manifests.length
      ? [
          `uncommitted changes are not read: ${shown(manifests)} (run proposes against branch ${branch} as committed; commit them, or preview them with costopt recommend, which reads the working tree)`,
        ]
      : []),
    ...(policies.length
      ? [`policy file(s) with uncommitted changes are used as they are on disk: ${shown(policies)}`]
      : []),
  ];
}

/**
 * One pass over every valid policy; stops cleanly at the first rate limit. The pass is
 * evaluated as of one instant, so every policy with the same window reads the same usage,
 * and the source is read once per distinct window, not once per policy.
 */
export async function runOnce(options: RunOptions, deps: RunDeps = {}): Promise<RunReport> {
  const loaded = loadPolicyFiles(options.policies, {
    ...(options.namespace ? { namespaces: options.namespace } : {}),
    proposing: true,
  });
  const { policies, problems, warnings: policyWarnings, invalid, files: policyFiles } = loaded;
  const opened = await openForge(options, deps);
  const forge = options.dryRun ? dryRunForge(opened) : opened;
  const skipped = () => (options.dryRun ? { skippedWrites: (forge as DryRunForge).skippedWrites } : {});
  // A dry run keeps its state in memory: no shared store learns of proposals that were not made.
  const store = await createStore(options.dryRun ? undefined : options.state);
  const progress = deps.progress ?? { step() {}, end() {} };
  try {
    // After the forge and the store: a wrong flag is reported before the metrics file is read.
    const range = deps.usage ? undefined : await metricsFileRange(options.metrics);
    const at = evaluationInstant(
      options.now,
      range,
      () => new Date(),
      deps.note ?? ((l) => console.error(l)),
    );
    const now = () => at;
    // Every policy's branch rides on the one read of the repository (its PR history included).
    forge.beginPass?.(policies.map((p) => proposalBranch(policyRefOf(p), options.cluster)));
    const snapshot = await forge.snapshot();
    const metadataKey = new MetadataKey(await metadataSecret(forge, deps.env ?? process.env));
    const repoConfig = parseRepoConfig(snapshot.files.find((f) => f.path === REPO_CONFIG_PATH)?.content);
    const warnings = [
      ...(opened instanceof LocalForge ? await uncommitted(opened, snapshot.branch, policyFiles) : []),
      ...repoConfig.warnings,
    ];
    const usage = usageForPass(deps.usage ?? openUsageSource(options.metrics), policies, at);
    const results: RunResult[] = [];
    for (const [i, policy] of policies.entries()) {
      progress.step(i, policies.length, `reconciling ${policy.metadata.namespace}/${policy.metadata.name}`);
      const result = await reconcile(policy, {
        forge,
        store,
        usage,
        metadataKey,
        snapshot,
        repoConfig: repoConfig.config,
        now,
        clusterName: options.cluster,
      });
      results.push({ ...result, phase: next(undefined, { type: "pass", result }, at).status.phase });
      if (result.rateLimited) break;
    }
    const stoppedEarly = results.some((r) => r.rateLimited);
    const hints = missingUsageHints(
      policies,
      results.map((r) => r.recommendation),
      at,
      range,
    );
    // Once, at the end of a whole pass: the dashboard sees every policy's result together. A rate
    // limit here loses nothing: the next pass writes it.
    const dashboard = stoppedEarly
      ? undefined
      : await updateDashboard(forge, results, {
          store,
          now,
          config: repoConfig.config,
          ...(options.cluster ? { cluster: options.cluster } : {}),
        }).catch((err: unknown) => {
          if (!(err instanceof RateLimitError)) throw err;
          warnings.push(`the cost dashboard was not updated: ${err.message}`);
          return "rate-limited";
        });
    return {
      results,
      problems,
      warnings,
      policyWarnings: [...policyWarnings, ...hints],
      stoppedEarly,
      invalid,
      ...skipped(),
      ...(dashboard ? { dashboard } : {}),
    };
  } finally {
    progress.end();
    await store.close();
  }
}

const METADATA = /\n*<!-- costopt:metadata [^>]*-->\n*/;

export function formatReport(report: RunReport): string {
  const out: string[] = [];
  if (report.skippedWrites)
    out.push("Dry run: nothing is written; each proposal below shows what would be.", "");
  for (const r of report.results) {
    const p = r.proposal;
    const pr = r.pullRequest ? ` #${r.pullRequest.number}` : "";
    out.push(`=== ${r.policy}: ${p?.action ?? r.phase}${pr} — ${r.message}`);
    for (const w of r.warnings) out.push(`warning: ${w}`);
    if (p?.title && p.action !== "closed" && p.action !== "none") {
      out.push("", `# ${p.title}`, "", (p.body ?? "").replace(METADATA, "\n").trim(), "");
      if (p.diff) out.push("```diff", p.diff.trimEnd(), "```");
    }
    out.push("");
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  for (const problem of report.problems) out.push(`problem: ${problem}`);
  const count = (pred: (r: RunResult) => boolean) => report.results.filter(pred).length;
  const saving = savingsByWorkload(
    report.results
      .filter((r) => ["created", "updated", "unchanged"].includes(r.proposal?.action ?? ""))
      .flatMap((r) => (r.recommendation ? [r.recommendation] : [])),
  );
  out.push(
    `Summary: ${report.results.length} ${report.results.length === 1 ? "policy" : "policies"}; ` +
      `${count((r) => r.proposal?.action === "created")} opened, ` +
      `${count((r) => r.proposal?.action === "updated")} updated, ` +
      `${count((r) => r.proposal?.action === "unchanged")} unchanged, ` +
      `${count((r) => r.proposal?.action === "closed")} closed, ` +
      `${count((r) => r.phase === "Failed")} failed; ` +
      `open proposals save ${usd(saving.monthlySavings)}/mo` +
      `${saving.overlapping ? ` (${saving.workloads} workload(s); overlapping policies on one workload counted once)` : ""}.`,
  );
  if (report.stoppedEarly)
    out.push("Stopped early: rate-limited. Run again later; it resumes without duplicates.");
  if (report.skippedWrites)
    out.push(
      `Dry run: ${report.skippedWrites.length} write(s) skipped${report.skippedWrites.map((w) => `\n  - ${w}`).join("")}`,
    );
  return `${out.join("\n")}\n`;
}

export const registerRun: Register = (program: Command, setExitCode) => {
  const cmd = program
    .command("run")
    .description(
      "one reconcile pass over local policies, proposing changes as branches in a local git repository or as GitHub pull requests",
    );
  addPolicyCommandOptions(cmd, {
    formats: RUN_FORMATS,
    defaultFormat: "text",
    change: "a proposal is opened or updated",
  });
  cmd
    .option(
      "--repo <dir>",
      "the GitOps repository (a git working copy); its committed branch is read, not uncommitted edits",
    )
    .option(
      "--github <owner/repo>",
      "propose pull requests on this GitHub repository (token: GITHUB_TOKEN; API: GITHUB_API_URL)",
    )
    .requiredOption("--metrics <url|file>", "a Prometheus URL or an OpenMetrics file")
    .option("--dry-run", "decide and show every diff, but create no branch, pull request, comment or state")
    .option("--state <url>", "redis:// or rediss:// URL for state (default: in memory)")
    .option(
      "--branch <name>",
      "the branch to read and propose against (default: the checked-out branch; with --github, the default branch)",
    )
    .option(
      "--cluster <name>",
      "cluster name: prefixes proposal branches and selects what clusters/<name>/ deploys",
    )
    .option(
      "--now <time>",
      "evaluate as of this ISO 8601 time (default: an OpenMetrics file's last sample, else now)",
    )
    .action(
      async (
        o: Omit<RunOptions, "policies"> & {
          filename?: string[];
          policies?: string[];
          format?: RunFormat;
          failOn?: FailOn;
        },
      ) => {
        const report = await runOnce({ ...o, policies: policyPaths(o) }, { progress: stderrProgress() });
        for (const w of report.policyWarnings ?? []) log.warn(w);
        process.stdout.write(o.format === "json" ? renderRunJson(report) : formatReport(report));
        const errors = report.problems.length > 0 || report.results.some((r) => r.phase === "Failed");
        setExitCode(exitCode(o.failOn, { errors, changes: runChanged(report) }));
      },
    );
};
