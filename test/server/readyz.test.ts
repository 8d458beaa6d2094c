// /readyz answers 503 while the Kubernetes API does not answer: a pod that cannot watch its
// policies or look up workloads for admission should get no traffic.

import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { PolicyReconciler } from "../../src/kube/reconciler.js";
import { Service } from "../../src/server/service.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";

const idle: PolicyReconciler = {
  reconcile: async () => ({ type: "pass", result: { message: "", warnings: [] } }),
  finalize: async () => ({ message: "", warnings: [] }),
  rollback: async () => ({ message: "", warnings: [] }),
};

let service: Service | undefined;
afterEach(async () => {
  await service?.stop();
});

describe("/readyz", () => {
  it("is 200 while the Kubernetes API answers and 503, saying so, once it does not", async () => {
    const api = new FakeKubeApi();
    await api.start();
    const config = { ...loadConfig({ POD_NAME: "pod-r" }), port: 0, admissionPort: 0 };
    service = new Service({
      config,
      kube: kubeFor(api.url, "pod-r"),
      reconciler: idle,
      log: silentLogger,
      admission: false,
    });
    const { port } = await service.start();
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return `${res.status} ${await res.text()}`;
    };
    expect(await readyz()).toBe("200 ok\n");
    await api.stop();
    expect(await readyz()).toMatch(/^503 not ready: the Kubernetes API does not answer \(\w+\)\n$/);
    // the process itself is alive: liveness stays 200, so the kubelet does not restart it
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
