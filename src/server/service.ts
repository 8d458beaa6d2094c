// `costopt serve` as an object: both HTTP ports on every replica, and the control loop and
// post-merge health monitor only on the Lease holder. A fresh controller runs per leadership
// term, so nothing from a previous term (queue, timers) survives a handover. In local mode
// (policies from the repository, no cluster) the single instance leads without a Lease.

import { once } from "node:events";
import { accessSync, constants, readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { type Config, ConfigError, validationOptions } from "../config.js";
import { type Cluster, type KubeClient, KubeError } from "../kube/client.js";
import { Controller } from "../kube/controller.js";
import { KubeEventRecorder } from "../kube/events.js";
import { HealthMonitor } from "../kube/health.js";
import { KubePolicyInformer } from "../kube/informer.js";
import { LeaderElector } from "../kube/lease.js";
import { KubePolicyStore } from "../kube/policy-store.js";
import type { PolicyReconciler, Trigger } from "../kube/reconciler.js";
import { LEASES } from "../kube/resources.js";
import { getWorkload, type ThrottlingSource } from "../kube/workload.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { createTelemetry, type Telemetry } from "../telemetry/metrics.js";
import type { AdmissionOptions } from "./admission.js";
import { admissionHandler, createAdmissionServer } from "./admission-server.js";
import { createHttpService, type WebhookMiddleware } from "./http.js";
import { type LocalPolicies, LogEventRecorder } from "./local-policies.js";
import { TtlCache } from "./lookup-cache.js";

export interface ServiceOptions {
  config: Config;
  reconciler: PolicyReconciler;
  /** The cluster (requests and watches); required unless `local` is given. */
  kube?: Cluster;
  /** Local mode: policies (and their status) from the Git repository instead of CRs. */
  local?: LocalPolicies;
  webhooks?: WebhookMiddleware;
  telemetry?: Telemetry;
  log?: Logger;
  throttling?: ThrottlingSource;
  /** false: no HTTPS admission server (local runs without a certificate). */
  admission?: boolean;
  /** The clock of the policy lifecycle (status times, health windows, Events); tests inject it. */
  now?: () => Date;
}

export class Service {
  readonly telemetry: Telemetry;
  /** undefined in local mode (one instance, no cluster to hold a Lease). */
  readonly elector?: LeaderElector;
  private readonly kube?: Cluster;
  private readonly log: Logger;
  private http?: Server;
  private metricsHttp?: Server;
  private https?: Server;
  private controller?: Controller;
  private health?: HealthMonitor;
  private transitions: Promise<void> = Promise.resolve();
  private started = false;
  private stopping = false;

  constructor(private readonly o: ServiceOptions) {
    this.kube = o.kube;
    this.telemetry = o.telemetry ?? createTelemetry();
    this.log = o.log ?? createLogger(o.config.logLevel);
    const c = o.config;
    if (!o.kube && !o.local) throw new Error("Service needs a Kubernetes connection unless in local mode");
    if (o.local || !this.kube) return;
    this.elector = new LeaderElector({
      kube: this.kube,
      namespace: c.podNamespace,
      name: c.leaseName,
      identity: c.podName || hostname(),
      leaseDurationMs: c.leaseDurationSeconds * 1000,
      retryPeriodMs: c.leaseRenewSeconds * 1000,
      log: this.log,
      onStartedLeading: () => this.serially(() => this.lead()),
      onStoppedLeading: () => this.serially(() => this.follow()),
    });
  }

  /** Whether this replica currently runs the control loop. */
  get isLeader(): boolean {
    return (this.elector?.isLeader ?? true) && this.controller !== undefined;
  }

  /** Queues a reconcile of namespace/name, e.g. after a webhook about its pull request; a no-op on followers. */
  enqueue(key: string, trigger: Trigger = "webhook"): void {
    this.controller?.enqueue(key, trigger);
  }

  /** Reconciles every known policy soon (a push to a GitOps repository); a no-op on followers. */
  /** Whether this leader's post-merge health watch runs for a policy key ([<cluster>/]<namespace>/<name>). */
  isWatching(policy: string): boolean {
    // The monitor keys policies by namespace and name, without the cluster.
    return this.health?.isTracking(policy.split("/").slice(-2).join("/")) ?? false;
  }

  reevaluateAll(): void {
    if (this.o.local) {
      // Local mode: the push may have changed the policies themselves.
      this.o.local
        .refresh()
        .catch((err: unknown) => this.log.warn("could not re-read policies", { err: String(err) }));
    }
    this.controller?.enqueueAll("webhook");
  }

  async idle(): Promise<void> {
    await this.transitions;
    await this.controller?.idle();
  }

  /**
   * Why /readyz should answer 503: still starting, or the Kubernetes API does not answer (a pod that
   * cannot watch its policies or read workloads for admission should get no traffic). Any HTTP
   * answer, even 403, means the API is reachable.
   */
  private async notReady(): Promise<string | undefined> {
    if (!this.started) return "starting";
    if (!this.kube) return undefined;
    try {
      await this.kube.list(LEASES, this.o.config.podNamespace);
      return undefined;
    } catch (err) {
      // The client reports "no HTTP answer at all" (refused, reset, DNS) as code 0.
      if (err instanceof KubeError && err.code !== 0) return undefined;
      const cause = /\b(E[A-Z]+)\b/.exec((err as Error).message)?.[1] ?? "no answer";
      return `the Kubernetes API does not answer (${cause})`;
    }
  }

  async start(): Promise<{ port: number; admissionPort?: number; metricsPort?: number }> {
    const c = this.o.config;
    const host = c.host;
    const admission = this.o.admission !== false && this.kube !== undefined;
    if (admission) {
      // Checked before anything listens: a missing certificate is a deployment error to report, not to serve around.
      for (const [name, file] of [
        ["TLS_CERT_FILE", c.tlsCertFile],
        ["TLS_KEY_FILE", c.tlsKeyFile],
      ]) {
        try {
          accessSync(file as string, constants.R_OK);
        } catch {
          throw new ConfigError([
            `${name}: cannot read ${file}; mount the webhook certificate Secret (cert-manager) there`,
          ]);
        }
      }
    }
    const tokenFile = c.metricsBearerTokenFile;
    const metricsToken = tokenFile ? { metricsToken: () => readFileSync(tokenFile, "utf8").trim() } : {};
    this.http = createHttpService({
      registry: this.telemetry.registry,
      notReady: () => this.notReady(),
      webhooks: this.o.webhooks,
      ...(this.o.local ? { policies: () => this.o.local?.list() ?? [] } : {}),
      serveMetrics: c.metricsPort === 0,
      ...metricsToken,
    });
    this.http.listen(c.port, host);
    await once(this.http, "listening");
    let metricsPort: number | undefined;
    if (c.metricsPort !== 0) {
      this.metricsHttp = createHttpService({
        registry: this.telemetry.registry,
        notReady: () => undefined,
        metricsOnly: true,
        ...metricsToken,
      });
      this.metricsHttp.listen(c.metricsPort, host);
      await once(this.metricsHttp, "listening");
      metricsPort = (this.metricsHttp.address() as AddressInfo).port;
    }
    let admissionPort: number | undefined;
    const kube = this.kube;
    if (admission && kube) {
      const labels = new TtlCache<Record<string, string> | undefined>(30_000);
      const opts: AdmissionOptions = {
        validation: validationOptions(c),
        lookupLabels: (ref) =>
          labels.get(`${ref.namespace}/${ref.kind}/${ref.name}`, async () => {
            return (await getWorkload(kube, ref))?.metadata?.labels ?? {};
          }),
      };
      this.https = createAdmissionServer(
        { certFile: c.tlsCertFile, keyFile: c.tlsKeyFile },
        admissionHandler(opts, this.telemetry),
      );
      this.https.listen(c.admissionPort, host);
      await once(this.https, "listening");
      admissionPort = (this.https.address() as AddressInfo).port;
    }
    if (this.elector) this.elector.start();
    else this.serially(() => this.lead());
    this.started = true;
    this.log.info("costopt serving", {
      port: (this.http.address() as AddressInfo).port,
      admissionPort,
      metricsPort,
    });
    return { port: (this.http.address() as AddressInfo).port, admissionPort, metricsPort };
  }

  /**
   * Graceful shutdown: finish in-flight reconciles, then release the Lease so the other replica
   * takes over at once (never both reconciling), then close the ports.
   */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    await this.transitions;
    await this.follow();
    await this.elector?.stop();
    await this.transitions;
    await Promise.all(
      [this.http, this.https, this.metricsHttp].map(
        (s) =>
          s &&
          new Promise<void>((resolve) => {
            s.closeAllConnections?.();
            s.close(() => resolve());
          }),
      ),
    );
  }

  private serially(fn: () => Promise<void>): void {
    this.transitions = this.transitions.then(fn).catch((err: unknown) => {
      this.log.error("leadership transition failed", { err });
    });
  }

  private async lead(): Promise<void> {
    if (this.controller || this.stopping) return;
    const c = this.o.config;
    this.telemetry.leader.set(1);
    let controller: Controller | undefined;
    const kube = this.kube;
    // Post-merge health reads the live workload: only with a cluster.
    this.health =
      kube &&
      new HealthMonitor({
        kube,
        thresholds: {
          windowMs: c.healthWindowSeconds * 1000,
          throttlingRatio: c.healthThrottlingThreshold,
          restartIncrease: c.healthRestartIncrease,
        },
        intervalMs: c.healthIntervalSeconds * 1000,
        onRegression: (p, reason) => controller?.regression(p, reason),
        log: this.log,
        throttling: this.o.throttling,
        ...(this.o.now ? { now: () => (this.o.now as () => Date)().getTime() } : {}),
      });
    const local = this.o.local;
    controller = new Controller({
      kube,
      policies: local ?? new KubePolicyStore(kube as KubeClient),
      source: local ?? new KubePolicyInformer(kube as Cluster, c.watchNamespaces, this.log),
      reconciler: this.o.reconciler,
      events:
        local || !kube
          ? new LogEventRecorder(this.log)
          : new KubeEventRecorder(kube, this.log, undefined, this.o.now),
      telemetry: this.telemetry,
      log: this.log,
      resyncMs: c.resyncSeconds * 1000,
      finalizerTimeoutMs: c.finalizerTimeoutSeconds * 1000,
      concurrency: c.maxConcurrentReconciles,
      health: this.health,
      ...(this.o.now ? { now: this.o.now } : {}),
    });
    this.controller = controller;
    this.health?.start();
    // Not awaited: the first list may hang while the API server is away, and a loss of
    // leadership queued behind this transition must still be able to stop the controller.
    controller.start().catch((err: unknown) => this.log.error("control loop failed to start", { err }));
  }

  private async follow(): Promise<void> {
    const controller = this.controller;
    this.controller = undefined;
    this.health?.stop();
    this.health = undefined;
    this.telemetry.leader.set(0);
    await controller?.stop();
  }
}
