// Builds the whole service from its configuration: Kubernetes connection, state store, usage
// source, GitHub App (when configured), the GitOps reconciler and the Service around them.

import { readFileSync } from "node:fs";
import { type Config, ConfigError } from "../config.js";
import { HttpKube } from "../kube/client.js";
import { KubeConnection } from "../kube/connection.js";
import { PrometheusThrottling } from "../kube/throttling.js";
import { PrometheusUsageSource } from "../metrics/prometheus-source.js";
import { createStore } from "../state/index.js";
import type { Store } from "../state/types.js";
import { createLogger } from "../telemetry/logger.js";
import { createTelemetry } from "../telemetry/metrics.js";
import { createGitHub } from "./github.js";
import { type ForgeFor, GitOpsReconciler } from "./gitops-reconciler.js";
import { Service } from "./service.js";

export interface Assembled {
  service: Service;
  store: Store;
}

function privateKey(c: Config): string | undefined {
  if (c.privateKey) return c.privateKey.replace(/\\n/g, "\n");
  return c.privateKeyPath ? readFileSync(c.privateKeyPath, "utf8") : undefined;
}

export async function assemble(
  config: Config,
  env: Record<string, string | undefined> = process.env,
): Promise<Assembled> {
  if (!config.prometheusUrl)
    throw new ConfigError(["PROMETHEUS_URL: required by costopt serve (usage data)"]);
  let connection: KubeConnection;
  try {
    connection = KubeConnection.fromEnv(env);
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  const kube = new HttpKube(connection);
  const telemetry = createTelemetry();
  const log = createLogger(config.logLevel, { component: "costopt" });
  const store = await createStore(config.redisUrl);
  let service: Service | undefined;
  let forgeFor: ForgeFor = async () => ({
    error:
      "the GitHub App is not configured (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET): costopt cannot open pull requests",
  });
  let webhooks: Awaited<ReturnType<typeof createGitHub>>["webhooks"] | undefined;
  const key = privateKey(config);
  if (config.appId && key && config.webhookSecret) {
    const github = await createGitHub({
      appId: config.appId,
      privateKey: key,
      webhookSecret: config.webhookSecret,
      store,
      kube,
      telemetry,
      log,
      clusterName: config.clusterName,
      defaultRepository: config.defaultRepository,
      reevaluateAll: () => service?.reevaluateAll(),
      // GitHub's secondary limits: keep writes serial and about a second apart.
      writeIntervalMs: 1000,
    });
    forgeFor = github.forgeFor;
    webhooks = github.webhooks;
  }
  const reconciler = new GitOpsReconciler({
    forgeFor,
    store,
    usage: new PrometheusUsageSource({ url: config.prometheusUrl }),
    clusterName: config.clusterName,
  });
  const throttling = new PrometheusThrottling({ url: config.prometheusUrl });
  service = new Service({ config, connection, kube, reconciler, webhooks, telemetry, log, throttling });
  return { service, store };
}
