// Webhooks at the service's port: GitHub delivering the same merge five times at once (same
// X-GitHub-Delivery) has one effect; a delivery with a bad signature gets 401 and changes
// nothing — not the CR, not the ledger, and not the delivery id, which still goes through
// when GitHub sends it properly signed.

import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { type ProposalMetadata, withMetadata } from "../../src/gitops/metadata.js";
import { WEB } from "../app/shop.js";
import { pullRequestClosed } from "../fixtures/webhooks/index.js";
import { CR, expectInstallation, policySpec, SERVICE_METADATA_KEY } from "../support/costopt-service.js";
import { environment } from "./environment.js";

const env = environment();
// GitHub's pacing is not the subject here (see github.test.ts and the e2e test for it).
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).fastGitHub(await original()),
);
const R = "/spec/template/spec/containers/0/resources";
const META: ProposalMetadata = {
  v: 1,
  kind: "proposal",
  policy: "shop/web-cost",
  fingerprint: "f7c1afda4518c978",
  base: "a".repeat(40),
  head: "c".repeat(40),
  fields: [
    { path: "k8s/web.yaml", document: 0, pointer: `${R}/requests/cpu`, before: "500m", after: "250m" },
    { path: "k8s/web.yaml", document: 0, pointer: `${R}/limits/cpu`, before: "1", after: "500m" },
  ],
  createdFiles: [],
  proposed: { "app/cpuRequest": 250, "app/cpuLimit": 500 },
  monthlySavings: 17.3,
};
const MERGED = pullRequestClosed({
  number: 1,
  branch: "costopt/shop/web-cost",
  body: withMetadata("costopt proposes to right-size CPU.", META, SERVICE_METADATA_KEY),
  merged: true,
  mergeSha: "m".repeat(40),
});

/** The policy analysed in dry run (Ready), so a webhook is the only thing left to change it. */
beforeEach(async () => {
  const { gh, costopt } = env;
  expectInstallation(gh);
  gh.snapshot({ "k8s/web.yaml": WEB }).pulls(costopt.branch(), []);
  costopt.createPolicy(policySpec({ dryRun: true }));
  await costopt.waitForStatus("Ready", (s) => s.phase === "Ready");
  await costopt.service.idle();
});

describe("webhook deliveries", () => {
  it("the same merge delivered five times at once is applied once", async () => {
    const { costopt } = env;
    const id = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => costopt.deliver("pull_request", MERGED, { id })),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const applied = await costopt.waitForStatus("Applied", (s) => s.phase === "Applied");
    await costopt.service.idle();
    expect(applied).toMatchObject({ appliedOptimizations: 1, totalSavings: 17.3 });
    expect(costopt.status()).toMatchObject({ appliedOptimizations: 1, totalSavings: 17.3 });
    expect(await costopt.store.applied("shop/web-cost")).toHaveLength(1);
    // One outcome noted on the CR, one Event, one count.
    const notes = costopt.api
      .writes("/costoptimizations/web-cost")
      .filter((w) => JSON.stringify(w.body ?? {}).includes("costopt.dev/outcome"));
    expect(notes).toHaveLength(1);
    expect(costopt.reasons().filter((r) => r === "OptimizationApplied")).toHaveLength(1);
    expect(await costopt.metric("costopt_optimizations_applied_total")).toEqual([
      'costopt_optimizations_applied_total{optimization_type="CPU"} 1',
    ]);
  });

  it("a bad signature gets 401 and changes nothing; the genuine delivery still counts", async () => {
    const { costopt } = env;
    const id = randomUUID();
    const before = costopt.api.get(...CR, "shop", "web-cost");
    // Writes to the cluster other than the Lease renewals.
    const writes = () => costopt.api.writes().filter((w) => !w.path.includes("/leases/")).length;
    const writesBefore = writes();
    expect((await costopt.deliver("pull_request", MERGED, { id, secret: "not-the-secret" })).status).toBe(
      401,
    );
    const unsigned = await fetch(`http://127.0.0.1:${costopt.port}/api/github/webhooks`, {
      method: "POST",
      body: JSON.stringify(MERGED),
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": id,
      },
    });
    expect(unsigned.status).toBe(401);
    await costopt.service.idle();
    expect(costopt.api.get(...CR, "shop", "web-cost")).toEqual(before);
    expect(writes()).toBe(writesBefore);
    expect(await costopt.store.applied("shop/web-cost")).toEqual([]);

    expect((await costopt.deliver("pull_request", MERGED, { id })).status).toBe(200);
    await costopt.waitForStatus("Applied", (s) => s.phase === "Applied");
    expect(await costopt.store.applied("shop/web-cost")).toHaveLength(1);
  });

  it("a fork's merged PR from a costopt/ branch changes nothing and is counted", async () => {
    const { costopt } = env;
    const fork = pullRequestClosed({
      number: 7,
      branch: "costopt/shop/web-cost",
      body: withMetadata("costopt proposes to right-size CPU.", META, SERVICE_METADATA_KEY),
      merged: true,
      headRepo: "mallory/Hello-World",
    });
    const before = costopt.api.get(...CR, "shop", "web-cost");
    expect((await costopt.deliver("pull_request", fork)).status).toBe(200);
    await costopt.service.idle();
    expect(costopt.api.get(...CR, "shop", "web-cost")).toEqual(before);
    expect(await costopt.store.applied("shop/web-cost")).toEqual([]);
    expect(await costopt.metric("costopt_untrusted_events_total")).toEqual([
      'costopt_untrusted_events_total{reason="fork"} 1',
    ]);
  });
});
