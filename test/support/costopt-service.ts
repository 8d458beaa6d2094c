// `costopt serve` in-process for end-to-end and reliability tests, built the way production
// builds it: src/server/assemble.ts from a Config (the GitHub App through Probot's own
// octokit, with its retry and throttling plugins and 1 s between writes), against the
// Kubernetes API test double, GitHub through nock (FakeGitHub), a real Redis and a real
// Prometheus. Only loopback addresses are used.

import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import type { CostOptimizationSpec, CostOptimizationStatus } from "../../src/api/types.js";
import { type Config, loadConfig } from "../../src/config.js";
import { MetadataKey } from "../../src/gitops/metadata.js";
import { assemble } from "../../src/server/assemble.js";
import type { Service } from "../../src/server/service.js";
import type { Store } from "../../src/state/types.js";
import { BASE_SHA, type FakeGitHub, TREE_SHA } from "../app/github.js";
import { REPOSITORY } from "../fixtures/webhooks/index.js";
import { SPEC } from "../gitops/recommendation.js";
import { FIXED_INSTANT, runningClock } from "./clock.js";
import { FakeKubeApi } from "./kube-api.js";
import { selfSignedCert } from "./tls.js";
import { waitFor } from "./wait.js";

export const WEBHOOK_SECRET = "costopt-e2e-secret";
/** The key the service signs PR metadata with (derived from its webhook secret). */
export const SERVICE_METADATA_KEY = new MetadataKey(WEBHOOK_SECRET);
export const CR = ["costopt.dev", "v1", "costoptimizations"] as const;
export const DEPLOYMENTS = ["apps", "v1", "deployments"] as const;

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

export interface CostoptOptions {
  prometheusUrl: string;
  redisUrl: string;
  /** Isolates branches and state keys when tests share a Redis. */
  clusterName?: string;
  /** Share one API server double between instances (two replicas). */
  api?: FakeKubeApi;
  leaseName?: string;
  /**
   * The service's clock. Default: starting at FIXED_INSTANT (where startUsagePrometheus's data
   * ends) and moving with real time, so usage windows, confidence and savings are the same
   * whenever the test runs.
   */
  now?: () => Date;
}

/** The policy the tests create: CPU right-sizing of shop/web, PRs against Codertocat/Hello-World. */
export function policySpec(extra: Partial<CostOptimizationSpec> = {}): CostOptimizationSpec {
  return {
    ...SPEC,
    optimizationType: "CPU",
    source: { repository: REPOSITORY.fullName },
    ...extra,
  };
}

/** apps/v1 Deployment shop/web as the API server returns it, container "app" with the given resources. */
export function webDeployment(cpu: { request: string; limit: string }, generation = 1) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", generation, labels: { app: "web" } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "app",
              image: "example/web:1.0",
              resources: {
                requests: { cpu: cpu.request, memory: "512Mi" },
                limits: { cpu: cpu.limit, memory: "512Mi" },
              },
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: generation,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    },
  };
}

export class RunningCostopt {
  private constructor(
    readonly api: FakeKubeApi,
    private readonly ownsApi: boolean,
    readonly service: Service,
    readonly store: Store,
    readonly port: number,
    readonly admissionPort: number | undefined,
    readonly clusterName: string | undefined,
    private readonly tlsDir: string,
    /** The admission port's self-signed certificate, to trust it as the API server would. */
    readonly admissionCa: Buffer,
  ) {}

  static async start(o: CostoptOptions): Promise<RunningCostopt> {
    const api = o.api ?? new FakeKubeApi();
    if (!o.api) await api.start();
    const tls = selfSignedCert();
    const config: Config = {
      ...loadConfig({
        POD_NAME: `costopt-${randomUUID().slice(0, 8)}`,
        APP_ID: "123",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET,
        PROMETHEUS_URL: o.prometheusUrl,
        REDIS_URL: o.redisUrl,
        TLS_CERT_FILE: tls.certFile,
        TLS_KEY_FILE: tls.keyFile,
        LOG_LEVEL: process.env.COSTOPT_TEST_LOG ?? "error",
        ...(o.clusterName ? { CLUSTER_NAME: o.clusterName } : {}),
        ...(o.leaseName ? { LEASE_NAME: o.leaseName } : {}),
      }),
      port: 0,
      admissionPort: 0,
      // Faster than production so the test does not wait on timers: take the Lease at once,
      // sample health every 200 ms.
      leaseRenewSeconds: 0.2,
      healthIntervalSeconds: 0.2,
    };
    const { service, store } = await assemble(
      config,
      // As a user outside the cluster: the current context of a kubeconfig.
      { KUBECONFIG: api.kubeconfig({ token: "costopt" }), HOME: "/nonexistent" },
      { now: o.now ?? runningClock(FIXED_INSTANT) },
    );
    const { port, admissionPort } = await service.start();
    const running = new RunningCostopt(
      api,
      !o.api,
      service,
      store,
      port,
      admissionPort,
      o.clusterName,
      tls.dir,
      tls.cert,
    );
    await waitFor(() => service.isLeader, "the service to take the Lease");
    return running;
  }

  async stop(): Promise<void> {
    await this.service.stop();
    await this.store.close();
    if (this.ownsApi) await this.api.stop();
    await rm(this.tlsDir, { recursive: true, force: true });
  }

  /** The proposal branch of a policy in shop. */
  branch(name = "web-cost"): string {
    return `costopt/${this.clusterName ? `${this.clusterName}/` : ""}shop/${name}`;
  }

  /** The state-store key of a policy in shop. */
  key(name = "web-cost"): string {
    return `${this.clusterName ? `${this.clusterName}/` : ""}shop/${name}`;
  }

  createPolicy(spec: CostOptimizationSpec, name = "web-cost"): void {
    this.api.put(...CR, {
      apiVersion: "costopt.dev/v1",
      kind: "CostOptimization",
      metadata: { name, namespace: "shop" },
      spec,
    });
  }

  status(name = "web-cost"): CostOptimizationStatus | undefined {
    return this.api.get(...CR, "shop", name)?.status as CostOptimizationStatus | undefined;
  }

  /** Waits until the policy's status satisfies `check` and returns it. */
  waitForStatus(
    what: string,
    check: (s: CostOptimizationStatus) => boolean,
    name = "web-cost",
    timeoutMs?: number,
  ): Promise<CostOptimizationStatus> {
    return waitFor(
      () => {
        const s = this.status(name);
        return s && check(s) ? s : undefined;
      },
      what,
      timeoutMs,
    );
  }

  /** Event reasons in the order they were recorded. */
  reasons(): string[] {
    return this.api.list("", "v1", "events").map((e) => (e as unknown as { reason: string }).reason);
  }

  /** The phases written to a policy's status, in order. */
  phases(name = "web-cost"): string[] {
    return this.api
      .writes(`/${name}/status`)
      .map((w) => (w.body as { status?: { phase?: string } }).status?.phase)
      .filter((p): p is string => p !== undefined);
  }

  /** Lines of /metrics starting with `name`. */
  async metric(name: string): Promise<string[]> {
    const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
    return text.split("\n").filter((l) => l.startsWith(name));
  }

  /** Posts a webhook to the service's port as GitHub does, signed with `secret`. */
  deliver(event: string, payload: unknown, o: { id?: string; secret?: string } = {}): Promise<Response> {
    const body = JSON.stringify(payload);
    const signature = createHmac("sha256", o.secret ?? WEBHOOK_SECRET)
      .update(body)
      .digest("hex");
    return fetch(`http://127.0.0.1:${this.port}/api/github/webhooks`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": o.id ?? randomUUID(),
        "x-hub-signature-256": `sha256=${signature}`,
      },
    });
  }
}

/** The installation lookup and token a fresh service's forge costs once per repository. */
export function expectInstallation(gh: FakeGitHub): void {
  gh.installation(1);
  gh.installationToken();
}

/**
 * The GitHub calls of opening proposal `number` on `branch`: the default branch read once (its
 * head query also says no PR is open or was declined on the branch), one commit with an inline
 * tree, the ref, the PR, its labels.
 */
export function expectProposal(
  gh: FakeGitHub,
  branch: string,
  files: Record<string, string>,
  o: { number?: number; commit?: string; head?: string; tree?: string } = {},
): void {
  const n = o.number ?? 1;
  gh.snapshot(files, o.head ?? BASE_SHA, o.tree ?? TREE_SHA)
    .pulls(branch, [])
    .commit(o.commit ?? "c".repeat(40))
    .createRef()
    .openPull(n, branch)
    .issueUpdate(n);
}

/** The default branch's head only: the forge still holds the snapshot of this commit. */
export function expectHead(gh: FakeGitHub, commit = BASE_SHA, tree = TREE_SHA): void {
  gh.head(commit, tree);
}
