// `costopt recommend --policies <file|dir> --repo <dir> --metrics <url|file> [--format ...]`:
// what costopt would propose for each policy, read-only. Current requests, limits and replicas
// come from the workload manifests in --repo (its working tree; nothing is written), usage from
// Prometheus or an OpenMetrics file. Exit 1 when a policy is invalid or its workload cannot be
// found or analysed, else 0. The output formats live in recommend-output.ts.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { parseWindow } from "../api/duration.js";
import { policyTarget } from "../api/target.js";
import type { CostOptimization } from "../api/types.js";
import { workingTreeSnapshot } from "../forge/local/working-tree.js";
import { workloadState } from "../gitops/workload.js";
import { indexRepository, locateWorkload, locationOf, type RepoIndex } from "../manifests/index.js";
import { openUsageSource } from "../metrics/open.js";
import { type UsageSource, type WorkloadRef, type WorkloadUsage, workloadKey } from "../metrics/types.js";
import { recommend } from "../recommend/engine.js";
import { PRICE_KEYS, PRICING_SCHEMA } from "../recommend/pricing-schema.js";
import type { PricingConfig } from "../recommend/types.js";
import { readWarnings } from "../reconcile.js";
import { schemaErrors } from "../settings/check.js";
import { evaluationInstant, metricsFileRange, missingUsageHints } from "./metrics-file-time.js";
import { addPolicyCommandOptions, exitCode, type FailOn, log, policyPaths } from "./options.js";
import { loadPolicyFiles } from "./policy-files.js";
import {
  FORMATS,
  type Format,
  hasChanges,
  type PolicyResult,
  type RecommendReport,
  render,
} from "./recommend-output.js";
import type { Register } from "./register.js";

export interface RecommendOptions {
  /** -f: files, folders, globs or "-". */
  policies: string | string[];
  /** -n: only policies whose workload is in one of these namespaces. */
  namespace?: string[];
  repo: string;
  metrics: string;
  format?: Format;
  /** Evaluate as of this ISO 8601 time (to replay a metrics file); default now. */
  now?: string;
  /** A YAML or JSON file with a PricingConfig (default, clusters, nodePools, hoursPerMonth). */
  pricing?: string;
  cluster?: string;
}

export type { PolicyResult, RecommendReport };

export interface Progress {
  step(done: number, total: number, label: string): void;
  end(): void;
}

const SILENT: Progress = { step() {}, end() {} };

/** The --pricing file, checked against PRICING_SCHEMA; every problem named by file and field. */
export function readPricing(path: string | undefined): PricingConfig | undefined {
  if (path === undefined) return undefined;
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      e.code === "ENOENT"
        ? `--pricing ${path}: no such file`
        : `--pricing ${path}: not valid YAML: ${e.message.split("\n")[0]}`,
    );
  }
  const errors = schemaErrors(PRICING_SCHEMA, value ?? {}, path);
  if (errors.length > 0)
    throw new Error(
      `--pricing ${path} is invalid (keys: default, clusters, nodePools, hoursPerMonth; prices: ${Object.keys(PRICE_KEYS).join(", ")}):\n${errors.map((e) => `  ${e}`).join("\n")}`,
    );
  return (value ?? {}) as PricingConfig;
}

/** One recommendation per valid policy. Usage is fetched once per distinct window, for all workloads. */
export async function recommendPolicies(
  options: RecommendOptions,
  deps: { usage?: UsageSource; progress?: Progress; note?: (line: string) => void } = {},
): Promise<RecommendReport> {
  const { policies, problems, warnings, invalid } = loadPolicyFiles(options.policies, {
    ...(options.namespace ? { namespaces: options.namespace } : {}),
  });
  // The working tree, read by the rules of the forges' snapshots (run and serve read those).
  const tree = workingTreeSnapshot(options.repo);
  const index = indexRepository(tree.files);
  const source = deps.usage ?? openUsageSource(options.metrics);
  const range = deps.usage ? undefined : await metricsFileRange(options.metrics);
  const at = evaluationInstant(options.now, range, () => new Date(), deps.note ?? ((l) => console.error(l)));
  const report = await recommendIndexed(
    policies,
    index,
    source,
    { ...options, now: at.toISOString() },
    deps.progress ?? SILENT,
    problems,
  );
  const hints = missingUsageHints(
    policies,
    report.results.map((r) => r.recommendation),
    at,
    range,
  );
  return { ...report, warnings: [...warnings, ...readWarnings(tree, index), ...hints], invalid };
}

export function evaluationTime(now: string | undefined): Date {
  return evaluationInstant(
    now,
    undefined,
    () => new Date(),
    () => undefined,
  );
}

/** One recommendation per policy against an indexed set of manifests (a repository, or a cluster's live objects). */
export async function recommendIndexed(
  policies: CostOptimization[],
  index: RepoIndex,
  source: UsageSource,
  options: Pick<RecommendOptions, "now" | "pricing" | "cluster">,
  progress: Progress,
  problems: string[] = [],
): Promise<RecommendReport> {
  const at = evaluationTime(options.now);
  const pricing = readPricing(options.pricing);
  const end = Math.floor(at.getTime() / 1000);

  const located = policies.map((policy) => {
    const ref = policyTarget(policy);
    const cluster = options.cluster ? { cluster: options.cluster } : {};
    return { policy, ref, located: locateWorkload(index, ref, policy.spec.source, cluster) };
  });
  // Batch: one usage call per window, covering every workload that asks for it.
  const byWindow = new Map<number, WorkloadRef[]>();
  for (const { policy, ref, located: l } of located) {
    const seconds = parseWindow(policy.spec.metricsWindow);
    if (l.ok && seconds) byWindow.set(seconds, [...(byWindow.get(seconds) ?? []), ref]);
  }
  const usage = new Map<number, Map<string, WorkloadUsage>>();
  let done = 0;
  const total = byWindow.size + located.length;
  for (const [seconds, refs] of byWindow) {
    progress.step(done++, total, `reading usage of ${refs.length} workload(s) from ${source.description}`);
    usage.set(seconds, await source.usage(refs, { start: end - seconds, end }));
  }

  const results: PolicyResult[] = [];
  for (const { policy, ref, located: l } of located) {
    const name = `${policy.metadata.namespace ?? "default"}/${policy.metadata.name}`;
    progress.step(done++, total, `recommending ${name}`);
    const seconds = parseWindow(policy.spec.metricsWindow);
    if (!l.ok) results.push({ policy: name, target: ref, error: l.reason });
    else if (!seconds)
      results.push({
        policy: name,
        target: ref,
        error: `metricsWindow ${policy.spec.metricsWindow} is not a valid window`,
      });
    else {
      const state = {
        ...workloadState(index, l, ref),
        ...(options.cluster ? { cluster: options.cluster } : {}),
      };
      const recommendation = recommend({
        policy: { name: policy.metadata.name, namespace: policy.metadata.namespace ?? "default" },
        spec: policy.spec,
        workload: state,
        usage: usage.get(seconds)?.get(workloadKey(ref)),
        pricing,
        now: at,
        source: source.description,
      });
      results.push({ policy: name, target: ref, recommendation, location: locationOf(l) });
    }
  }
  progress.end();
  return { results, problems };
}

/** A progress line on stderr, shown only once the run has taken more than a second (never with -q). */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr, delayMs = 1000): Progress {
  if (!log.enabled("info")) return SILENT;
  const started = Date.now();
  let shown = false;
  return {
    step(done, total, label) {
      if (Date.now() - started < delayMs) return;
      shown = true;
      const line = `[${done + 1}/${total}] ${label}`;
      if (stream.isTTY) stream.write(`\r\x1b[K${line}`);
      else stream.write(`${line}\n`);
    },
    end() {
      if (shown && stream.isTTY) stream.write("\r\x1b[K");
    },
  };
}

export const registerRecommend: Register = (program: Command, setExitCode) => {
  const cmd = program
    .command("recommend")
    .description("print what costopt would propose for each policy (read-only)");
  addPolicyCommandOptions(cmd, {
    formats: FORMATS,
    defaultFormat: "table",
    change: "a policy's gates allow a change",
  });
  cmd
    .requiredOption(
      "--repo <dir>",
      "the folder holding the workload manifests, read as it is on disk (uncommitted edits included)",
    )
    .requiredOption("--metrics <url|file>", "a Prometheus URL or an OpenMetrics file")
    .option(
      "--now <time>",
      "evaluate as of this ISO 8601 time (default: an OpenMetrics file's last sample, else now)",
    )
    .option("--pricing <file>", "YAML prices overriding OpenCost's defaults (default, clusters, nodePools)")
    .option("--cluster <name>", "cluster name: per-cluster prices, and what clusters/<name>/ deploys")
    .action(
      async (
        o: Omit<RecommendOptions, "policies"> & { filename?: string[]; policies?: string[]; failOn?: FailOn },
      ) => {
        const format = o.format ?? "table";
        const report = await recommendPolicies(
          { ...o, policies: policyPaths(o) },
          { progress: stderrProgress() },
        );
        process.stdout.write(render(report, format));
        for (const w of report.warnings ?? []) log.warn(w);
        for (const problem of report.problems) log.error(`problem: ${problem}`);
        for (const r of report.results) if (r.error) log.error(`${r.policy}: ${r.error}`);
        const errors = report.problems.length > 0 || report.results.some((r) => r.error);
        setExitCode(exitCode(o.failOn, { errors, changes: hasChanges(report) }));
      },
    );
};
