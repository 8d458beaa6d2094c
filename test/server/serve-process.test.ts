// `costopt serve` as a process, assembled from its environment only, against the Kubernetes API
// test double: it takes the Lease, serves /readyz and admission, reconciles a CR, and on SIGTERM
// releases the Lease and exits 0. Without a GitHub App the policy fails with a message that says so.

import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SPEC_DEFAULTS } from "../../src/api/defaults.js";
import type { CostOptimizationStatus } from "../../src/api/types.js";
import { FakeKubeApi } from "../support/kube-api.js";
import { freePort } from "../support/ports.js";
import { selfSignedCert } from "../support/tls.js";
import { waitFor } from "../support/wait.js";

const entry = new URL("../support/costopt-entry.ts", import.meta.url).pathname;
const G = ["costopt.dev", "v1", "costoptimizations"] as const;
let api: FakeKubeApi;
let child: ChildProcess | undefined;

beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await api.stop();
});

describe("costopt serve, the process", () => {
  it("leads, reconciles, serves, and hands the Lease back on SIGTERM", async () => {
    const tls = selfSignedCert();
    const port = await freePort();
    const admissionPort = await freePort();
    let stderr = "";
    // Outside a cluster, as a user runs it: a kubeconfig whose current context is elsewhere, and --context.
    const kubeconfig = api.kubeconfig({ token: "costopt-0", context: "dev", extraContexts: ["prod"] });
    const args = ["serve", "--kubeconfig", kubeconfig, "--context", "dev"];
    child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
      env: {
        ...process.env,
        KUBERNETES_SERVICE_HOST: "",
        KUBE_CONTEXT: "prod",
        PROMETHEUS_URL: "http://127.0.0.1:9",
        PORT: String(port),
        ADMISSION_PORT: String(admissionPort),
        TLS_CERT_FILE: tls.certFile,
        TLS_KEY_FILE: tls.keyFile,
        POD_NAME: "costopt-0",
        LEASE_DURATION: "15s",
        LEASE_RENEW_INTERVAL: "1s",
        APP_ID: "",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok || undefined,
      "/readyz",
      20_000,
      100,
    );
    const lease = () =>
      api.get("coordination.k8s.io", "v1", "leases", "costopt-system", "costopt-leader")?.spec;
    await waitFor(
      () => (lease() as { holderIdentity?: string })?.holderIdentity === "costopt-0" || undefined,
      "lease",
    );

    api.put(...G, {
      apiVersion: "costopt.dev/v1",
      kind: "CostOptimization",
      metadata: { name: "web", namespace: "shop" },
      spec: {
        targetWorkload: { name: "web", kind: "Deployment" },
        optimizationType: "CPU",
        ...SPEC_DEFAULTS,
      },
    });
    const failed = await waitFor(() => {
      const s = api.get(...G, "shop", "web")?.status as CostOptimizationStatus | undefined;
      return s?.phase === "Failed" ? s : undefined;
    }, "the policy to fail for want of a GitHub App");
    expect(failed.message).toContain("the GitHub App is not configured");
    // Every request carried the credentials of the context asked for on the command line.
    expect(new Set(api.requests.map((r) => r.client))).toEqual(new Set(["costopt-0"]));

    const exited = new Promise<number | null>((r) => child?.once("exit", r));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(lease()).toMatchObject({ holderIdentity: null });
    expect(stderr).not.toMatch(/"level":"error"/);
  });
});
