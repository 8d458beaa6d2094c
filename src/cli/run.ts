// `costopt run (--repo <dir> | --github OWNER/REPO) --policies <file|dir> --metrics <url|file>
// [--state redis://...]`: one reconcile pass over every policy, with the local forge (a git
// repository on disk) or the GitHub forge (token from GITHUB_TOKEN, API from GITHUB_API_URL).
// Prints each proposal (title, body, unified diff) and a summary. Exit 1 when a policy failed or
// was invalid, else 0. The PR metadata keeps repeated runs idempotent, whatever the state store.

import type { Command } from "commander";
import { checkPolicies, validPolicies } from "../api/load.js";
import { policyRefOf } from "../api/refs.js";
import type { Phase } from "../api/types.js";
import { LocalForge } from "../forge/local/index.js";
import type { Forge } from "../forge/types.js";
import { usd } from "../gitops/body/format.js";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../gitops/config.js";
import { proposalBranch } from "../gitops/identity.js";
import { next } from "../gitops/lifecycle.js";
import { MetadataKey } from "../gitops/metadata.js";
import { openUsageSource } from "../metrics/open.js";
import type { UsageSource } from "../metrics/types.js";
import { savingsByWorkload } from "../recommend/savings.js";
import { type ReconcileResult, reconcile } from "../reconcile.js";
import { createStore } from "../state/index.js";
import { readInputs } from "./files.js";
import type { Register } from "./register.js";
import { usageForPass } from "./usage-plan.js";

export interface RunOptions {
  /** A local git working copy; or */
  repo?: string;
  /** owner/name on GitHub. */
  github?: string;
  policies: string;
  metrics: string;
  state?: string;
  cluster?: string;
  /** The default branch to propose against; the checked-out branch when absent. */
  branch?: string;
  /** Evaluate as of this time (ISO 8601), e.g. to replay a metrics file; default now. */
  now?: string;
}

/** A pass's result with the phase the lifecycle gives it (a policy run from files has no previous status). */
export type RunResult = ReconcileResult & { phase: Phase };

export interface RunReport {
  results: RunResult[];
  /** Invalid policies and unreadable YAML (exit 1). */
  problems: string[];
  /** Things to fix that did not stop the run (e.g. a broken .github/costopt.yml). */
  warnings: string[];
  stoppedEarly: boolean;
}

export interface RunDeps {
  /** Where usage comes from; opened from --metrics when absent. */
  usage?: UsageSource;
  /** Environment for --github (GITHUB_TOKEN, GITHUB_API_URL); process.env when absent. */
  env?: Record<string, string | undefined>;
  /** The forge to use instead of one opened from --repo/--github (tests). */
  forge?: Forge;
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
  if ("metadataSecret" in forge && typeof forge.metadataSecret === "function")
    return (forge.metadataSecret as () => Promise<Buffer>)();
  const secret = env.COSTOPT_METADATA_SECRET;
  if (!secret)
    throw new Error(
      "--github needs COSTOPT_METADATA_SECRET: it signs each pull request's metadata block, which updates and rollbacks trust (keep it as a repository secret)",
    );
  return secret;
}

/**
 * One pass over every valid policy; stops cleanly at the first rate limit. The pass is
 * evaluated as of one instant, so every policy with the same window reads the same usage,
 * and the source is read once per distinct window, not once per policy.
 */
export async function runOnce(options: RunOptions, deps: RunDeps = {}): Promise<RunReport> {
  const at = options.now ? new Date(options.now) : new Date();
  if (Number.isNaN(at.getTime())) throw new Error(`--now: ${options.now} is not a date`);
  const { policies, problems } = validPolicies(checkPolicies(readInputs(options.policies)));
  const forge = await openForge(options, deps);
  const store = await createStore(options.state);
  const now = () => at;
  try {
    // Every policy's branch rides on the one read of the repository (its PR history included).
    forge.beginPass?.(policies.map((p) => proposalBranch(policyRefOf(p), options.cluster)));
    const snapshot = await forge.snapshot();
    const metadataKey = new MetadataKey(await metadataSecret(forge, deps.env ?? process.env));
    const loaded = parseRepoConfig(snapshot.files.find((f) => f.path === REPO_CONFIG_PATH)?.content);
    const warnings = loaded.warnings;
    const usage = usageForPass(deps.usage ?? openUsageSource(options.metrics), policies, at);
    const results: RunResult[] = [];
    for (const policy of policies) {
      const result = await reconcile(policy, {
        forge,
        store,
        usage,
        metadataKey,
        snapshot,
        repoConfig: loaded.config,
        now,
        clusterName: options.cluster,
      });
      results.push({ ...result, phase: next(undefined, { type: "pass", result }, at).status.phase });
      if (result.rateLimited) return { results, problems, warnings, stoppedEarly: true };
    }
    return { results, problems, warnings, stoppedEarly: false };
  } finally {
    await store.close();
  }
}

const METADATA = /\n*<!-- costopt:metadata [^>]*-->\n*/;

export function formatReport(report: RunReport): string {
  const out: string[] = [];
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
  return `${out.join("\n")}\n`;
}

export const registerRun: Register = (program: Command, setExitCode) => {
  program
    .command("run")
    .description(
      "one reconcile pass over local policies, proposing changes as branches in a local git repository or as GitHub pull requests",
    )
    .option("--repo <dir>", "the GitOps repository (a git working copy)")
    .option(
      "--github <owner/repo>",
      "propose pull requests on this GitHub repository (token: GITHUB_TOKEN; API: GITHUB_API_URL)",
    )
    .requiredOption("--policies <path>", "a CostOptimization YAML file or a folder of them")
    .requiredOption("--metrics <url|file>", "a Prometheus URL or an OpenMetrics file")
    .option("--state <url>", "redis:// or rediss:// URL for state (default: in memory)")
    .option(
      "--branch <name>",
      "the branch to read and propose against (default: the checked-out branch; with --github, the default branch)",
    )
    .option(
      "--cluster <name>",
      "cluster name: prefixes proposal branches and selects what clusters/<name>/ deploys",
    )
    .option("--now <time>", "evaluate as of this ISO 8601 time (default: now)")
    .action(async (options: RunOptions) => {
      const report = await runOnce(options);
      process.stdout.write(formatReport(report));
      if (report.problems.length > 0 || report.results.some((r) => r.phase === "Failed")) setExitCode(1);
    });
};
