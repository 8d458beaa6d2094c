// `costopt recommend --policies <file|dir> --repo <dir> --metrics <url|file> [--format ...]`:
// what costopt would propose for each policy, read-only. Current requests, limits and replicas
// come from the workload manifests in --repo (its working tree; nothing is written), usage from
// Prometheus or an OpenMetrics file. Exit 1 when a policy is invalid or its workload cannot be
// found or analysed, else 0. The output formats live in recommend-output.ts.

import { readFileSync, statSync } from "node:fs";
import { relative, sep } from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { parseWindow } from "../api/duration.js";
import { checkPolicies, validPolicies } from "../api/load.js";
import { policyTarget } from "../api/target.js";
import type { CostOptimization } from "../api/types.js";
import { isManifestCandidate } from "../forge/types.js";
import { workloadState } from "../gitops/workload.js";
import {
  indexRepository,
  locateWorkload,
  locationOf,
  type RepoFile,
  type RepoIndex,
} from "../manifests/index.js";
import { openUsageSource } from "../metrics/open.js";
import { type UsageSource, type WorkloadRef, type WorkloadUsage, workloadKey } from "../metrics/types.js";
import { recommend } from "../recommend/engine.js";
import type { PricingConfig } from "../recommend/types.js";
import { readInputs } from "./files.js";
import { FORMATS, type Format, type PolicyResult, type RecommendReport, render } from "./recommend-output.js";
import type { Register } from "./register.js";

export interface RecommendOptions {
  policies: string;
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

/** The repository's YAML files as the manifests module wants them: paths relative to its root, "/"-separated. */
export function readRepository(dir: string): RepoFile[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new Error(`--repo ${dir}: not a directory`);
  return readInputs(dir)
    .map((f) => ({ path: relative(dir, f.path).split(sep).join("/"), content: f.content }))
    .filter((f) => isManifestCandidate(f.path));
}

function readPricing(path: string | undefined): PricingConfig | undefined {
  if (path === undefined) return undefined;
  const value = parseYaml(readFileSync(path, "utf8")) as unknown;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(
      `--pricing ${path}: expected a mapping with default, clusters, nodePools or hoursPerMonth`,
    );
  return value as PricingConfig;
}

/** One recommendation per valid policy. Usage is fetched once per distinct window, for all workloads. */
export async function recommendPolicies(
  options: RecommendOptions,
  deps: { usage?: UsageSource; progress?: Progress } = {},
): Promise<RecommendReport> {
  const { policies, problems } = validPolicies(checkPolicies(readInputs(options.policies)));
  const index = indexRepository(readRepository(options.repo));
  const source = deps.usage ?? openUsageSource(options.metrics);
  return recommendIndexed(policies, index, source, options, deps.progress ?? SILENT, problems);
}

export function evaluationTime(now: string | undefined): Date {
  const at = now ? new Date(now) : new Date();
  if (Number.isNaN(at.getTime())) throw new Error(`--now: ${now} is not a date`);
  return at;
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

/** A progress line on stderr, shown only once the run has taken more than a second. */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr, delayMs = 1000): Progress {
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
  program
    .command("recommend")
    .description("print what costopt would propose for each policy (read-only)")
    .requiredOption("--policies <path>", "a CostOptimization YAML file or a folder of them")
    .requiredOption("--repo <dir>", "the folder holding the workload manifests")
    .requiredOption("--metrics <url|file>", "a Prometheus URL or an OpenMetrics file")
    .option("--format <format>", `output format: ${FORMATS.join(", ")}`, "table")
    .option("--now <time>", "evaluate as of this ISO 8601 time (default: now)")
    .option("--pricing <file>", "YAML prices overriding OpenCost's defaults (default, clusters, nodePools)")
    .option("--cluster <name>", "cluster name: per-cluster prices, and what clusters/<name>/ deploys")
    .action(async (options: RecommendOptions) => {
      const format = options.format ?? "table";
      if (!FORMATS.includes(format))
        throw new Error(`--format: ${format} is not one of ${FORMATS.join(", ")}`);
      const report = await recommendPolicies(options, { progress: stderrProgress() });
      process.stdout.write(render(report, format));
      for (const problem of report.problems) console.error(`problem: ${problem}`);
      for (const r of report.results) if (r.error) console.error(`${r.policy}: ${r.error}`);
      if (report.problems.length > 0 || report.results.some((r) => r.error)) setExitCode(1);
    });
};
