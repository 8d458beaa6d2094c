// `costopt scan`: KRR's job without policies. Reads the live Deployments, StatefulSets,
// DaemonSets and CronJobs of the current kubeconfig context (all namespaces, or each `-n`), their HPAs and
// PDBs, and usage from Prometheus or an OpenMetrics file, and prints what costopt would
// recommend for each, in every output format of `costopt recommend`. `--write-policies DIR`
// writes one dry-run CostOptimization per workload worth changing, ready to commit: the way a
// team onboards. Read-only towards the cluster. Exit 1 when a workload could not be analysed, or
// under --fail-on change also when one is worth changing within the default gates (CI gating).
//
// The live objects are indexed as if they were manifests in a repository, so locating the
// containers, the HPA and the PDB, and the recommendation itself, are the same code as for
// `costopt recommend --repo`.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { SPEC_DEFAULTS } from "../api/defaults.js";
import { checkPolicies, validPolicies } from "../api/load.js";
import {
  API_VERSION,
  type CostOptimization,
  OPTIMIZATION_TYPES,
  type OptimizationType,
} from "../api/types.js";
import { desiredFrom } from "../gitops/workload.js";
import type { TypedKind, TypedObjects, TypedReader } from "../kube/client.js";
import { WORKLOADS } from "../kube/resources.js";
import { indexRepository, type RepoFile } from "../manifests/index.js";
import { openUsageSource } from "../metrics/open.js";
import type { UsageSource } from "../metrics/types.js";
import { addFailOn, addFormat, exitCode, type FailOn } from "./options.js";
import { type Progress, type RecommendReport, recommendIndexed, stderrProgress } from "./recommend.js";
import { FORMATS, type Format, hasChanges, render } from "./recommend-output.js";
import type { Register } from "./register.js";

export interface ScanOptions {
  namespace?: string[];
  /** Prometheus URL or OpenMetrics file. */
  metrics: string;
  format?: Format;
  type?: OptimizationType;
  now?: string;
  pricing?: string;
  cluster?: string;
  writePolicies?: string;
}

export interface ScanReport extends RecommendReport {
  /** The policies --write-policies wrote (paths), and the ones it left alone with why. */
  written: string[];
  skipped: string[];
}

// What scan reads, and how its progress names each list.
const KINDS: [TypedKind, string][] = [
  ["Deployment", "deployments"],
  ["StatefulSet", "statefulsets"],
  ["DaemonSet", "daemonsets"],
  ["CronJob", "cronjobs"],
  ["HorizontalPodAutoscaler", "horizontalpodautoscalers"],
  ["PodDisruptionBudget", "poddisruptionbudgets"],
];

type Live = TypedObjects[TypedKind];

// Fields the API server owns: they are not part of what a user would have written.
function asManifest(o: Live): Live {
  const { status: _s, ...rest } = o as Live & { status?: unknown };
  const {
    managedFields: _m,
    resourceVersion: _r,
    uid: _u,
    creationTimestamp: _c,
    ...metadata
  } = o.metadata ?? {};
  return { ...rest, metadata } as Live;
}

/**
 * The live objects (client-node's typed models) as one YAML file per object, under
 * cluster/<namespace>/<kind>/<name>.yaml, written by client-node's own serializer (dumpYaml)
 * so every field keeps its API name and format.
 */
export async function readCluster(
  kube: TypedReader,
  namespaces: string[],
  progress: Progress,
): Promise<RepoFile[]> {
  // Loaded here, not at the top: only a command that talks to a cluster pays for the package.
  const { dumpYaml } = await import("@kubernetes/client-node");
  const scopes = namespaces.length > 0 ? namespaces : [undefined];
  const files: RepoFile[] = [];
  let step = 0;
  const total = scopes.length * KINDS.length;
  for (const ns of scopes) {
    for (const [kind, plural] of KINDS) {
      progress.step(step++, total, `listing ${plural} in ${ns ? `namespace ${ns}` : "all namespaces"}`);
      for (const o of await kube.listOf(kind, ns)) {
        const path = `cluster/${o.metadata?.namespace}/${kind}/${o.metadata?.name}.yaml`;
        files.push({ path, content: dumpYaml(asManifest(o)) });
      }
    }
  }
  return files;
}

/** A dry-run policy for each workload found, with the defaults spelt out so a reviewer sees them. */
function policiesFor(files: RepoFile[], type: OptimizationType): CostOptimization[] {
  const out: CostOptimization[] = [];
  for (const f of files) {
    const [, namespace, kind, file] = f.path.split("/");
    if (!namespace || !kind || !file || !(kind in WORKLOADS)) continue;
    const name = file.replace(/\.yaml$/, "");
    out.push({
      apiVersion: API_VERSION,
      kind: "CostOptimization",
      metadata: { name: kind === "Deployment" ? name : `${name}-${kind.toLowerCase()}`, namespace },
      spec: {
        targetWorkload: { kind: kind as keyof typeof WORKLOADS, name },
        optimizationType: type,
        ...SPEC_DEFAULTS,
        dryRun: true,
      },
    } as CostOptimization);
  }
  return out;
}

export async function scanCluster(
  kube: TypedReader,
  options: ScanOptions,
  deps: { usage?: UsageSource; progress?: Progress } = {},
): Promise<ScanReport> {
  const progress = deps.progress ?? stderrProgress(process.stderr, 0);
  const type = options.type ?? "ALL";
  if (!OPTIMIZATION_TYPES.includes(type))
    throw new Error(`--type: ${type} is not one of ${OPTIMIZATION_TYPES.join(", ")}`);
  const files = await readCluster(kube, options.namespace ?? [], progress);
  const policies = policiesFor(files, type);
  const source = deps.usage ?? openUsageSource(options.metrics);
  const report = await recommendIndexed(policies, indexRepository(files), source, options, progress);
  const written: string[] = [];
  const skipped: string[] = [];
  if (options.writePolicies) {
    const byName = new Map(policies.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    for (const r of report.results) {
      const rec = r.recommendation;
      const policy = byName.get(r.policy);
      if (!rec || !policy || rec.notEnoughData || Object.keys(desiredFrom(rec)).length === 0) continue;
      const path = join(
        options.writePolicies,
        policy.metadata.namespace ?? "default",
        `${policy.metadata.name}.yaml`,
      );
      const content = policyFile(policy, rec.monthlySavings);
      // Validated as the admission webhook would; a policy it would refuse is not written.
      const check = validPolicies(checkPolicies([{ path, content }]));
      if (check.problems.length > 0) skipped.push(`${path}: ${check.problems.join("; ")}`);
      else if (existsSync(path) && readFileSync(path, "utf8") !== content)
        skipped.push(`${path}: exists with other content, not overwritten`);
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
        written.push(path);
      }
    }
  }
  // Read from the cluster, not from manifests: the synthetic files are no location to show.
  const results = report.results.map(({ location: _l, ...r }) => r);
  return { ...report, results, written, skipped };
}

function policyFile(p: CostOptimization, monthlySavings: number): string {
  const header = [
    `# Written by costopt scan for ${p.spec.targetWorkload.kind} ${p.metadata.namespace}/${p.spec.targetWorkload.name}`,
    `# (estimated savings ${monthlySavings.toFixed(2)} USD/month). A dry run: set dryRun: false to open pull requests.`,
  ];
  return `${header.join("\n")}\n${stringify({ apiVersion: p.apiVersion, kind: p.kind, metadata: p.metadata, spec: p.spec })}`;
}

const repeat = (v: string, all: string[] = []) => [...all, v];

export const registerScan: Register = (program: Command, setExitCode) => {
  const cmd = program.command("scan");
  addFormat(cmd, FORMATS);
  addFailOn(cmd, "a workload is worth changing within the default gates");
  cmd
    .description(
      "recommend for every workload of the current kubeconfig context, without policies (read-only, like KRR)",
    )
    .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, else in-cluster)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option("-n, --namespace <ns>", "a namespace to scan (repeatable; default: all namespaces)", repeat)
    .option("--prometheus <url>", "Prometheus URL for usage")
    .option("--metrics <file|url>", "an OpenMetrics file (or Prometheus URL) for usage")
    .option("--type <type>", `optimization type: ${OPTIMIZATION_TYPES.join(", ")}`, "ALL")
    .option("--now <time>", "evaluate as of this ISO 8601 time (default: now)")
    .option("--pricing <file>", "YAML prices overriding OpenCost's defaults (default, clusters, nodePools)")
    .option("--cluster <name>", "cluster name, for per-cluster prices")
    .option("--write-policies <dir>", "write a dry-run CostOptimization for each workload worth changing")
    .action(
      async (
        o: Omit<ScanOptions, "metrics"> & {
          prometheus?: string;
          metrics?: string;
          kubeconfig?: string;
          context?: string;
          failOn?: FailOn;
        },
      ) => {
        const format = o.format ?? "table";
        const metrics = o.prometheus ?? o.metrics;
        if (!metrics) throw new Error("scan needs usage: pass --prometheus URL or --metrics FILE");
        // Loaded here: only the commands that talk to a cluster pay for @kubernetes/client-node.
        const { connect } = await import("../kube/cluster.js");
        const kube = connect({
          ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
          ...(o.context ? { context: o.context } : {}),
        });
        process.stderr.write(`scanning ${kube.describe()}\n`);
        const report = await scanCluster(kube, { ...o, metrics, format });
        process.stdout.write(render(report, format, "workload"));
        for (const r of report.results) if (r.error) console.error(`${r.policy}: ${r.error}`);
        for (const path of report.written) console.error(`wrote ${path}`);
        for (const s of report.skipped) console.error(`skipped ${s}`);
        const errors = report.results.some((r) => r.error);
        setExitCode(exitCode(o.failOn, { errors, changes: hasChanges(report) }));
      },
    );
};
