import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { assessHealth, HealthMonitor } from "../../src/kube/health.js";
import {
  getWorkload,
  type HealthSample,
  sampleHealth,
  specMismatches,
  type Workload,
} from "../../src/kube/workload.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { ManualClock } from "../support/clock.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";
import { deployment, pod } from "../support/workloads.js";

const thresholds = { windowMs: 60_000, throttlingRatio: 0.25, restartIncrease: 3 };
const base: HealthSample = { rolloutComplete: true, ready: true, restarts: 2, oomKills: 0 };

describe("assessing health after a change went live", () => {
  it("finds nothing when the workload behaves as before", () => {
    expect(assessHealth(base, { ...base, restarts: 4, throttling: 0.1 }, thresholds, 0)).toEqual([]);
  });
  it("reports OOM kills, a restart rise, throttling and lost readiness", () => {
    const out = assessHealth(
      base,
      { rolloutComplete: true, ready: false, restarts: 6, oomKills: 1, throttling: 0.4 },
      thresholds,
      2,
    );
    expect(out).toEqual([
      "1 container(s) OOM-killed since the change went live",
      "restarts rose by 4 (threshold 3)",
      "CPU throttling 40% above the 25% threshold",
      "the workload lost readiness",
    ]);
  });
  it("does not call one not-ready sample a regression", () => {
    expect(assessHealth(base, { ...base, ready: false }, thresholds, 1)).toEqual([]);
  });
});

describe("comparing the live spec with recorded values", () => {
  const w = deployment({ name: "frontend", cpu: "0.5", memory: "256Mi", replicas: 3 }) as unknown as Workload;
  it("treats equal quantities in other spellings as equal", () => {
    const changes = [
      { container: "server", resource: "cpuRequest" as const, current: "500m", proposed: "250m" },
      { container: "server", resource: "memoryRequest" as const, current: "268435456", proposed: "128Mi" },
      { container: "", resource: "replicas" as const, current: "3", proposed: "2" },
    ];
    expect(specMismatches(w, changes, "current")).toEqual([]);
    expect(specMismatches(w, changes, "proposed")).toEqual([
      "server requests.cpu: live 0.5, expected 250m",
      "server requests.memory: live 256Mi, expected 128Mi",
      "replicas: live 3, expected 2",
    ]);
  });
});

describe("sampling a live workload", () => {
  let api: FakeKubeApi;
  beforeEach(async () => {
    api = new FakeKubeApi();
    await api.start();
  });
  afterEach(() => api.stop());

  it("counts the pods its selector's expressions pick, not its neighbours'", async () => {
    const web = deployment({ name: "web" });
    web.spec.selector = {
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "track", operator: "NotIn", values: ["canary"] }],
    } as typeof web.spec.selector;
    api.put("apps", "v1", "deployments", web);
    const stable = pod({ name: "web-1", app: "web", restarts: 2, oomKilled: true });
    const canary = pod({ name: "web-canary", app: "web", restarts: 9, oomKilled: true });
    canary.metadata.labels = { app: "web", track: "canary" } as typeof canary.metadata.labels;
    api.put("", "v1", "pods", stable);
    api.put("", "v1", "pods", canary);
    const kube = kubeFor(api.url);
    const ref = { namespace: "shop", kind: "Deployment" as const, name: "web" };
    const live = await getWorkload(kube, ref);
    if (!live) throw new Error("web not read");
    expect(await sampleHealth(kube, ref, live)).toEqual({
      rolloutComplete: true,
      ready: true,
      restarts: 2,
      oomKills: 1,
    });
  });

  it("calls a CronJob rolled out and ready: it has no replicas to wait for", async () => {
    api.put("batch", "v1", "cronjobs", {
      metadata: { name: "report", namespace: "batch" },
      spec: {
        schedule: "0 2 * * *",
        jobTemplate: { spec: { template: { spec: { containers: [{ name: "report", image: "r:1" }] } } } },
      },
    });
    const kube = kubeFor(api.url);
    const ref = { namespace: "batch", kind: "CronJob" as const, name: "report" };
    const live = await getWorkload(kube, ref);
    expect(live?.kind).toBe("CronJob");
    expect(await sampleHealth(kube, ref, live as Workload)).toMatchObject({
      rolloutComplete: true,
      ready: true,
    });
  });
});

describe("the post-merge health monitor", () => {
  let api: FakeKubeApi;
  beforeEach(async () => {
    api = new FakeKubeApi();
    await api.start();
  });
  afterEach(() => api.stop());

  const applied = {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name: "frontend", namespace: "shop" },
    spec: { targetWorkload: { name: "frontend", kind: "Deployment" }, rollbackOnFailure: true },
    status: {
      phase: "Applied",
      appliedOptimizations: 1,
      totalSavings: 15,
      currentRecommendation: {
        changes: [{ container: "server", resource: "cpuRequest", current: "500m", proposed: "250m" }],
      },
    },
  } as unknown as CostOptimization;

  async function monitor(regressions: string[], now?: () => number) {
    const kube = kubeFor(api.url);
    return new HealthMonitor({
      kube,
      thresholds,
      intervalMs: 1000,
      log: silentLogger,
      onRegression: (p, reason) => regressions.push(`${p.metadata.name}: ${reason}`),
      ...(now ? { now } : {}),
    });
  }

  it("a watch resumed by a new leader ends when the original window would have, not a window after the handover", async () => {
    const clock = new ManualClock();
    const m = await monitor([], clock.now);
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "250m" }));
    const fresh = { ...applied, metadata: { name: "fresh", namespace: "shop" } } as CostOptimization;
    // Merged half a window before this replica became leader; fresh was merged just now.
    m.track(applied, clock.now() - thresholds.windowMs / 2);
    m.track(fresh);
    await m.checkAll();
    clock.advance(thresholds.windowMs * 0.6);
    await m.checkAll();
    expect(m.isTracking("shop/frontend")).toBe(false);
    expect(m.isTracking("shop/fresh")).toBe(true);
  });

  it("waits until the change is live, then reports a new OOM kill once", async () => {
    const regressions: string[] = [];
    const m = await monitor(regressions);
    // Argo CD has not synced yet: the live template still has the old value.
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "500m" }));
    api.put("", "v1", "pods", pod({ name: "frontend-1", app: "frontend" }));
    m.track(applied);
    await m.checkAll();
    api.put("", "v1", "pods", pod({ name: "frontend-1", app: "frontend", oomKilled: true }));
    await m.checkAll();
    expect(regressions).toEqual([]); // not live, so no baseline yet and nothing to judge
    // Synced and rolled out: this is the baseline (the OOM kill above predates it).
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "250m" }));
    await m.checkAll();
    api.put("", "v1", "pods", pod({ name: "frontend-2", app: "frontend", oomKilled: true }));
    await m.checkAll();
    await m.checkAll();
    expect(regressions).toEqual(["frontend: 1 container(s) OOM-killed since the change went live"]);
    expect(m.isTracking("shop/frontend")).toBe(false);
  });

  it("reports lost readiness only after two checks in a row", async () => {
    const regressions: string[] = [];
    const m = await monitor(regressions);
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "250m" }));
    m.track(applied);
    await m.checkAll();
    api.put("apps", "v1", "deployments", deployment({ name: "frontend", cpu: "250m", ready: 1 }));
    await m.checkAll();
    expect(regressions).toEqual([]);
    await m.checkAll();
    expect(regressions).toEqual(["frontend: the workload lost readiness"]);
  });
});
