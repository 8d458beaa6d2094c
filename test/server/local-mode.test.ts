// Local mode: policies from the Git repository (here a loader over an in-memory list standing in
// for the repository snapshot), no cluster: the same control loop reconciles them, status is
// served at /policies, and a webhook's outcome note reaches the loop as with CRs.

import { afterEach, describe, expect, it } from "vitest";
import { SPEC_DEFAULTS } from "../../src/api/defaults.js";
import type { CostOptimization } from "../../src/api/types.js";
import { loadConfig } from "../../src/config.js";
import type { PassReport } from "../../src/gitops/lifecycle.js";
import { annotateOutcome } from "../../src/kube/outcomes.js";
import type { PolicyReconciler, Trigger } from "../../src/kube/reconciler.js";
import { GitOpsReconciler } from "../../src/server/gitops-reconciler.js";
import { LocalPolicies } from "../../src/server/local-policies.js";
import { Service } from "../../src/server/service.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { waitFor } from "../support/wait.js";

const policy = (name: string, spec: Record<string, unknown> = {}) =>
  ({
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name, namespace: "shop" },
    spec: {
      targetWorkload: { name, kind: "Deployment" },
      optimizationType: "CPU",
      ...SPEC_DEFAULTS,
      ...spec,
    },
  }) as CostOptimization;

class Fake implements PolicyReconciler {
  readonly calls: string[] = [];
  readonly outcomes = new GitOpsReconciler({
    forgeFor: async () => ({ error: "unused" }),
    store: undefined as never,
    usage: undefined as never,
    metadataKey: undefined as never,
  });
  async reconcile(p: CostOptimization, trigger: Trigger) {
    this.calls.push(`${p.metadata.name}:${trigger}`);
    // Outcome notes are turned into status by the GitOps reconciler before any pass runs.
    if (trigger === "webhook") return this.outcomes.reconcile(p);
    const result: PassReport = {
      message: "proposal open",
      proposal: { action: "created" },
      warnings: [],
      pullRequest: {
        number: 4,
        url: "https://github.com/acme/deploy/pull/4",
        branch: "costopt/shop/web",
        state: "open",
      },
    };
    return { type: "pass" as const, result };
  }
  async finalize(): Promise<PassReport> {
    return { message: "closed", warnings: [] };
  }
  async rollback(): Promise<PassReport> {
    return { message: "revert opened", warnings: [] };
  }
}

let service: Service | undefined;
afterEach(() => service?.stop());

describe("local mode (policies from the repository, no cluster)", () => {
  it("reconciles repository policies with the same loop and serves their status", async () => {
    let inRepo = [policy("web")];
    const local = new LocalPolicies(async () => ({ policies: inRepo, problems: [] }), 60_000, silentLogger);
    const reconciler = new Fake();
    const config = {
      ...loadConfig({ POLICY_SOURCE: "repository", DEFAULT_REPOSITORY: "acme/deploy" }),
      port: 0,
    };
    service = new Service({ config, local, reconciler, log: silentLogger });
    const { port, admissionPort } = await service.start();
    expect(admissionPort).toBeUndefined();
    const statuses = async () =>
      ((await (await fetch(`http://127.0.0.1:${port}/policies`)).json()) as { items: CostOptimization[] })
        .items;

    await waitFor(async () => (await statuses())[0]?.status?.phase === "Applying" || undefined, "Applying");
    expect((await statuses())[0]?.status?.pullRequest?.number).toBe(4);

    // A merge webhook on this instance notes the outcome; the loop turns it into Applied.
    await annotateOutcome(
      local,
      { namespace: "shop", name: "web" },
      {
        kind: "applied",
        pullRequest: 4,
        repository: "acme/deploy",
        monthlySavings: 12.5,
        at: "2026-11-26T07:00:00Z",
      },
    );
    await waitFor(async () => (await statuses())[0]?.status?.phase === "Applied" || undefined, "Applied");
    expect((await statuses())[0]?.status).toMatchObject({ appliedOptimizations: 1, totalSavings: 12.5 });

    // A changed file is a new generation; a removed one is gone.
    inRepo = [policy("web", { maxChangePercent: 20 }), policy("api")];
    await local.refresh();
    await waitFor(() => reconciler.calls.includes("api:created") || undefined, "the new policy");
    expect(reconciler.calls).toContain("web:spec-changed");
    inRepo = [policy("api")];
    await local.refresh();
    expect((await statuses()).map((p) => p.metadata.name)).toEqual(["api"]);
  });
});
