// A discovered Git source (src/discovery) steers the locator to the files Argo CD or Flux reads,
// and reviewers see why in the PR body; the CR status carries it too.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { LocalForge } from "../../src/forge/local/index.js";
import { next } from "../../src/gitops/lifecycle.js";
import type { UsageSource } from "../../src/metrics/types.js";
import type { Recommender } from "../../src/recommend/recommender.js";
import { type GitSource, reconcile, snapshotIndex } from "../../src/reconcile.js";
import { MemoryStore } from "../../src/state/memory.js";
import { makeRepo, sh } from "../forge/local-repo.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { deploymentYaml } from "../support/workloads.js";
import { recommendation, SPEC } from "./recommendation.js";

const deployment = (cpu: string) =>
  deploymentYaml({
    replicas: 3,
    requests: { cpu, memory: "512Mi" },
    limits: { cpu: "1000m", memory: "512Mi" },
  });

// Two copies of the same workload: an old folder nobody deploys and the one Argo CD syncs.
const files = {
  "legacy/web.yaml": deployment("500m"),
  "apps/web/prod/web.yaml": deployment("500m"),
};

const policy: CostOptimization = {
  apiVersion: "costopt.dev/v1",
  kind: "CostOptimization",
  metadata: { name: "web-cost", namespace: "shop" },
  spec: SPEC,
};
const noUsage: UsageSource = { description: "test", usage: async () => new Map() };
const stub: Recommender = { name: "stub", recommend: async () => recommendation() };

const discovered: GitSource = {
  policySource: { path: "apps/web/prod", format: "manifest" },
  explanation:
    "Argo CD Application argocd/web (tracking-id) -> https://github.com/acme/deploy@main path apps/web/prod (Application source path)",
  warnings: ["the Application also syncs a Helm chart whose values are not in Git"],
  status: { origin: "argocd", path: "apps/web/prod" },
};

describe("a discovered Git source", () => {
  it("edits only the files the GitOps tool reads, says why in the PR body, and reports it in status", async () => {
    const dir = makeRepo(files);
    const forge = new LocalForge({ dir });
    const result = await reconcile(policy, {
      forge,
      store: new MemoryStore(),
      usage: noUsage,
      metadataKey: TEST_KEY,
      recommender: stub,
      source: discovered,
      now: () => new Date("2026-11-26T06:00:00Z"),
    });
    expect(result.proposal?.action).toBe("created");
    const changed = sh(dir, "diff", "--name-only", "main", "costopt/shop/web-cost").split("\n");
    expect(changed).toEqual(["apps/web/prod/web.yaml"]);
    expect(readFileSync(join(dir, "legacy/web.yaml"), "utf8")).toBe(files["legacy/web.yaml"]);

    const body = result.proposal?.body ?? "";
    expect(body).toContain(
      `### Where this change lands\n\n\`apps/web/prod/web.yaml\`: ${discovered.explanation}.`,
    );
    expect(body).toContain(`> [!WARNING]\n> ${discovered.warnings[0]}`);
    expect(result.warnings).toContain(discovered.warnings[0]);

    const { status } = next(undefined, { type: "pass", result }, new Date("2026-11-26T06:00:00Z"));
    expect(status.source).toEqual(discovered.status);
  });

  it("without discovery, two copies of the workload with the same values are edited together and the body says it searched", async () => {
    const dir = makeRepo(files);
    const result = await reconcile(policy, {
      forge: new LocalForge({ dir }),
      store: new MemoryStore(),
      usage: noUsage,
      metadataKey: TEST_KEY,
      recommender: stub,
      now: () => new Date("2026-11-26T06:00:00Z"),
    });
    expect(sh(dir, "diff", "--name-only", "main", "costopt/shop/web-cost").split("\n").sort()).toEqual([
      "apps/web/prod/web.yaml",
      "legacy/web.yaml",
    ]);
    expect(result.proposal?.body).toContain("found by searching branch main for the workload.");
    expect(result.source).toBeUndefined();
  });
});

describe("snapshotIndex", () => {
  it("indexes a snapshot once per repository, however many policies a pass reconciles", () => {
    const snapshot = {
      branch: "main",
      commitSha: "c".repeat(40),
      files: [{ path: "web.yaml", content: files["legacy/web.yaml"] }],
      skipped: [],
    };
    const first = snapshotIndex(snapshot, "acme/deploy");
    expect(snapshotIndex(snapshot, "acme/deploy")).toBe(first);
    expect(snapshotIndex(snapshot, "acme/other")).not.toBe(first);
    expect(snapshotIndex({ ...snapshot }, "acme/deploy")).not.toBe(first);
    expect(first.documents.map((d) => d.name)).toEqual(["web"]);
  });
});
