import https from "node:https";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SPEC_DEFAULTS } from "../../src/api/defaults.js";
import type { CostOptimization } from "../../src/api/types.js";
import { loadConfig } from "../../src/config.js";
import type { PassReport } from "../../src/gitops/lifecycle.js";
import type { PolicyReconciler } from "../../src/kube/reconciler.js";
import { Service } from "../../src/server/service.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";
import { selfSignedCert } from "../support/tls.js";
import { waitFor } from "../support/wait.js";

const G = ["costopt.dev", "v1", "costoptimizations"] as const;

class CountingReconciler implements PolicyReconciler {
  constructor(
    readonly who: string,
    readonly log: string[],
  ) {}
  async reconcile(p: CostOptimization) {
    this.log.push(`${this.who}:${p.metadata.name}`);
    return {
      type: "pass" as const,
      result: { message: `by ${this.who}`, proposal: { action: "none" as const }, warnings: [] },
    };
  }
  async finalize(): Promise<PassReport> {
    return { message: "closed", warnings: [] };
  }
  async rollback(): Promise<PassReport> {
    return { message: "revert opened", warnings: [] };
  }
}

let api: FakeKubeApi;
let services: Service[] = [];
const tls = selfSignedCert();

beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
  services = [];
});
afterEach(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await api.stop();
});

async function service(name: string, log: string[], admission = false, leaseDurationSeconds = 1) {
  const config = {
    ...loadConfig({ POD_NAME: name, TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile }),
    port: 0,
    admissionPort: 0,
    leaseDurationSeconds,
    leaseRenewSeconds: 0.1,
  };
  const s = new Service({
    config,
    kube: kubeFor(api.url, name),
    reconciler: new CountingReconciler(name, log),
    log: silentLogger,
    admission,
  });
  services.push(s);
  return { s, ...(await s.start()) };
}

const policy = (name: string) => ({
  apiVersion: "costopt.dev/v1",
  kind: "CostOptimization",
  metadata: { name, namespace: "shop" },
  spec: { targetWorkload: { name, kind: "Deployment" }, optimizationType: "CPU", ...SPEC_DEFAULTS },
});

const leaseReads = (client: string) =>
  api.requests.filter((r) => r.client === client && r.method === "GET" && r.path.includes("/leases/")).length;
const policyReads = (client: string) =>
  api.requests.filter((r) => r.client === client && r.path.includes("/costoptimizations")).length;

describe("two service instances", () => {
  it("only the Lease holder reconciles; the other takes over when the lease expires", async () => {
    const log: string[] = [];
    const a = await service("pod-a", log);
    await waitFor(() => a.s.isLeader, "pod-a to lead");
    const b = await service("pod-b", log);
    api.put(...G, policy("frontend"));
    await waitFor(() => log.length === 1 || undefined, "one reconcile");
    // pod-b keeps competing for the Lease (three more attempts after the reconcile) and, not
    // holding it, has never listed or watched a policy: it cannot reconcile what it never saw.
    const seen = leaseReads("pod-b");
    await waitFor(() => leaseReads("pod-b") >= seen + 3 || undefined, "pod-b to try for the Lease again");
    expect(log).toEqual(["pod-a:frontend"]);
    expect(b.s.isLeader).toBe(false);
    expect(policyReads("pod-b")).toBe(0);

    // pod-a hangs without releasing the Lease (no graceful shutdown).
    await a.s.elector?.stop(false);
    api.put(...G, policy("checkout"));
    await waitFor(() => b.s.isLeader, "pod-b to take over");
    await waitFor(() => log.includes("pod-b:checkout") || undefined, "pod-b reconciles the new policy");
    expect(log.filter((l) => l.startsWith("pod-a"))).toEqual(["pod-a:frontend"]);
    expect(
      api.get("coordination.k8s.io", "v1", "leases", "costopt-system", "costopt-leader")?.spec,
    ).toMatchObject({
      holderIdentity: "pod-b",
    });
  });

  it("on a graceful shutdown the other instance takes over at once, without waiting for the lease to expire", async () => {
    const log: string[] = [];
    const a = await service("pod-a", log, false, 30);
    await waitFor(() => a.s.isLeader, "pod-a to lead");
    const b = await service("pod-b", log, false, 30);
    await waitFor(() => leaseReads("pod-b") >= 2 || undefined, "pod-b to compete for the Lease");
    expect(b.s.isLeader).toBe(false);
    await a.s.stop();
    // The Lease lasts 30 s, longer than this wait: pod-b can lead in time only through the release.
    await waitFor(() => b.s.isLeader, "pod-b to take over", 10_000);
  });
});

describe("the HTTP endpoints", () => {
  it("serve /healthz, /readyz and /metrics with every named metric and the process metrics", async () => {
    const { port } = await service("pod-a", []);
    const get = (p: string) => fetch(`http://127.0.0.1:${port}${p}`);
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
    const metrics = await (await get("/metrics")).text();
    for (const name of [
      "costopt_optimizations_created_total",
      "costopt_optimizations_applied_total",
      "costopt_optimizations_failed_total",
      "costopt_rollbacks_total",
      "costopt_total_monthly_savings_usd",
      "costopt_optimization_duration_seconds",
      "costopt_pull_requests_total",
      "costopt_github_api_calls_total",
      "costopt_github_rate_limit_remaining",
      "costopt_reconcile_queue_depth",
    ]) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
    expect(metrics).toContain("# TYPE process_resident_memory_bytes gauge");
    expect(metrics).toContain("# TYPE nodejs_heap_size_used_bytes gauge");
    expect(metrics).toMatch(/^costopt_leader 1$/m);
    expect((await get("/api/github/webhooks")).status).toBe(404);
  });

  it("serves admission over HTTPS on the second port and counts the decisions", async () => {
    const { port, admissionPort } = await service("pod-a", [], true);
    const body = JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { uid: "u1", operation: "CREATE", namespace: "kube-system", object: policy("coredns") },
    });
    const res = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        { host: "127.0.0.1", port: admissionPort, path: "/validate", method: "POST", ca: tls.cert },
        (r) => {
          let d = "";
          r.on("data", (c) => {
            d += c;
          });
          r.on("end", () => resolve(d));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(JSON.parse(res).response.allowed).toBe(false);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('costopt_admission_requests_total{webhook="validate",allowed="false"} 1');
  });
});
