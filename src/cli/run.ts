// `costopt run --repo <dir> --policies <file|dir> --metrics <url|file> [--state redis://...]`:
// one reconcile pass over every policy with the local forge (a git repository on disk). Prints
// each proposal (title, body, unified diff) and a summary. Exit 1 when a policy failed or was
// invalid, else 0.

import type { Command } from "commander";
import { checkPolicies, validPolicies } from "../api/load.js";
import { LocalForge } from "../forge/local/index.js";
import { usd } from "../gitops/body/format.js";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../gitops/config.js";
import { MetadataKey } from "../gitops/metadata.js";
import { openUsageSource } from "../metrics/open.js";
import type { UsageSource } from "../metrics/types.js";
import { type ReconcileResult, reconcile } from "../reconcile.js";
import { createStore } from "../state/index.js";
import { readInputs } from "./files.js";
import type { Register } from "./main.js";
import { usageForPass } from "./usage-plan.js";

export interface RunOptions {
  repo: string;
  policies: string;
  metrics: string;
  state?: string;
  cluster?: string;
  /** The default branch to propose against; the checked-out branch when absent. */
  branch?: string;
  /** Evaluate as of this time (ISO 8601), e.g. to replay a metrics file; default now. */
  now?: string;
}

export interface RunReport {
  results: ReconcileResult[];
  /** Invalid policies and unreadable YAML (exit 1). */
  problems: string[];
  /** Things to fix that did not stop the run (e.g. a broken .github/costopt.yml). */
  warnings: string[];
  stoppedEarly: boolean;
}

export interface RunDeps {
  /** Where usage comes from; opened from --metrics when absent. */
  usage?: UsageSource;
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
  const forge = new LocalForge({ dir: options.repo, defaultBranch: options.branch });
  const store = await createStore(options.state);
  const now = () => at;
  try {
    const snapshot = await forge.snapshot();
    const metadataKey = new MetadataKey(await forge.metadataSecret());
    const loaded = parseRepoConfig(snapshot.files.find((f) => f.path === REPO_CONFIG_PATH)?.content);
    const warnings = loaded.warnings;
    const usage = usageForPass(deps.usage ?? openUsageSource(options.metrics), policies, at);
    const results: ReconcileResult[] = [];
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
      results.push(result);
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
  const count = (pred: (r: ReconcileResult) => boolean) => report.results.filter(pred).length;
  const saving = report.results
    .filter((r) => ["created", "updated", "unchanged"].includes(r.proposal?.action ?? ""))
    .reduce((sum, r) => sum + (r.recommendation?.monthlySavings ?? 0), 0);
  out.push(
    `Summary: ${report.results.length} ${report.results.length === 1 ? "policy" : "policies"}; ` +
      `${count((r) => r.proposal?.action === "created")} opened, ` +
      `${count((r) => r.proposal?.action === "updated")} updated, ` +
      `${count((r) => r.proposal?.action === "unchanged")} unchanged, ` +
      `${count((r) => r.proposal?.action === "closed")} closed, ` +
      `${count((r) => r.phase === "Failed")} failed; ` +
      `open proposals save ${usd(saving)}/mo.`,
  );
  if (report.stoppedEarly)
    out.push("Stopped early: rate-limited. Run again later; it resumes without duplicates.");
  return `${out.join("\n")}\n`;
}

export const registerRun: Register = (program: Command, setExitCode) => {
  program
    .command("run")
    .description(
      "one reconcile pass over local policies, proposing changes as branches in a local git repository",
    )
    .requiredOption("--repo <dir>", "the GitOps repository (a git working copy)")
    .requiredOption("--policies <path>", "a CostOptimization YAML file or a folder of them")
    .requiredOption("--metrics <url|file>", "a Prometheus URL or an OpenMetrics file")
    .option("--state <url>", "redis:// or rediss:// URL for state (default: in memory)")
    .option("--branch <name>", "the default branch to propose against (default: the checked-out branch)")
    .option("--cluster <name>", "cluster name, prefixed to proposal branches")
    .option("--now <time>", "evaluate as of this ISO 8601 time (default: now)")
    .action(async (options: RunOptions) => {
      const report = await runOnce(options);
      process.stdout.write(formatReport(report));
      if (report.problems.length > 0 || report.results.some((r) => r.phase === "Failed")) setExitCode(1);
    });
};
