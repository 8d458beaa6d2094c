// The whole lifecycle through `costopt serve`'s parts: the Kubernetes API test double holds the
// CR, nock stands in for GitHub, the merge arrives as a signed webhook on the service's port.
// create -> Analyzing -> Ready (dry run) -> dryRun: false -> PR opened, Applying -> merged ->
// Applied with counters -> deleted -> revert PR opened, finalizer released.

import { createHmac, generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CostOptimizationStatus } from "../../src/api/types.js";
import { loadConfig } from "../../src/config.js";
import { parseMetadata } from "../../src/gitops/metadata.js";
import { KubePolicyStore } from "../../src/kube/policy-store.js";
import type { UsageSource } from "../../src/metrics/types.js";
import { createGitHub } from "../../src/server/github.js";
import { GitOpsReconciler } from "../../src/server/gitops-reconciler.js";
import { Service } from "../../src/server/service.js";
import { MemoryStore } from "../../src/state/memory.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { createTelemetry } from "../../src/telemetry/metrics.js";
import { FakeGitHub } from "../app/github.js";
import { WEB } from "../app/shop.js";
import { pullRequestClosed, REPOSITORY } from "../fixtures/webhooks/index.js";
import { TestOctokit } from "../forge/octokit.js";
import { recommendation, SPEC } from "../gitops/recommendation.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { waitFor } from "../support/wait.js";

const SECRET = "webhook-secret";
const BRANCH = "costopt/shop/web-cost";
const REVERT = `${BRANCH}-revert-1`;
const G = ["costopt.dev", "v1", "costoptimizations"] as const;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const noUsage: UsageSource = { description: "test", usage: async () => new Map() };

let api: FakeKubeApi;
let gh: FakeGitHub;
let service: Service;
let port: number;

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  gh = new FakeGitHub();
  api = new FakeKubeApi();
  await api.start();
  const kube = kubeFor(api.url);
  const telemetry = createTelemetry({ defaultMetrics: false });
  const store = new MemoryStore();
  const github = await createGitHub({
    appId: 123,
    privateKey,
    webhookSecret: SECRET,
    metadataKey: TEST_KEY,
    store,
    policies: new KubePolicyStore(kube),
    telemetry,
    log: silentLogger,
    reevaluateAll: () => service.reevaluateAll(),
    Octokit: TestOctokit,
  });
  const reconciler = new GitOpsReconciler({
    forgeFor: github.forgeFor,
    store,
    usage: noUsage,
    metadataKey: TEST_KEY,
    extra: { recommender: { name: "stub", recommend: async () => recommendation() } },
  });
  const config = { ...loadConfig({ POD_NAME: "pod-a" }), port: 0, leaseRenewSeconds: 0.2 };
  service = new Service({
    config,
    kube,
    reconciler,
    webhooks: github.webhooks,
    telemetry,
    log: silentLogger,
    admission: false,
  });
  port = (await service.start()).port;
  await waitFor(() => service.isLeader, "leadership");
});

afterEach(async () => {
  await service.stop();
  await api.stop();
  expect(gh.scope.pendingMocks()).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

const status = () => api.get(...G, "shop", "web-cost")?.status as CostOptimizationStatus | undefined;
const reasons = () => api.list("", "v1", "events").map((e) => (e as unknown as { reason: string }).reason);
const metric = async (name: string) =>
  (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
    .split("\n")
    .filter((l) => l.startsWith(name));

function patchSpec(spec: Record<string, unknown>) {
  return fetch(`${api.url}/apis/costopt.dev/v1/namespaces/shop/costoptimizations/web-cost`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json" },
    body: JSON.stringify({ spec }),
  });
}

function deliver(name: string, payload: unknown) {
  const body = JSON.stringify(payload);
  return fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": name,
      "x-github-delivery": `delivery-${Math.random()}`,
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
  });
}

describe("a CostOptimization from creation to deletion", () => {
  it("goes Analyzing -> Ready -> Applying -> Applied, and is reverted and released on delete", async () => {
    // 1. Created in dry run: analysed, recommendation in status, nothing written to GitHub.
    gh.installation(1);
    gh.installationToken();
    gh.snapshot({ "k8s/web.yaml": WEB }).pulls(BRANCH, []);
    api.put(...G, {
      apiVersion: "costopt.dev/v1",
      kind: "CostOptimization",
      metadata: { name: "web-cost", namespace: "shop" },
      spec: { ...SPEC, dryRun: true, source: { repository: REPOSITORY.fullName } },
    });
    const ready = await waitFor(() => (status()?.phase === "Ready" ? status() : undefined), "Ready");
    const phases = api
      .writes("/web-cost/status")
      .map((w) => (w.body as { status: { phase: string } }).status.phase);
    expect(phases).toEqual(["Analyzing", "Ready"]);
    expect(ready.currentRecommendation).toMatchObject({
      optimizationType: "ALL",
      monthlySavings: 40.25,
      changes: expect.arrayContaining([
        { container: "app", resource: "cpuRequest", current: "500m", proposed: "250m" },
      ]),
    });
    expect(gh.rest.filter((r) => !r.startsWith("GET"))).toEqual(["POST /app/installations/1/access_tokens"]);

    // 2. dryRun: false -> the proposal is opened and the policy is Applying with the PR.
    // The default branch moved on meanwhile (the forge caches a snapshot per head commit).
    gh.snapshot({ "k8s/web.yaml": WEB }, "1".repeat(40), "2".repeat(40)).pulls(BRANCH, []);
    gh.commit("c".repeat(40)).createRef();
    gh.openPull(1, BRANCH).issueUpdate(1);
    await patchSpec({ dryRun: false });
    const applying = await waitFor(() => (status()?.phase === "Applying" ? status() : undefined), "Applying");
    expect(applying.pullRequest).toEqual({
      number: 1,
      url: "https://github.com/Codertocat/Hello-World/pull/1",
      branch: BRANCH,
      state: "open",
    });
    expect(applying.observedGeneration).toBe(2);
    const prBody = gh.bodies("createPull")[0]?.body as string;

    // 3. The merge webhook -> Applied, with the counters and metrics.
    const res = await deliver(
      "pull_request",
      pullRequestClosed({ number: 1, branch: BRANCH, body: prBody, merged: true }),
    );
    expect(res.status).toBe(200);
    const applied = await waitFor(() => (status()?.phase === "Applied" ? status() : undefined), "Applied");
    expect(applied).toMatchObject({ appliedOptimizations: 1, totalSavings: 40.25 });
    expect(applied.pullRequest?.state).toBe("merged");
    expect(applied.lastApplied).toBeDefined();
    expect(applied.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    // The post-merge health watch runs: the dashboard shows the row as merged and watching.
    await waitFor(() => service.isWatching("shop/web-cost") || undefined, "the post-merge watch");
    // Status is visible to kubectl a moment before the service has counted it.
    await waitFor(
      async () => (await metric("costopt_optimizations_applied_total")).length > 0 || undefined,
      "count",
    );
    expect(await metric("costopt_optimizations_applied_total")).toEqual([
      'costopt_optimizations_applied_total{optimization_type="ALL"} 1',
    ]);
    expect(await metric("costopt_total_monthly_savings_usd")).toEqual([
      "costopt_total_monthly_savings_usd 40.25",
    ]);
    expect(await metric("costopt_pull_requests_total")).toEqual([
      'costopt_pull_requests_total{state="opened"} 1',
      'costopt_pull_requests_total{state="merged"} 1',
    ]);

    // 4. Deleted -> the revert PR is opened, then the finalizer is released and the CR is gone.
    const merged = { number: 1, branch: BRANCH, body: prBody, state: "closed" as const, merged: true };
    const after = WEB.replace("cpu: 500m", "cpu: 250m").replace(/memory: 512Mi/g, "memory: 384Mi");
    // Deletion: no open proposal to close; the merged one is found, and no revert exists yet.
    gh.openCount([]).history(BRANCH, [merged]).history(REVERT, []);
    const own = parseMetadata(prBody, TEST_KEY);
    gh.proposalCommit({
      head: own?.head as string,
      base: own?.base as string,
      message: gh.bodies("commit")[0]?.message,
      files: { "k8s/web.yaml": [WEB, after] },
    });
    gh.snapshot({ "k8s/web.yaml": after }, "f".repeat(40), "3".repeat(40))
      .commit("r".repeat(40))
      .createRef()
      .openPull(2, REVERT)
      .issueUpdate(2);
    gh.updatePull(1, BRANCH).comment(1);
    await fetch(`${api.url}/apis/costopt.dev/v1/namespaces/shop/costoptimizations/web-cost`, {
      method: "DELETE",
    });
    await waitFor(() => api.get(...G, "shop", "web-cost") === undefined || undefined, "the CR to be gone");
    expect(gh.treeFiles(1)).toEqual({ "k8s/web.yaml": WEB });
    expect(gh.bodies("createPull")[1]).toMatchObject({ head: REVERT, base: "master" });
    await waitFor(() => reasons().includes("OptimizationDeleted") || undefined, "the deletion event");
    // The informer's delete ends the watch, a moment after the API server forgot the object.
    await waitFor(
      () => !service.isWatching("shop/web-cost") || undefined,
      "the watch to end with the policy",
    );
    expect(reasons()).toEqual([
      "OptimizationCreated",
      "RecommendationReady",
      "PullRequestOpened",
      "OptimizationApplied",
      "RollbackRequested",
      "OptimizationDeleted",
    ]);
    // Only costopt's own objects were written in the cluster.
    const paths = api.writes().map((w) => w.path.replace(/\?.*/, ""));
    expect(paths.every((p) => /\/costoptimizations\/web-cost|\/events$|\/leases/.test(p))).toBe(true);
  });
});
