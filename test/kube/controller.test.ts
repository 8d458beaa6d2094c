import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SPEC_DEFAULTS } from "../../src/api/defaults.js";
import type { CostOptimization, CostOptimizationStatus } from "../../src/api/types.js";
import { outcomePending, type PassReport } from "../../src/gitops/lifecycle.js";
import { Controller } from "../../src/kube/controller.js";
import { KubeEventRecorder } from "../../src/kube/events.js";
import { FINALIZER } from "../../src/kube/finalizer.js";
import { HealthMonitor } from "../../src/kube/health.js";
import { KubePolicyInformer } from "../../src/kube/informer.js";
import { type OutcomeNote, readOutcome } from "../../src/kube/outcomes.js";
import { KubePolicyStore } from "../../src/kube/policy-store.js";
import type { PolicyReconciler, Trigger } from "../../src/kube/reconciler.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { createTelemetry } from "../../src/telemetry/metrics.js";
import { recommendation as fullRecommendation } from "../gitops/recommendation.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";
import { waitFor } from "../support/wait.js";
import { deployment } from "../support/workloads.js";

const G = ["costopt.dev", "v1", "costoptimizations"] as const;

function policy(name: string, namespace = "shop", spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name, namespace },
    spec: {
      targetWorkload: { name: "frontend", kind: "Deployment" },
      optimizationType: "CPU",
      ...SPEC_DEFAULTS,
      ...spec,
    },
  };
}

const recommendation = {
  optimizationType: "CPU" as const,
  currentCost: 40,
  optimizedCost: 25,
  monthlySavings: 15,
  confidenceScore: 0.9,
  riskLevel: "LOW" as const,
  changes: [{ container: "server", resource: "cpuRequest" as const, current: "500m", proposed: "250m" }],
};

/** The outcome note on the CR when it is not handled yet, as GitOpsReconciler reports it. */
function pendingNote(p: CostOptimization) {
  const note = readOutcome(p);
  return note && outcomePending(p.status, note) ? { type: "outcome" as const, note } : undefined;
}

/** Revert #8 of #7, as requestRollback reports it. */
const REVERT_OPENED: PassReport["rollback"] = {
  action: "opened",
  message: "opened",
  pullRequest: {
    number: 8,
    url: "https://github.com/acme/shop/pull/8",
    branch: "costopt/x-revert-7",
    state: "open",
  },
};

class FakeReconciler implements PolicyReconciler {
  calls: { name: string; trigger: Trigger; phaseSeen?: string }[] = [];
  finalized: string[] = [];
  forgotten: string[] = [];
  rollbacks: string[] = [];
  fail = 0;
  failWith?: Error;
  finalizeBehaviour: "ok" | "hang" = "ok";

  async reconcile(p: CostOptimization, trigger: Trigger) {
    this.calls.push({ name: p.metadata.name, trigger, phaseSeen: p.status?.phase });
    if (this.fail > 0) {
      this.fail--;
      throw this.failWith ?? new Error("prometheus unreachable");
    }
    const result: PassReport = {
      message: "dry run: recommendation ready",
      recommendation: fullRecommendation({ monthlySavings: 15 }),
      proposal: { action: "dry-run" },
      warnings: [],
    };
    return pendingNote(p) ?? { type: "pass" as const, result };
  }
  async finalize(p: CostOptimization): Promise<PassReport> {
    this.finalized.push(p.metadata.name);
    if (this.finalizeBehaviour === "hang") await new Promise(() => {});
    return { message: "closed", warnings: [], rollback: REVERT_OPENED };
  }
  forget(p: CostOptimization): void {
    this.forgotten.push(p.metadata.name);
  }
  async rollback(p: CostOptimization, reason: string): Promise<PassReport> {
    this.rollbacks.push(`${p.metadata.name}: ${reason}`);
    return { message: "opened #8 to revert #7", warnings: [], rollback: REVERT_OPENED };
  }
}

let api: FakeKubeApi;
let controller: Controller | undefined;
let reconciler: FakeReconciler;
let telemetry: ReturnType<typeof createTelemetry>;

async function startController(
  opts: {
    namespaces?: string[];
    resyncMs?: number;
    finalizerTimeoutMs?: number;
    rollbackRecheckMs?: number;
    rollbackTimeoutMs?: number;
    health?: HealthMonitor;
    reconciler?: PolicyReconciler;
  } = {},
) {
  const kube = kubeFor(api.url);
  telemetry = createTelemetry({ defaultMetrics: false });
  controller = new Controller({
    ...(opts.health ? { health: opts.health } : {}),
    kube,
    policies: new KubePolicyStore(kube),
    source: new KubePolicyInformer(kube, opts.namespaces ?? [], silentLogger, 100),
    reconciler: opts.reconciler ?? reconciler,
    events: new KubeEventRecorder(kube, silentLogger),
    telemetry,
    log: silentLogger,
    resyncMs: opts.resyncMs ?? 60_000,
    finalizerTimeoutMs: opts.finalizerTimeoutMs ?? 60_000,
    retryBaseMs: 50,
    rollbackRecheckMs: opts.rollbackRecheckMs ?? 100,
    ...(opts.rollbackTimeoutMs ? { rollbackTimeoutMs: opts.rollbackTimeoutMs } : {}),
  });
  await controller.start();
  return controller;
}

const status = (name: string, ns = "shop") =>
  api.get(...G, ns, name)?.status as CostOptimizationStatus | undefined;
const reasons = () =>
  api
    .list("", "v1", "events")
    .map((e) => (e as unknown as { reason: string }).reason)
    .sort();

beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
  reconciler = new FakeReconciler();
});
afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  await api.stop();
});

describe("the CostOptimization control loop", () => {
  it("takes a new policy through Analyzing to Ready with conditions, events and a finalizer", async () => {
    const seen: string[] = [];
    await startController();
    api.put(...G, policy("frontend"));
    const ready = await waitFor(
      () => (status("frontend")?.phase === "Ready" ? status("frontend") : undefined),
      "Ready",
    );
    for (const r of api.writes("/costoptimizations/frontend/status")) {
      seen.push((r.body as { status: { phase: string } }).status.phase);
    }
    expect(seen).toEqual(["Analyzing", "Ready"]);
    expect(ready.currentRecommendation?.monthlySavings).toBe(15);
    expect(ready.observedGeneration).toBe(1);
    expect(ready.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["Ready", "True"],
      ["Progressing", "False"],
      ["Degraded", "False"],
    ]);
    expect(api.get(...G, "shop", "frontend")?.metadata.finalizers).toEqual([FINALIZER]);
    await waitFor(() => reasons().length >= 2, "events");
    expect(reasons()).toEqual(["OptimizationCreated", "RecommendationReady"]);
    expect(reconciler.calls).toEqual([{ name: "frontend", trigger: "created", phaseSeen: "Analyzing" }]);
    expect(await telemetry.registry.getSingleMetricAsString("costopt_optimizations_created_total")).toMatch(
      / 1$/m,
    );
  });

  it("reconciles again on a spec change but not on status-only updates", async () => {
    await startController();
    api.put(...G, policy("frontend"));
    await waitFor(() => status("frontend")?.phase === "Ready", "Ready");
    await controller?.idle();
    api.put(...G, { ...policy("frontend"), status: { ...status("frontend"), message: "touched" } });
    // Events arrive in order: once a policy created after the status-only update is reconciled
    // and the queue is idle, any reconcile the update had caused would have run too.
    api.put(...G, policy("sentinel"));
    await waitFor(() => status("sentinel")?.phase === "Ready", "the later policy Ready");
    await controller?.idle();
    expect(reconciler.calls.map((c) => `${c.name} ${c.trigger}`)).toEqual([
      "frontend created",
      "sentinel created",
    ]);
    reconciler.calls = reconciler.calls.filter((c) => c.name === "frontend");
    api.put(...G, policy("frontend", "shop", { maxChangePercent: 20 }));
    await waitFor(() => status("frontend")?.observedGeneration === 2, "generation 2 observed");
    // observedGeneration is written before the reconciler runs: wait for the reconcile itself.
    await waitFor(() => reconciler.calls.length === 2, "the spec-changed reconcile");
    await controller?.idle();
    expect(reconciler.calls.map((c) => c.trigger)).toEqual(["created", "spec-changed"]);
  });

  it("reports a failure as Failed/Degraded with a Warning and retries with backoff until it succeeds", async () => {
    reconciler.fail = 2;
    await startController();
    api.put(...G, policy("frontend"));
    await waitFor(() => status("frontend")?.phase === "Failed", "Failed");
    const failed = status("frontend");
    expect(failed?.message).toBe("prometheus unreachable");
    expect(failed?.conditions?.find((c) => c.type === "Degraded")?.status).toBe("True");
    await waitFor(() => status("frontend")?.phase === "Ready", "Ready after retries");
    expect(reconciler.calls.map((c) => c.trigger)).toEqual(["created", "retry", "retry"]);
    expect(reasons()).toContain("OptimizationFailed");
    expect(await telemetry.registry.getSingleMetricAsString("costopt_optimizations_failed_total")).toMatch(
      /reason="ReconcileError"} 1/,
    );
  });

  it("on delete opens reverts through the reconciler, then releases the finalizer", async () => {
    await startController();
    api.put(...G, policy("frontend"));
    await waitFor(() => status("frontend")?.phase === "Ready", "Ready");
    await fetch(`${api.url}/apis/costopt.dev/v1/namespaces/shop/costoptimizations/frontend`, {
      method: "DELETE",
    });
    await waitFor(() => api.get(...G, "shop", "frontend") === undefined || undefined, "object gone");
    expect(reconciler.finalized).toEqual(["frontend"]);
    expect(reasons()).toEqual(expect.arrayContaining(["RollbackRequested", "OptimizationDeleted"]));
    // Once the object is gone, the reconciler forgets it (in serve: its dashboard row).
    await waitFor(() => reconciler.forgotten.includes("frontend") || undefined, "the policy forgotten");
    expect(reconciler.forgotten).toEqual(["frontend"]);
  });

  it("never blocks deletion: a revert that hangs is abandoned at the timeout with a Warning", async () => {
    reconciler.finalizeBehaviour = "hang";
    await startController({ finalizerTimeoutMs: 400 });
    api.put(...G, policy("frontend"));
    await waitFor(() => status("frontend")?.phase === "Ready", "Ready");
    await fetch(`${api.url}/apis/costopt.dev/v1/namespaces/shop/costoptimizations/frontend`, {
      method: "DELETE",
    });
    await waitFor(() => api.get(...G, "shop", "frontend") === undefined || undefined, "object gone");
    expect(reasons()).toEqual(expect.arrayContaining(["FinalizerTimeout", "OptimizationDeleted"]));
  });

  it("watches only WATCH_NAMESPACES when set", async () => {
    await startController({ namespaces: ["shop"] });
    api.put(...G, policy("a", "shop"));
    api.put(...G, policy("b", "payments"));
    api.put(...G, policy("c", "shop"));
    await waitFor(() => status("a")?.phase === "Ready" && status("c")?.phase === "Ready", "Ready in shop");
    await controller?.idle();
    expect(status("b", "payments")).toBeUndefined();
    expect(reconciler.calls.map((c) => c.name).sort()).toEqual(["a", "c"]);
    // Nothing was ever read from the unwatched namespace, so nothing from it can arrive later.
    expect(api.requests.some((r) => r.path.includes("/namespaces/payments/"))).toBe(false);
  });

  it("reconciles every policy again on the periodic resync", async () => {
    await startController({ resyncMs: 300 });
    api.put(...G, policy("frontend"));
    await waitFor(
      () => reconciler.calls.filter((c) => c.trigger === "periodic").length >= 1,
      "a periodic pass",
      3000,
    );
  });

  it("writes only its own objects: status, finalizers, events; never workloads", async () => {
    await startController();
    api.put(...G, policy("frontend"));
    await waitFor(() => status("frontend")?.phase === "Ready", "Ready");
    const paths = api.writes().map((w) => w.path.replace(/\?.*/, ""));
    expect(paths.length).toBeGreaterThan(3);
    expect(paths.every((p) => /\/costoptimizations\/|\/events$/.test(p))).toBe(true);
  });

  it("on a health regression opens the revert and keeps the phase until the revert is merged and live", async () => {
    const applied: CostOptimizationStatus = {
      phase: "Applied",
      message: "applied",
      observedGeneration: 1,
      currentRecommendation: recommendation,
      pullRequest: {
        number: 7,
        url: "https://github.com/acme/shop/pull/7",
        branch: "costopt/x",
        state: "merged",
      },
      appliedOptimizations: 1,
      totalSavings: 15,
    };
    const p = {
      ...policy("frontend", "shop", { dryRun: false }),
      metadata: { name: "frontend", namespace: "shop", generation: 1 },
    };
    api.put(...G, { ...p, status: applied });
    const c = await startController();
    await waitFor(() => reconciler.calls.length >= 1 || undefined, "the first pass");
    await c.idle();
    c.regression(
      api.get(...G, "shop", "frontend") as unknown as CostOptimization,
      "restarts rose by 5 (threshold 3)",
    );
    await waitFor(() => status("frontend")?.pullRequest?.number === 8 || undefined, "the revert in status");
    expect(reconciler.rollbacks).toEqual(["frontend: restarts rose by 5 (threshold 3)"]);
    expect(status("frontend")).toMatchObject({
      phase: "Applied",
      message: "opened #8 to revert #7",
      totalSavings: 15,
    });
    await waitFor(() => reasons().includes("RollbackRequested"), "RollbackRequested event");
    expect(reasons()).toEqual(expect.arrayContaining(["HealthRegression", "RollbackRequested"]));
    expect(reasons()).not.toContain("RolledBack");
    expect(await telemetry.registry.getSingleMetricAsString("costopt_rollbacks_total")).toMatch(/ 0$/m);
    expect(api.writes("/deployments")).toEqual([]);
  });

  it("counts a failure under the error's own reason", async () => {
    reconciler.fail = 1;
    reconciler.failWith = Object.assign(new Error("GitHub said 502"), { name: "HttpError", status: 502 });
    await startController();
    api.put(...G, policy("frontend"));
    await waitFor(() => status("frontend")?.phase === "Ready", "Ready after the retry");
    expect(await telemetry.registry.getSingleMetricAsString("costopt_optimizations_failed_total")).toMatch(
      /reason="GitHubAPIError"} 1/,
    );
  });

  it("a new leader resumes the post-merge watch of a change merged minutes ago, not of older ones", async () => {
    const applied = (lastApplied: string) => ({
      phase: "Applied",
      lastApplied,
      observedGeneration: 1,
      appliedOptimizations: 1,
      totalSavings: 15,
    });
    api.put(...G, { ...policy("recent"), status: applied(new Date(Date.now() - 5 * 60_000).toISOString()) });
    api.put(...G, { ...policy("old"), status: applied(new Date(Date.now() - 5 * 3600_000).toISOString()) });
    const health = new HealthMonitor({
      kube: kubeFor(api.url),
      thresholds: { windowMs: 30 * 60_000, throttlingRatio: 0.25, restartIncrease: 3 },
      intervalMs: 60_000,
      onRegression: () => {},
      log: silentLogger,
    });
    await startController({ health });
    expect(health.isTracking("shop/recent")).toBe(true);
    expect(health.isTracking("shop/old")).toBe(false);
  });
});

/**
 * Reconciles as GitOpsReconciler does: a pending pull request outcome (the annotation a webhook
 * wrote) becomes status first; otherwise a normal pass, which leaves the phase alone here.
 */
class OutcomeReconciler implements PolicyReconciler {
  outcomes: string[] = [];
  passes = 0;
  async reconcile(p: CostOptimization) {
    const o = pendingNote(p);
    if (o) {
      this.outcomes.push(`${o.note.kind} #${o.note.pullRequest}`);
      return o;
    }
    this.passes++;
    return { type: "pass" as const, result: { message: "nothing new to propose", warnings: [] } };
  }
  async finalize(): Promise<PassReport> {
    return { message: "closed", warnings: [] };
  }
  async rollback(): Promise<PassReport> {
    return { message: "nothing to revert", warnings: [] };
  }
}

describe("a revert merged before the GitOps controller synced it", () => {
  // Applied through #7, then a health regression opened revert #8 (status as rollbackPolicy leaves it).
  const revertOpen: CostOptimizationStatus = {
    phase: "Applied",
    message: "opened #8 to revert #7",
    observedGeneration: 1,
    currentRecommendation: recommendation,
    pullRequest: {
      number: 8,
      url: "https://github.com/acme/shop/pull/8",
      branch: "costopt/x-revert-1",
      state: "open",
    },
    appliedOptimizations: 1,
    totalSavings: 15,
  };
  const merged: OutcomeNote = {
    kind: "rolled-back",
    pullRequest: 8,
    revertOf: 7,
    repository: "acme/shop",
    monthlySavings: 15,
    at: new Date().toISOString(),
  };
  /** The CR as it is once the revert-merged webhook has annotated it. */
  const revertMerged = () => ({
    ...policy("frontend", "shop", { dryRun: false }),
    metadata: {
      name: "frontend",
      namespace: "shop",
      generation: 1,
      annotations: { "costopt.dev/outcome": JSON.stringify({ ...merged, at: new Date().toISOString() }) },
    },
    status: revertOpen,
  });
  const rolledBackEvents = () => reasons().filter((r) => r === "RolledBack").length;
  const statusWrites = () => api.writes("/costoptimizations/frontend/status").length;

  it("keeps the outcome pending through rechecks and reports RolledBack once, when the live spec has the originals", async () => {
    const r = new OutcomeReconciler();
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "250m" }));
    api.put(...G, revertMerged());
    const c = await startController({ reconciler: r });
    const waiting = await waitFor(
      () =>
        /waiting for the live workload/.test(status("frontend")?.message ?? "")
          ? status("frontend")
          : undefined,
      "the waiting status",
    );
    expect(waiting).toMatchObject({
      phase: "Applied",
      message:
        "revert #8 merged; waiting for the live workload to match the recorded originals (server requests.cpu: live 250m, expected 500m)",
      pullRequest: revertOpen.pullRequest,
      totalSavings: 15,
    });
    // Rechecks (and a periodic pass meanwhile) go through the outcome again, not a normal pass.
    const writes = statusWrites();
    await waitFor(() => statusWrites() >= writes + 2 || undefined, "two rechecks");
    c.enqueueAll("periodic");
    await waitFor(() => statusWrites() >= writes + 3 || undefined, "the periodic pass");
    expect(r.passes).toBe(0);
    expect(status("frontend")?.phase).toBe("Applied");
    expect(rolledBackEvents()).toBe(0);

    // Argo CD syncs the revert.
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "500m", generation: 2 }));
    const rolledBack = await waitFor(
      () => (status("frontend")?.phase === "RolledBack" ? status("frontend") : undefined),
      "RolledBack",
    );
    expect(rolledBack).toMatchObject({
      message: "revert #8 of #7 merged; the workload is back to its recorded originals",
      pullRequest: { ...revertOpen.pullRequest, state: "merged" },
      totalSavings: 0,
    });
    expect(rolledBack.conditions?.find((x) => x.type === "Degraded")?.status).toBe("True");
    // Afterwards normal passes run again and do not report it a second time.
    c.enqueueAll("periodic");
    await waitFor(() => r.passes >= 1 || undefined, "a normal pass");
    await c.idle();
    expect(status("frontend")?.phase).toBe("RolledBack");
    expect(rolledBackEvents()).toBe(1);
    expect(await telemetry.registry.getSingleMetricAsString("costopt_rollbacks_total")).toMatch(/ 1$/m);
    expect(api.writes("/deployments")).toEqual([]);
  });

  it("gives up after the rollback timeout: Failed and Degraded, saying what still differs", async () => {
    const r = new OutcomeReconciler();
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "250m" }));
    api.put(...G, revertMerged());
    const c = await startController({ reconciler: r, rollbackTimeoutMs: 300 });
    const failed = await waitFor(
      () => (status("frontend")?.phase === "Failed" ? status("frontend") : undefined),
      "Failed",
    );
    expect(failed.message).toMatch(
      /^revert #8 was merged \d+s ago, but the live workload still differs from the recorded originals \(server requests\.cpu: live 250m, expected 500m\); not reporting RolledBack/,
    );
    expect(failed.conditions?.find((x) => x.type === "Degraded")?.status).toBe("True");
    // The outcome is handled: no more rechecks; the next pass is a normal one.
    expect(failed.pullRequest).toEqual({ ...revertOpen.pullRequest, state: "merged" });
    c.enqueueAll("periodic");
    await waitFor(() => r.passes >= 1 || undefined, "a normal pass");
    expect(r.outcomes.every((o) => o === "rolled-back #8")).toBe(true);
    await waitFor(() => reasons().includes("OptimizationFailed"), "the Warning");
    expect(rolledBackEvents()).toBe(0);
    expect(await telemetry.registry.getSingleMetricAsString("costopt_optimizations_failed_total")).toMatch(
      /reason="RollbackNotLive"} 1/,
    );
    expect(await telemetry.registry.getSingleMetricAsString("costopt_rollbacks_total")).toMatch(/ 0$/m);
  });
});
