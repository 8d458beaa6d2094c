// The Kubernetes API test double behaves like the API server where costopt depends on it, so
// tests against it mean something: status subresource, generation, finalizers, conflicts,
// read-only workloads, missing API groups, and data-driven registration of new resources.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeKubeApi } from "../support/kube-api.js";

let api: FakeKubeApi;
beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
});
afterEach(() => api.stop());

const CR = "/apis/costopt.dev/v1/namespaces/shop/costoptimizations";
const call = async (method: string, path: string, body?: unknown, type = "application/json") => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { "content-type": type },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: API server JSON of many shapes, probed by path in assertions.
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const cr = {
  apiVersion: "costopt.dev/v1",
  kind: "CostOptimization",
  metadata: { name: "web" },
  spec: { a: 1 },
};

describe("the Kubernetes API test double", () => {
  it("keeps status apart from spec, and raises generation only on spec changes", async () => {
    expect((await call("POST", CR, cr)).status).toBe(201);
    const merge = "application/merge-patch+json";
    await call("PATCH", `${CR}/web`, { spec: { a: 2 }, status: { phase: "Hacked" } }, merge);
    let obj = (await call("GET", `${CR}/web`)).body;
    expect(obj.metadata.generation).toBe(2);
    expect(obj.status).toBeUndefined();
    await call("PATCH", `${CR}/web/status`, { status: { phase: "Ready" }, spec: { a: 9 } }, merge);
    obj = (await call("GET", `${CR}/web`)).body;
    expect([obj.metadata.generation, obj.spec.a, obj.status.phase]).toEqual([2, 2, "Ready"]);
    const json = "application/json-patch+json";
    await call("PATCH", `${CR}/web`, [{ op: "replace", path: "/spec/a", value: 3 }], json);
    expect((await call("GET", `${CR}/web`)).body.spec.a).toBe(3);
  });

  it("holds a deleted object with finalizers until the last one is removed", async () => {
    await call("POST", CR, { ...cr, metadata: { name: "web", finalizers: ["x/y"] } });
    const deleted = await call("DELETE", `${CR}/web`);
    expect(deleted.body.metadata.deletionTimestamp).toBeDefined();
    await call("PATCH", `${CR}/web`, { metadata: { finalizers: [] } }, "application/merge-patch+json");
    expect((await call("GET", `${CR}/web`)).status).toBe(404);
  });

  it("answers a stale resourceVersion with 409, workload writes with 403, unknown groups with 404", async () => {
    const created = (await call("POST", CR, cr)).body;
    await call("PATCH", `${CR}/web`, { spec: { a: 5 } }, "application/merge-patch+json");
    const stale = await call("PUT", `${CR}/web`, created);
    expect(stale.status).toBe(409);
    const write = await call("POST", "/apis/apps/v1/namespaces/shop/deployments", {
      metadata: { name: "web" },
    });
    expect(write.status).toBe(403);
    const argo = await call("GET", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/web");
    expect(argo).toMatchObject({ status: 404, body: { kind: "Status", code: 404 } });
    expect(api.writes("/deployments")).toHaveLength(1);
  });

  it("serves any group/version/plural once registered", async () => {
    api.register({
      group: "argoproj.io",
      version: "v1alpha1",
      plural: "applications",
      kind: "Application",
      namespaced: true,
    });
    api.put("argoproj.io", "v1alpha1", "applications", {
      metadata: { name: "web", namespace: "argocd" },
      spec: {},
    });
    const list = await call("GET", "/apis/argoproj.io/v1alpha1/applications");
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["web"]);
  });
});
