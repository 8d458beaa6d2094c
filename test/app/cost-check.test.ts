// The costopt/cost check on pull requests costopt did not open, driven by GitHub's own webhook
// examples with nock standing in for GitHub and every exchange checked against GitHub's REST and
// GraphQL descriptions: a raise, a cut, a pull request that touches no workload (counted requests,
// no usage query), a Kustomize overlay's patch, and costCheck.failAbove.

import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { costoptApp } from "../../src/app.js";
import type { UsageSource, WorkloadRef, WorkloadUsage } from "../../src/metrics/types.js";
import { workloadKey } from "../../src/metrics/types.js";
import { MemoryStore } from "../../src/state/memory.js";
import { pullRequestChanged } from "../fixtures/webhooks/pull-request-changed.js";
import { TestOctokit } from "../forge/octokit.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { FakeGitHub } from "./github.js";
import { WEB } from "./shop.js";

const NOW = new Date("2026-11-26T06:00:00Z");
const HEAD = "9".repeat(40);
const Mi = 2 ** 20;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/** What Prometheus would say: app uses 300m CPU at p95 (450m max) and 300Mi (340Mi max). */
function usageOf(asked: WorkloadRef[][]): UsageSource {
  return {
    description: "prometheus http://127.0.0.1:9090",
    usage: async (refs) => {
      asked.push(refs);
      return new Map(
        refs.map((w) => [
          workloadKey(w),
          {
            workload: w,
            window: { start: 0, end: 1 },
            stepSeconds: 300,
            containers: [
              {
                container: "app",
                cpu: { p50: 200, p90: 280, p95: 300, p99: 400, max: 450 },
                memory: { p95: 300 * Mi, max: 340 * Mi },
                samples: 2016,
                coverage: 1,
                oomKills: 0,
                restarts: 0,
              },
            ],
            profile: { cpu: [], replicas: [] },
          } satisfies WorkloadUsage,
        ]),
      );
    },
  };
}

let gh: FakeGitHub;
let probot: Probot;
let asked: WorkloadRef[][];

beforeEach(() => {
  nock.disableNetConnect();
  gh = new FakeGitHub();
  asked = [];
  probot = new Probot({ appId: 123, privateKey, secret: "s", Octokit: TestOctokit, logLevel: "fatal" });
  probot.load(
    costoptApp({
      store: new MemoryStore(),
      metadataKey: TEST_KEY,
      resolvePolicy: async () => undefined,
      now: () => NOW,
      costCheck: { usage: usageOf(asked) },
    }),
  );
});
afterEach(() => {
  expect(gh.scope.pendingMocks()).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

const opened = (branch = "raise-cpu", action: "opened" | "synchronize" = "opened") =>
  probot.receive({
    id: `d-${Math.random()}`,
    name: "pull_request",
    payload: pullRequestChanged({ action, number: 9, branch, headSha: HEAD }),
  } as never);

/** The base branch read, the changed files at the head, the settings, and the check run. */
function expectRead(base: Record<string, string>, head: Record<string, string | null>, config?: string) {
  gh.installationToken().pullRequestFiles(9, Object.keys(head), HEAD).repoConfig(config);
  gh.snapshot(base).filesAt(HEAD, head).checkRun();
}

function sentCheck() {
  const [run] = gh.bodies("checkRun");
  return run as {
    name: string;
    head_sha: string;
    status: string;
    conclusion: string;
    output: { title: string; summary: string };
  };
}

describe("the costopt/cost check", () => {
  it("shows a raise of CPU requests against usage, neutral by default", async () => {
    expectRead(
      { "k8s/web.yaml": WEB },
      { "k8s/web.yaml": WEB.replace("cpu: 500m # sized in 2024", "cpu: 4") },
    );
    await opened();
    const run = sentCheck();
    expect(run).toMatchObject({
      name: "costopt/cost",
      head_sha: HEAD,
      status: "completed",
      conclusion: "neutral",
    });
    // 3 pods of 0.5 core + 512Mi, then of 4 cores + 512Mi, at OpenCost's default prices.
    expect(run.output.title).toBe("Raises the monthly cost by $242");
    expect(run.output.summary).toContain("| `shop/Deployment/web` | $39.25 -> $282 | +$242 |");
    expect(run.output.summary).toContain("| `app` | CPU request | 500m -> 4 | 300m / 450m |");
    expect(run.output.summary).toContain(
      "- This raises the CPU request of `app` to 4 while p95 usage is 300m (max 450m).",
    );
    expect(asked).toEqual([[{ kind: "Deployment", namespace: "shop", name: "web" }]]);
  });

  it("shows a cut below usage as a risk, and never fails a saving", async () => {
    const cut = WEB.replace("cpu: 500m # sized in 2024", "cpu: 250m").replace(
      /memory: 512Mi/g,
      "memory: 256Mi",
    );
    expectRead({ "k8s/web.yaml": WEB }, { "k8s/web.yaml": cut }, "costCheck:\n  failAbove: 0\n");
    await opened("cheaper", "synchronize");
    const run = sentCheck();
    expect(run.conclusion).toBe("neutral");
    expect(run.output.title).toMatch(/^Lowers the monthly cost by \$/);
    expect(run.output.summary).toContain("| `app` | memory request | 512Mi -> 256Mi | 300Mi / 340Mi |");
    expect(run.output.summary).toContain(
      "- This lowers the CPU request of `app` to 250m while p95 usage is 300m (max 450m): expect throttling.",
    );
    expect(run.output.summary).toContain(
      "- This lowers the memory request of `app` to 256Mi while p95 usage is 300Mi (max 340Mi): expect memory pressure or OOM kills.",
    );
  });

  it("fails an increase above costCheck.failAbove", async () => {
    const more = WEB.replace("replicas: 3", "replicas: 6");
    expectRead({ "k8s/web.yaml": WEB }, { "k8s/web.yaml": more }, "costCheck:\n  failAbove: 25\n");
    await opened("scale-out");
    const run = sentCheck();
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("Replicas 3 -> 6.");
    expect(run.output.summary).toContain(
      "It fails because the increase is above costCheck.failAbove ($25.00/mo).",
    );
  });

  it("costs two requests and no usage query for a pull request that changes no YAML", async () => {
    gh.installationToken().pullRequestFiles(9, ["README.md", "src/main.go"], HEAD).checkRun();
    await opened("docs");
    expect(sentCheck()).toMatchObject({
      conclusion: "neutral",
      output: { title: "No workload cost change" },
    });
    expect(gh.rest.filter((r) => !r.includes("access_tokens"))).toEqual([
      "GET /repos/Codertocat/Hello-World/pulls/9/files",
      "POST /repos/Codertocat/Hello-World/check-runs",
    ]);
    expect(gh.all).toHaveLength(3);
    expect(asked).toEqual([]);
  });

  it("queries no usage when the YAML it changes sets no workload's resources", async () => {
    const cm =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\ndata:\n  level: info\n";
    expectRead(
      { "k8s/web.yaml": WEB, "k8s/config.yaml": cm },
      { "k8s/config.yaml": cm.replace("info", "debug") },
    );
    await opened("log-level");
    expect(sentCheck().output.title).toBe("No workload cost change");
    expect(asked).toEqual([]);
  });

  it("finds the workload a Kustomize overlay patch changes, and only in that overlay", async () => {
    const base = {
      "base/deployment.yaml": WEB.replace("  namespace: shop\n", ""),
      "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
      "overlays/prod/kustomization.yaml":
        "namespace: shop\nresources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n",
      "overlays/prod/replicas.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n",
      "overlays/dev/kustomization.yaml": "namespace: shop-dev\nresources:\n  - ../../base\n",
    };
    expectRead(base, {
      "overlays/prod/replicas.yaml": base["overlays/prod/replicas.yaml"].replace(
        "replicas: 4",
        "replicas: 8",
      ),
    });
    await opened("prod-scale");
    const run = sentCheck();
    expect(run.output.summary).toContain("Replicas 4 -> 8.");
    expect(run.output.summary).toContain("| `shop/Deployment/web` | $52.34 -> $105 | +$52.34 |");
    expect(run.output.summary).not.toContain("shop-dev");
    expect(asked).toEqual([[{ kind: "Deployment", namespace: "shop", name: "web" }]]);
  });

  it("leaves costopt's own proposals alone", async () => {
    await opened("costopt/shop/web-cost");
    expect(gh.all).toEqual([]);
  });
});
