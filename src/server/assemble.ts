// Builds the whole service from its configuration: Kubernetes connection (or, in local mode,
// policies from the repository), state store, usage source, GitHub App (when configured), the
// GitOps reconciler and the Service around them.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadProposingPolicies } from "../api/load.js";
import { type Config, ConfigError, validationOptions } from "../config.js";
import { fetchCharts } from "../discovery/chart-artifact.js";
import { passReader } from "../discovery/reader.js";
import { DashboardBook } from "../gitops/dashboard/book.js";
import { MetadataKey } from "../gitops/metadata.js";
import type { Cluster } from "../kube/client.js";
import { KubePolicyStore, type PolicyStore } from "../kube/policy-store.js";
import { IncrementalUsageSource } from "../metrics/incremental.js";
import type { PrometheusConnection } from "../metrics/prometheus-client.js";
import { PrometheusUsageSource } from "../metrics/prometheus-source.js";
import { PrometheusThrottling } from "../metrics/throttling.js";
import { createStore } from "../state/index.js";
import type { Store } from "../state/types.js";
import { createLogger } from "../telemetry/logger.js";
import { createTelemetry } from "../telemetry/metrics.js";
import { createGitHub, type GitHubWiring } from "./github.js";
import { type ForgeFor, GitOpsReconciler } from "./gitops-reconciler.js";
import { LocalPolicies, type PolicyLoader } from "./local-policies.js";
import { Service } from "./service.js";

export interface Assembled {
  service: Service;
  store: Store;
}

export interface AssembleOptions {
  /** One clock for usage windows, status times, health windows and Events; tests inject it. */
  now?: () => Date;
  /** --kubeconfig and --context of `costopt serve`, over KUBECONFIG and KUBE_CONTEXT. */
  kubeconfig?: string;
  context?: string;
}

/** PROMETHEUS_URL with its credentials: a token file read per request, or basic auth from a Secret. */
export function prometheusConnection(c: Config & { prometheusUrl: string }): PrometheusConnection {
  const tokenFile = c.prometheusBearerTokenFile;
  return {
    url: c.prometheusUrl,
    ...(tokenFile ? { bearerToken: () => readFileSync(tokenFile, "utf8").trim() } : {}),
    ...(c.prometheusUsername !== undefined
      ? { basicAuth: { username: c.prometheusUsername, password: c.prometheusPassword ?? "" } }
      : {}),
  };
}

function privateKey(c: Config): string | undefined {
  if (c.privateKey) return c.privateKey.replace(/\\n/g, "\n");
  return c.privateKeyPath ? readFileSync(c.privateKeyPath, "utf8") : undefined;
}

/** Local mode: the CostOptimization documents under POLICIES_PATH of the default branch. */
export function repositoryLoader(github: GitHubWiring, c: Config): PolicyLoader {
  const prefix = c.policiesPath.replace(/^\.?\/+|\/+$/g, "");
  return async () => {
    const forge = await github.forgeForRepository(c.defaultRepository as string);
    const snapshot = await forge.snapshot();
    const files = snapshot.files.filter(
      (f) => !prefix || f.path === prefix || f.path.startsWith(`${prefix}/`),
    );
    return loadProposingPolicies(files, validationOptions(c));
  };
}

/** How long a repository's reconciles must go quiet before its dashboard is synced (the end of a pass). */
const DASHBOARD_QUIET_MS = 30_000;

export async function assemble(
  config: Config,
  env: Record<string, string | undefined> = process.env,
  options: AssembleOptions = {},
): Promise<Assembled> {
  const clock = options.now ? { now: options.now } : {};
  // Every problem is collected and reported together, each naming what to fix.
  const problems: string[] = [];
  if (!config.prometheusUrl) problems.push("PROMETHEUS_URL: required by costopt serve (usage data)");
  const local = config.policySource === "repository";
  let kube: Cluster | undefined;
  try {
    // Loaded here: only `serve` pays client-node's memory.
    const { connect } = await import("../kube/cluster.js");
    const context = options.context ?? config.kubeContext;
    kube = connect({
      env,
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
      ...(context ? { context } : {}),
    });
  } catch (err) {
    // Local mode runs without a cluster; a cluster, when reachable, still serves admission and health.
    if (!local) problems.push((err as Error).message);
  }
  const key = privateKey(config);
  const appConfigured = Boolean(config.appId && key && config.webhookSecret);
  if (local && !appConfigured)
    problems.push(
      "POLICY_SOURCE=repository: the GitHub App (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) is required",
    );
  let store: Store | undefined;
  try {
    store = await createStore(config.redisUrl);
  } catch (err) {
    problems.push(`REDIS_URL: ${(err as Error).message}`);
  }
  const prometheusUrl = config.prometheusUrl;
  if (problems.length > 0 || !store || !prometheusUrl) {
    await store?.close();
    throw new ConfigError(problems);
  }
  const telemetry = createTelemetry();
  const log = createLogger(config.logLevel, { component: "costopt" });
  // Derived from the webhook secret, which every replica shares; without the app nothing is signed that matters.
  const metadataKey = new MetadataKey(config.webhookSecret || randomBytes(32));
  let service: Service | undefined;
  let localPolicies: LocalPolicies | undefined;
  // Outcomes are noted where the leader reads policies; resolved lazily because local policies need GitHub first.
  const policies: PolicyStore = {
    get: (ns, name) => target().get(ns, name),
    patchStatus: (p, s) => target().patchStatus(p, s),
    annotate: (p, a) => target().annotate(p, a),
    ensureFinalizer: (p) => target().ensureFinalizer(p),
    releaseFinalizer: (p) => target().releaseFinalizer(p),
  };
  const target = (): PolicyStore => localPolicies ?? new KubePolicyStore(kube as Cluster);
  let forgeFor: ForgeFor = async () => ({
    error:
      "the GitHub App is not configured (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET): costopt cannot open pull requests",
  });
  let github: GitHubWiring | undefined;
  const usage = new PrometheusUsageSource(prometheusConnection({ ...config, prometheusUrl }));
  if (appConfigured) {
    github = await createGitHub({
      appId: config.appId as number,
      privateKey: key as string,
      webhookSecret: config.webhookSecret as string,
      metadataKey,
      store,
      policies,
      telemetry,
      log,
      clusterName: config.clusterName,
      defaultRepository: config.defaultRepository,
      // Without a cluster (local mode) there is nothing to discover from.
      ...(kube ? { clusterReader: kube } : {}),
      reevaluateAll: () => service?.reevaluateAll(),
      // The costopt/cost check on pull requests costopt did not open reads the same usage.
      usage,
      ...clock,
    });
    forgeFor = github.forgeFor;
  }
  if (local && github)
    localPolicies = new LocalPolicies(repositoryLoader(github, config), config.resyncSeconds * 1000, log);
  // Each repository's cost dashboard, synced once its policies' results stop arriving.
  const dashboards = new DashboardBook({
    store,
    now: options.now ?? (() => new Date()),
    quietMs: DASHBOARD_QUIET_MS,
    ...(config.clusterName ? { cluster: config.clusterName } : {}),
    watching: (policy) => service?.isWatching(policy) ?? false,
    onError: (repository, err) =>
      log.warn("could not update the cost dashboard", { repository, err: String(err) }),
  });
  const reconciler = new GitOpsReconciler({
    forgeFor,
    store,
    metadataKey,
    // The service reconciles again and again: each pass reads only the samples since the last.
    usage: new IncrementalUsageSource(usage, store),
    onResult: (_policy, forge, result) => dashboards.record(forge, result),
    onForget: (policy) => dashboards.forget(policy),
    clusterName: config.clusterName,
    validation: validationOptions(config),
    ...clock,
    // In a cluster, a HelmRelease's chart that is not in Git is read as Flux fetched it.
    ...(kube ? { extra: { charts: (needs) => fetchCharts(passReader(kube), needs) } } : {}),
  });
  service = new Service({
    config,
    ...(kube ? { kube } : {}),
    ...(localPolicies ? { local: localPolicies } : {}),
    reconciler,
    webhooks: github?.webhooks,
    telemetry,
    log,
    throttling: new PrometheusThrottling(prometheusConnection({ ...config, prometheusUrl })),
    ...clock,
  });
  return { service, store };
}
